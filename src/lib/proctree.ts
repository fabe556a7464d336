// Ending a whole process tree, not just one group. An agent's children need not share its process
// group: run() starts every command in a group of its own (so its timeout can end it), and a
// script may start more groups (setsid, job control). Ending only the session's group left those
// running beside the agent's replacement. A tree is found three ways, because each alone misses
// something: the groups of the root and of all its descendants (by parent pid), and every process
// whose environment carries the session's instance mark (an orphan that a dead parent handed to
// init keeps its environment, though not its place in the tree). Linux /proc only; elsewhere the
// root's group is all that is ended.
import { readdirSync, readFileSync } from 'node:fs';
import { killGroup } from './terminate.js';
import { sleepSync } from './time.js';

/** The environment variable that marks every process of one session instance. */
export const SESSION_MARK = 'GT_SESSION_INSTANCE';

interface Proc { pid: number; ppid: number; pgid: number; zombie: boolean }

function snapshot(): Proc[] {
  let names: string[];
  try {
    names = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const out: Proc[] = [];
  for (const name of names) {
    try {
      // "pid (comm) state ppid pgrp ...": comm may hold spaces or parens, so cut at the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]), zombie: f[0] === 'Z' || f[0] === 'X' });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

function carriesMark(pid: number, mark: string): boolean {
  try {
    return `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(`\0${SESSION_MARK}=${mark}\0`);
  } catch {
    return false; // gone, or not ours to read (another user's process is never part of our tree)
  }
}

/** What to signal: whole groups, and single processes that share a group with outsiders. */
export interface Targets { groups: Set<number>; pids: Set<number> }

/**
 * Grows `t` to everything it reaches now: members of its groups and its pids, their descendants
 * (and the groups those lead or sit in), and processes carrying `mark`. Returns the live members.
 */
function expand(t: Targets, mark: string | undefined, self = process.pid): Proc[] {
  const procs = snapshot();
  const byParent = new Map<number, Proc[]>();
  for (const p of procs) {
    const siblings = byParent.get(p.ppid);
    if (siblings) siblings.push(p);
    else byParent.set(p.ppid, [p]);
  }
  const inTree = new Set<number>();
  // The environment is read only where membership does not already decide (it is the slow part).
  const queue = procs.filter((p) => t.groups.has(p.pgid) || t.pids.has(p.pid) || (mark !== undefined && !p.zombie && p.pid !== self && carriesMark(p.pid, mark)));
  while (queue.length) {
    const p = queue.pop()!;
    if (inTree.has(p.pid) || p.pid === self || p.pid <= 1) continue;
    inTree.add(p.pid);
    // A process leading its own group took that group with it; one sitting in a stranger's
    // group (ours, a terminal's) is signalled alone.
    if (p.pgid > 1 && (p.pgid === p.pid || t.groups.has(p.pgid) || inTree.has(p.pgid))) t.groups.add(p.pgid);
    else t.pids.add(p.pid);
    queue.push(...(byParent.get(p.pid) ?? []));
  }
  return procs.filter((p) => inTree.has(p.pid) && !p.zombie);
}

/** The tree of `root` (taken as a group leader, as session roots are) and of `mark`, right now. */
export function treeOf(root: number | undefined, mark?: string): Targets {
  const t: Targets = { groups: new Set(root && root > 1 ? [root] : []), pids: new Set() };
  expand(t, mark);
  return t;
}

/** True while any process of the tree lives (zombies do not count). */
export function treeAlive(t: Targets, mark?: string): boolean {
  return expand(t, mark).length > 0;
}

function signal(t: Targets, sig: NodeJS.Signals): void {
  for (const g of t.groups) killGroup(g, sig);
  for (const p of t.pids) {
    try { process.kill(p, sig); } catch { /* gone */ }
  }
}

/** One round of the wait: true when none of the tree lives; a tree that grew signals its newcomers. */
function settled(t: Targets, mark: string | undefined, sig: NodeJS.Signals): boolean {
  const before = t.groups.size + t.pids.size;
  if (!expand(t, mark).length) return true;
  if (t.groups.size + t.pids.size !== before) signal(t, sig);
  return false;
}

async function waitGone(t: Targets, mark: string | undefined, ms: number, sig: NodeJS.Signals): Promise<boolean> {
  const end = Date.now() + ms;
  while (!settled(t, mark, sig)) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function waitGoneSync(t: Targets, mark: string | undefined, ms: number, sig: NodeJS.Signals): boolean {
  const end = Date.now() + ms;
  while (!settled(t, mark, sig)) {
    if (Date.now() >= end) return false;
    sleepSync(100);
  }
  return true;
}

export type TreeEnd = 'gone' | 'terminated' | 'killed';

/**
 * Ends a tree found by treeOf: TERM to all of it, up to `graceMs`, then KILL; resolves once none
 * of it lives, saying how it ended. Processes it starts meanwhile are found and ended too.
 */
export async function terminateTree(t: Targets, mark: string | undefined, graceMs: number): Promise<TreeEnd> {
  if (!expand(t, mark).length) return 'gone';
  signal(t, 'SIGTERM');
  signal(t, 'SIGCONT'); // a stopped process must run to act on the TERM
  if (await waitGone(t, mark, graceMs, 'SIGTERM')) return 'terminated';
  signal(t, 'SIGKILL');
  await waitGone(t, mark, 5000, 'SIGKILL');
  return 'killed';
}

/** terminateTree for synchronous callers (a session start clearing what its predecessor left). */
export function terminateTreeSync(t: Targets, mark: string | undefined, graceMs: number): TreeEnd {
  if (!expand(t, mark).length) return 'gone';
  signal(t, 'SIGTERM');
  signal(t, 'SIGCONT');
  if (waitGoneSync(t, mark, graceMs, 'SIGTERM')) return 'terminated';
  signal(t, 'SIGKILL');
  waitGoneSync(t, mark, 5000, 'SIGKILL');
  return 'killed';
}
