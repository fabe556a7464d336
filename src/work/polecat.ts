// Polecat lifecycle: allocate a name and identity, give it a worktree on its own branch, and
// decommission it once its work has merged (session gone, worktree removed, branch deleted,
// identity closed). Every step checks persisted state first, so each is safe to run twice.
import { existsSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { gitTry } from '../lib/git.js';
import { pickPolecatName } from '../town/names.js';
import { ensureAgent, listAgents, retireAgent, getAgent, defaultWorkdir, type Agent } from '../town/identity.js';
import type { Rig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import type { Tx } from '../beads/api.js';
import { ownedHere } from '../town/machine.js';

export function polecatAddress(rig: string, name: string): string {
  return `${rig}/polecats/${name}`;
}

export function polecatBranch(name: string, beadId: string): string {
  return `polecat/${name}/${beadId}`;
}

/** Allocates a fresh polecat identity for a bead, inside `tx`: a transaction on the rig's store. */
export async function allocatePolecat(town: Town, rig: Rig, beadId: string, actor: string, adapter: string | undefined, tx: Tx): Promise<Agent> {
  const inUse = new Set((await listAgents(town, { rig: rig.name, role: 'polecat' }, tx)).map((a) => a.name!));
  const name = pickPolecatName(inUse);
  const address = polecatAddress(rig.name, name);
  const { agent } = await ensureAgent(town, address, actor, {
    workdir: defaultWorkdir(town, { role: 'polecat', rig: rig.name, name }),
    branch: polecatBranch(name, beadId),
    hook: beadId,
    state: 'spawning',
    adapter,
  }, tx);
  return agent;
}

/** Creates the polecat's worktree on its branch from main, unless it already exists. */
export async function ensureWorktree(rig: Rig, workdir: string, branch: string, opts: { fromRemote?: boolean } = {}): Promise<void> {
  if (await isWorktree(workdir)) {
    if (!(await leftoverOfEarlierPolecat(rig, workdir, branch))) return;
  }
  // Something else is there (any directory in the town is inside the HQ repo, so "git works here"
  // proves nothing): an empty leftover goes; anything else may be someone's work, so we stop.
  if (existsSync(workdir)) {
    // A racing sling of the same bead may be creating this very worktree: give it a moment.
    for (let i = 0; i < 20; i++) {
      await new Promise((res) => setTimeout(res, 150));
      if (await isWorktree(workdir)) return;
    }
    if (readdirSync(workdir).length) throw new Error(`${workdir} exists and is not a git worktree; move it away and retry`);
    rmSync(workdir, { recursive: true, force: true });
  }
  // A stale registration of this path (its directory was deleted) would block the add. Clear just
  // that entry: `git worktree prune` would also reap worktrees other slings are creating right now.
  await gitTry(rig.repoDir, ['worktree', 'remove', '--force', workdir]);
  // Adopted work in a shared town (work/adopt.ts): the dead machine's polecat of this name may have
  // pushed this very branch to the rig's remote. The fresh polecat continues from it (as a released
  // polecat's kept branch is continued on one machine), so its `gt done` push builds on that work,
  // never over it. On one machine nothing pushes polecat branches there: no round trip per sling.
  if (opts.fromRemote && rig.remote && (await gitTry(rig.repoDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).code !== 0) {
    await gitTry(rig.repoDir, ['fetch', '--quiet', '--no-tags', '--', rig.remote, `refs/heads/${branch}:refs/heads/${branch}`], { timeoutMs: 120_000 });
  }
  // Concurrent `worktree add`s on one repo collide in git's shared admin files in several ways
  // (lock files, half-written entries); they are transient, so retry with a short backoff. A failed
  // attempt may already have made the branch, so look again each time.
  for (let attempt = 0; ; attempt++) {
    const hasBranch = (await gitTry(rig.repoDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).code === 0;
    const args = hasBranch ? ['worktree', 'add', '--quiet', workdir, branch] : ['worktree', 'add', '--quiet', '-b', branch, workdir, rig.mainBranch];
    const r = await gitTry(rig.repoDir, args);
    if (r.code === 0 || (await isWorktree(workdir))) return;
    if (attempt >= 5) throw new Error(`git worktree add failed: ${r.stderr.trim()}`);
    await gitTry(rig.repoDir, ['worktree', 'remove', '--force', workdir]);
    await new Promise((res) => setTimeout(res, 100 * (attempt + 1)));
  }
}

/**
 * A worktree at this polecat's path on another branch is the leftover of the name's previous
 * polecat: in a town shared across machines, another machine's refinery merged its work and
 * retired it, but could not remove a worktree that lives here. Removed (its branch is kept) when
 * clean; refused when it holds uncommitted work, which is never thrown away. True when removed.
 */
async function leftoverOfEarlierPolecat(rig: Rig, workdir: string, branch: string): Promise<boolean> {
  const head = (await gitTry(workdir, ['symbolic-ref', '--quiet', '--short', 'HEAD'])).stdout.trim();
  if (head === branch) return false;
  const dirty = (await gitTry(workdir, ['status', '--porcelain'])).stdout.trim();
  if (dirty) throw new Error(`${workdir} is a worktree on ${head || 'a detached HEAD'} with uncommitted changes, not on ${branch}; move it away and retry`);
  await gitTry(rig.repoDir, ['worktree', 'remove', '--force', workdir]);
  return true;
}

/** Is workdir the top of a git worktree (not merely a directory inside some repo)? */
async function isWorktree(workdir: string): Promise<boolean> {
  try {
    const top = await gitTry(workdir, ['rev-parse', '--show-toplevel']);
    return top.code === 0 && realpathSync(top.stdout.trim()) === realpathSync(workdir);
  } catch {
    return false; // no such directory (spawning git there fails)
  }
}

/** Removes the worktree; deletes the branch only if told to (after merge) — never loses work. */
export async function removeWorktree(rig: Rig, workdir: string, branch: string | undefined, deleteBranch: boolean): Promise<void> {
  // Works for a missing directory too (drops its registration); a plain directory is just deleted.
  const r = await gitTry(rig.repoDir, ['worktree', 'remove', '--force', workdir]);
  if (r.code !== 0 && existsSync(workdir)) rmSync(workdir, { recursive: true, force: true });
  if (deleteBranch && branch) await gitTry(rig.repoDir, ['branch', '-D', branch]);
}

/** Session gone, worktree removed, branch deleted, identity closed. Idempotent. */
export async function decommissionPolecat(town: Town, rig: Rig, name: string, opts: { keepBranch?: boolean; reason?: string } = {}): Promise<void> {
  const address = polecatAddress(rig.name, name);
  const agent = await getAgent(town, address);
  if (!agent) return;
  // In a shared town, a polecat of another machine (its MR merged by this machine's refinery) has
  // its session and worktree there: only its identity is closed from here.
  if (ownedHere(town, agent)) {
    try {
      const { stopAgent } = await import('../runtime/launch.js');
      await stopAgent(town, address);
    } catch {
      /* no runtime, or already gone */
    }
    await removeWorktree(rig, agent.workdir, agent.branch, !opts.keepBranch);
  }
  await retireAgent(town, address, opts.reason ?? 'decommissioned', 'gt');
}
