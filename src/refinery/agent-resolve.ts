// `--on-conflict agent`: before bouncing a conflict, the refinery's own agent session gets one
// bounded try at resolving it. The agent rebases the MR branch onto main in the refinery worktree,
// resolves, and moves the branch to its resolution; we only trust what git then shows us (the
// branch moved and now sits on main), and the engine re-tests it like any other MR.
import { ensureAgent } from '../town/identity.js';
import type { Rig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import type { QueueItem } from './plan.js';
import { branchTip, isAncestor, type RefineryRepo } from './worktree.js';

/** The runtime boundary we use (src/runtime/launch.ts). */
interface AgentRuntime {
  launchAgent(town: Town, address: string, opts?: { adapter?: string; prompt?: string }): Promise<unknown>;
  stopAgent(town: Town, address: string): Promise<void>;
  isAgentAlive(town: Town, address: string): boolean | Promise<boolean>;
}

export interface ResolveOptions { timeoutMs?: number; actor: string; log?: (line: string) => void; pollMs?: number }

export function conflictPrompt(repo: RefineryRepo, item: QueueItem, tip: string, files: string[], main: string): string {
  const ref = `refs/heads/${item.branch}`;
  return [
    `The merge queue cannot rebase ${item.id} (branch ${item.branch}) onto ${repo.mainBranch}: conflicts in ${files.join(', ')}.`,
    `Resolve it here, in ${repo.worktree}:`,
    `1. git checkout --detach ${tip} && git rebase ${main}`,
    `2. Resolve the conflicts in ${files.join(', ')} keeping the intent of both sides, git add them, git rebase --continue (repeat until done).`,
    `3. Publish the resolution: git update-ref ${ref} HEAD ${tip}`,
    'Do not touch any other branch. If you cannot resolve it with confidence, run `git rebase --abort` and stop: the work will be bounced to its author.',
  ].join('\n');
}

/** Resolves true when the branch was moved to a commit on top of `main` within the time limit. */
export async function resolveWithAgent(
  town: Town,
  rig: Rig,
  repo: RefineryRepo,
  item: QueueItem,
  conflict: { files: string[]; main: string },
  opts: ResolveOptions,
): Promise<boolean> {
  const log = opts.log ?? (() => {});
  const tip = await branchTip(repo, item.branch);
  if (!tip) return false;
  const address = `${rig.name}/refinery`;
  let runtime: AgentRuntime;
  try {
    runtime = (await import('../runtime/launch.js')) as AgentRuntime;
  } catch (e) {
    log(`${item.id}: no agent runtime available (${(e as Error).message}); bouncing`);
    return false;
  }
  await ensureAgent(town, address, opts.actor, { workdir: repo.worktree });
  try {
    await runtime.launchAgent(town, address, { prompt: conflictPrompt(repo, item, tip, conflict.files, conflict.main) });
  } catch (e) {
    log(`${item.id}: could not start ${address}: ${(e as Error).message}`);
    return false;
  }
  const until = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  const pollMs = opts.pollMs ?? 1000;
  const published = async () => {
    const now = await branchTip(repo, item.branch);
    const ok = !!now && now !== tip && (await isAncestor(repo, conflict.main, now));
    if (ok) log(`${item.id}: ${address} published a resolution ${now!.slice(0, 12)}`);
    return ok;
  };
  try {
    while (Date.now() < until) {
      if (await published()) return true;
      if (!(await runtime.isAgentAlive(town, address))) return published(); // it may have published as it exited
      await new Promise((r) => setTimeout(r, pollMs));
    }
    log(`${item.id}: ${address} did not resolve the conflict`);
    return false;
  } finally {
    await runtime.stopAgent(town, address).catch(() => {});
  }
}
