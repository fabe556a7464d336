// Polecat lifecycle: allocate a name and identity, give it a worktree on its own branch, and
// decommission it once its work has merged (session gone, worktree removed, branch deleted,
// identity closed). Every step checks persisted state first, so each is safe to run twice.
import { existsSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { git, gitTry } from '../lib/git.js';
import { pickPolecatName } from '../town/names.js';
import { ensureAgent, listAgents, retireAgent, getAgent, defaultWorkdir, type Agent } from '../town/identity.js';
import type { Rig } from '../town/rig.js';
import type { Town } from '../town/town.js';

export function polecatAddress(rig: string, name: string): string {
  return `${rig}/polecats/${name}`;
}

export function polecatBranch(name: string, beadId: string): string {
  return `polecat/${name}/${beadId}`;
}

/** Allocates a fresh polecat identity for a bead. Call inside the rig store's write transaction. */
export function allocatePolecat(town: Town, rig: Rig, beadId: string, actor: string, adapter?: string): Agent {
  const inUse = new Set(listAgents(town, { rig: rig.name, role: 'polecat' }).map((a) => a.name!));
  const name = pickPolecatName(inUse);
  const address = polecatAddress(rig.name, name);
  const { agent } = ensureAgent(town, address, actor, {
    workdir: defaultWorkdir(town, { role: 'polecat', rig: rig.name, name }),
    branch: polecatBranch(name, beadId),
    hook: beadId,
    state: 'spawning',
    adapter,
  });
  return agent;
}

/** Creates the polecat's worktree on its branch from main, unless it already exists. */
export async function ensureWorktree(rig: Rig, workdir: string, branch: string): Promise<void> {
  if (await isWorktree(workdir)) return;
  // Something else is there (any directory in the town is inside the HQ repo, so "git works here"
  // proves nothing): an empty leftover goes; anything else may be someone's work, so we stop.
  if (existsSync(workdir)) {
    if (readdirSync(workdir).length) throw new Error(`${workdir} exists and is not a git worktree; move it away and retry`);
    rmSync(workdir, { recursive: true, force: true });
  }
  await git(rig.repoDir, ['worktree', 'prune']);
  const hasBranch = (await gitTry(rig.repoDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).code === 0;
  const args = hasBranch ? ['worktree', 'add', '--quiet', workdir, branch] : ['worktree', 'add', '--quiet', '-b', branch, workdir, rig.mainBranch];
  // Concurrent `worktree add` on one repo can collide on git's own lock files; retry briefly.
  for (let attempt = 0; ; attempt++) {
    const r = await gitTry(rig.repoDir, args);
    if (r.code === 0) return;
    if (attempt >= 5 || !/lock|exists/.test(r.stderr)) throw new Error(`git worktree add failed: ${r.stderr.trim()}`);
    if (await isWorktree(workdir)) return;
    await new Promise((res) => setTimeout(res, 100 * (attempt + 1)));
  }
}

/** Is workdir the top of a git worktree (not merely a directory inside some repo)? */
async function isWorktree(workdir: string): Promise<boolean> {
  if (!existsSync(workdir)) return false;
  const top = await gitTry(workdir, ['rev-parse', '--show-toplevel']);
  return top.code === 0 && realpathSync(top.stdout.trim()) === realpathSync(workdir);
}

/** Removes the worktree; deletes the branch only if told to (after merge) — never loses work. */
export async function removeWorktree(rig: Rig, workdir: string, branch: string | undefined, deleteBranch: boolean): Promise<void> {
  if (existsSync(workdir)) {
    const r = await gitTry(rig.repoDir, ['worktree', 'remove', '--force', workdir]);
    if (r.code !== 0) rmSync(workdir, { recursive: true, force: true });
  }
  await gitTry(rig.repoDir, ['worktree', 'prune']);
  if (deleteBranch && branch) await gitTry(rig.repoDir, ['branch', '-D', branch]);
}

/** Session gone, worktree removed, branch deleted, identity closed. Idempotent. */
export async function decommissionPolecat(town: Town, rig: Rig, name: string, opts: { keepBranch?: boolean; reason?: string } = {}): Promise<void> {
  const address = polecatAddress(rig.name, name);
  const agent = getAgent(town, address);
  if (!agent) return;
  try {
    const { stopAgent } = await import('../runtime/launch.js');
    await stopAgent(town, address);
  } catch {
    /* no runtime, or already gone */
  }
  await removeWorktree(rig, agent.workdir, agent.branch, !opts.keepBranch);
  retireAgent(town, address, opts.reason ?? 'decommissioned', 'gt');
}
