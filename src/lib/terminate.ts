// Ending process groups: the one TERM-grace-KILL, the liveness check it waits on, and the care
// for groups this process started that must not outlive it (a test command whose refinery is
// stopped). Spawning stays in proc.ts; this module only signals and watches.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from './fsx.js';

/** Sends a signal to a process group (negative pid); ignores groups that are already gone. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try { process.kill(pid, signal); } catch { /* already gone */ }
  }
}

/** The default grace between TERM and KILL. */
export const TERM_GRACE_MS = 3000;

/** One /proc/<pid>/stat line as the fields after the command name, or undefined if gone. */
function statFields(pid: number | string): string[] | undefined {
  try {
    // "pid (comm) state ppid pgrp ...": comm may hold spaces or parens, so cut at the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * True while any process of the group lives. Zombies do not count: a killed group's children can
 * wait seconds for a reaper, and they are dead all the same. (Without /proc: any member counts.)
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return true;
  }
  return pids.some((pid) => {
    const f = statFields(pid);
    return !!f && Number(f[2]) === pgid && f[0] !== 'Z' && f[0] !== 'X';
  });
}

/**
 * When the process started (clock ticks since boot), to tell a recorded pid from a later process
 * that reuses the number; undefined if it is gone or there is no /proc.
 */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Ends a process group: TERM, up to `graceMs` for it to finish, then KILL; resolves once the group
 * is gone, saying how it ended ('gone' if it already was).
 */
export async function terminateGroup(pgid: number, graceMs = TERM_GRACE_MS): Promise<'gone' | 'terminated' | 'killed'> {
  if (!groupAlive(pgid)) return 'gone';
  killGroup(pgid, 'SIGTERM');
  killGroup(pgid, 'SIGCONT'); // a stopped group must run to act on the TERM
  if (await waitGroupGone(pgid, graceMs)) return 'terminated';
  killGroup(pgid, 'SIGKILL');
  await waitGroupGone(pgid, 5000);
  return 'killed';
}

// Groups this process started that must end with it. When a stop signal would end this process
// (no one else listens for it), they are sent TERM first, and the signal then takes its default
// course. A listener elsewhere (the deacon's graceful stop) means this process will finish its
// work and exit on its own terms, so the groups are left to end normally.
const owned = new Set<number>();
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onStopSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  for (const pgid of owned) killGroup(pgid, 'SIGTERM');
  for (const s of STOP_SIGNALS) process.off(s, onStopSignal);
  process.kill(process.pid, signal); // no listener now: the default action ends this process
}

/**
 * Ties a process group to this process: if a stop signal ends this process, the group is sent
 * TERM first. Returns the release, to call once the group is done.
 */
export function endGroupWithProcess(pgid: number): () => void {
  if (owned.size === 0) for (const s of STOP_SIGNALS) process.on(s, onStopSignal);
  owned.add(pgid);
  return () => {
    if (!owned.delete(pgid) || owned.size > 0) return;
    for (const s of STOP_SIGNALS) process.off(s, onStopSignal);
  };
}

// A group recorded in a file while it runs, so that if this process dies without ending it (kill
// -9, a crash), the next process to take over the same job ends it first.

interface GroupRecord { pgid: number; started?: string }

/** Records a running group at `file` (its leader's start time tells it from a reused pid). */
export function recordGroup(file: string, pgid: number): void {
  writeFileAtomic(file, JSON.stringify({ pgid, started: processStartTime(pgid) } satisfies GroupRecord));
}

/** Forgets the group recorded at `file` (it has ended). */
export function forgetGroup(file: string): void {
  rmSync(file, { force: true });
}

/**
 * Ends the group a dead predecessor recorded at `file`, if it still runs, and forgets it. Returns
 * its pgid if there was one to end. A leader alive under the same pid but started at another time
 * is someone else's process (pids are never reused while their group lives), so it is left alone.
 */
export async function reapRecordedGroup(file: string, graceMs = TERM_GRACE_MS): Promise<number | undefined> {
  let rec: GroupRecord | undefined;
  try {
    rec = JSON.parse(readFileSync(file, 'utf8')) as GroupRecord;
  } catch {
    rec = undefined; // none, or unreadable: nothing we can safely act on
  }
  let reaped: number | undefined;
  if (rec && Number.isInteger(rec.pgid) && rec.pgid > 1) {
    const leaderStarted = processStartTime(rec.pgid);
    const ours = leaderStarted === undefined || rec.started === undefined || leaderStarted === rec.started;
    if (ours && groupAlive(rec.pgid)) {
      await terminateGroup(rec.pgid, graceMs);
      reaped = rec.pgid;
    }
  }
  forgetGroup(file);
  return reaped;
}
