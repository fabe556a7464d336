// Git operations of the refinery on a rig's repository: the bare repo every worktree hangs off,
// and the refinery's own worktree (detached HEAD, never holding the main branch checked out).
// Main moves only by compare-and-swap, so a kill at any moment leaves it at a tested commit.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { git, gitTry } from '../lib/git.js';
import { run } from '../lib/proc.js';
import { endGroupWithProcess, forgetGroup, recordGroup, terminateGroup } from '../lib/terminate.js';
import { outputTail } from './plan.js';
import { baseEnv } from '../runtime/env.js';

/** Where the refinery works: plain paths and settings, no beads. */
export interface RefineryRepo {
  /** The bare repository (`<rig>/.repo.git`). */
  repoDir: string;
  /** The refinery's worktree (`<rig>/refinery/rig`). */
  worktree: string;
  mainBranch: string;
  /** Remote (name or URL) that main is pushed to after each landing, when configured. */
  remote?: string;
  /**
   * Land on the remote itself (a town shared across machines): each landing is an atomic push
   * that the remote's main must accept before the local main moves (refinery/remote-land.ts).
   */
  landOnRemote?: boolean;
  /** Shell command run in the worktree as the gate; none = rebase-only (logged as untested). */
  testCmd?: string;
  testTimeoutMs: number;
  /** Extra environment for git and the tests (identity fallbacks, GT_* vars). */
  env?: NodeJS.ProcessEnv;
  /** Caller variables the tests may see beyond the base allow-list (rig.toml `test_env`). */
  testEnv?: string[];
  /**
   * Where a running test command's process group is recorded, so that a refinery killed mid-test
   * has it ended by the next run (drainQueue sets it in the refinery's state directory).
   */
  testGroupFile?: string;
}

const mainRef = (r: RefineryRepo) => `refs/heads/${r.mainBranch}`;

export async function revParse(cwd: string, rev: string): Promise<string | undefined> {
  const r = await gitTry(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

export async function mainTip(r: RefineryRepo): Promise<string> {
  const sha = await revParse(r.repoDir, mainRef(r));
  if (!sha) throw new Error(`branch ${r.mainBranch} does not exist in ${r.repoDir}`);
  return sha;
}

/** Tip of an MR branch, or undefined if the branch is gone. */
export function branchTip(r: RefineryRepo, branch: string): Promise<string | undefined> {
  return revParse(r.repoDir, branch.startsWith('refs/') ? branch : `refs/heads/${branch}`);
}

export async function isAncestor(r: RefineryRepo, ancestor: string, of: string): Promise<boolean> {
  const res = await gitTry(r.repoDir, ['merge-base', '--is-ancestor', ancestor, of]);
  return res.code === 0;
}

/**
 * Makes the refinery worktree usable whatever state a killed predecessor left it in: creates it
 * if missing, aborts a half-done rebase, drops stale index locks, resets and cleans.
 */
export async function prepareWorktree(r: RefineryRepo): Promise<void> {
  const wt = resolve(r.worktree);
  if (!existsSync(`${wt}/.git`)) {
    // Drop only this path's stale registration: a repo-wide prune could reap a polecat worktree
    // that a concurrent sling is in the middle of creating.
    await gitTry(r.repoDir, ['worktree', 'remove', '--force', wt]);
    mkdirSync(dirname(wt), { recursive: true });
    await git(r.repoDir, ['worktree', 'add', '--force', '--detach', wt, mainRef(r)], { env: r.env });
    return;
  }
  const gitPath = async (p: string) => resolve(wt, await git(wt, ['rev-parse', '--git-path', p]));
  // Only the refinery (holding its lock) uses this worktree, so a lock left here is a dead one's.
  rmSync(await gitPath('index.lock'), { force: true });
  if (existsSync(await gitPath('rebase-merge')) || existsSync(await gitPath('rebase-apply'))) {
    const q = await gitTry(wt, ['rebase', '--quit']);
    if (q.code !== 0) {
      rmSync(await gitPath('rebase-merge'), { recursive: true, force: true });
      rmSync(await gitPath('rebase-apply'), { recursive: true, force: true });
    }
  }
  await cleanWorktree(r);
}

/**
 * Makes the worktree equal its HEAD commit: tracked changes reset, untracked *and ignored* files
 * removed (`-x`). Ignored files are what one test run leaves for the next (build output, caches,
 * a bounced MR's artifacts); kept, they could turn a verdict green or red that a clean checkout
 * of the commit would not give. So nothing is kept here: a cache the tests want must live outside
 * the worktree and be keyed by content, where it cannot change the result.
 */
export async function cleanWorktree(r: RefineryRepo): Promise<void> {
  await git(r.worktree, ['reset', '--quiet', '--hard']);
  await git(r.worktree, ['clean', '-q', '-ffdx']);
}

export type RebaseResult =
  | { kind: 'ok'; head: string }
  | { kind: 'empty' } // every commit is already in the base: nothing left to merge
  | { kind: 'conflict'; files: string[]; detail: string }
  | { kind: 'error'; detail: string };

/**
 * In the worktree: check out `tip` detached and rebase it onto `base` (the MR branch ref itself is
 * never moved). On conflict the conflicting files are collected and the rebase is aborted.
 */
export async function rebaseOnto(r: RefineryRepo, tip: string, base: string): Promise<RebaseResult> {
  await cleanWorktree(r); // the last test run may have left build output or edits behind
  const res = await gitTry(r.worktree, ['-c', 'rebase.autoStash=false', '-c', 'rebase.autoSquash=false', 'rebase', '--quiet', '--no-autosquash', base, tip], { env: r.env });
  if (res.code === 0) {
    const head = await git(r.worktree, ['rev-parse', 'HEAD']);
    return head === base ? { kind: 'empty' } : { kind: 'ok', head };
  }
  const unmerged = await gitTry(r.worktree, ['diff', '--name-only', '--diff-filter=U']);
  const files = unmerged.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  const detail = outputTail(`${res.stdout}\n${res.stderr}`, 12, 1500);
  await gitTry(r.worktree, ['rebase', '--abort']);
  await cleanWorktree(r);
  if (files.length) return { kind: 'conflict', files, detail };
  return { kind: 'error', detail: detail || `git rebase exited ${res.code}` };
}

/** Checks out a commit detached in a clean worktree (bisection probes). */
export async function checkoutDetached(r: RefineryRepo, commit: string): Promise<void> {
  await cleanWorktree(r);
  await git(r.worktree, ['checkout', '--quiet', '--detach', commit]);
}

export interface TestRun {
  passed: boolean;
  commit: string;
  tail: string;
  timedOut: boolean;
  durationMs: number;
  exitCode: number | null;
}

/**
 * Runs the rig's test command, with its timeout, on a worktree that equals `commit` exactly
 * (checked out and cleaned of everything an earlier run or rebase left, ignored files included).
 */
export async function runTests(r: RefineryRepo, commit: string): Promise<TestRun> {
  if (!r.testCmd) return { passed: true, commit, tail: '(no test command configured)', timedOut: false, durationMs: 0, exitCode: 0 };
  await checkoutDetached(r, commit);
  // The command runs in its own process group (run() spawns detached), and nothing of that group
  // outlives the run: what it left in the background is ended when it exits, the whole group is
  // ended on timeout, TERMed if a stop signal ends the refinery, and reaped by the next run (from
  // testGroupFile) if the refinery is killed outright.
  let pgid: number | undefined;
  let untie = () => {};
  try {
    // One interleaved stream, so the tail reads like the terminal would have shown it.
    const res = await run('sh', ['-c', `exec 2>&1\n${r.testCmd}`], {
      cwd: r.worktree,
      env: testEnv(r),
      timeoutMs: r.testTimeoutMs,
      maxOutput: 64 * 1024,
      onSpawn: (id) => {
        pgid = id;
        untie = endGroupWithProcess(id);
        if (r.testGroupFile) recordGroup(r.testGroupFile, id);
      },
    });
    let tail = outputTail(res.stdout);
    if (res.timedOut) tail += `\n[refinery] test command timed out after ${Math.round(r.testTimeoutMs / 1000)}s`;
    return { passed: res.code === 0 && !res.timedOut, commit, tail, timedOut: res.timedOut, durationMs: res.durationMs, exitCode: res.code };
  } finally {
    if (pgid) await terminateGroup(pgid);
    untie();
    if (r.testGroupFile) forgetGroup(r.testGroupFile);
  }
}

/**
 * The tests run agent-written code: they see an allow-list of the caller's environment (the base
 * every agent gets, plus the names the rig lists in test_env), never its API keys or credentials,
 * nor GIT_DIR-style variables leaking from a hook.
 */
function testEnv(r: RefineryRepo): NodeJS.ProcessEnv {
  return { ...baseEnv(process.env, r.testEnv), ...r.env };
}

/**
 * Advances main from `expected` to `next` atomically; false if main moved meanwhile (someone else
 * updated it), in which case nothing changed.
 */
export async function casMain(r: RefineryRepo, next: string, expected: string, reason: string): Promise<boolean> {
  const res = await gitTry(r.repoDir, ['update-ref', '-m', reason, mainRef(r), next, expected]);
  return res.code === 0;
}

/** Pushes main to the configured remote; returns an error line instead of throwing (main has landed). */
export async function pushMain(r: RefineryRepo): Promise<string | undefined> {
  if (!r.remote) return undefined;
  const res = await gitTry(r.repoDir, ['push', '--quiet', '--', r.remote, `${mainRef(r)}:${mainRef(r)}`], { env: r.env });
  return res.code === 0 ? undefined : `push to ${r.remote} failed: ${outputTail(res.stderr, 3, 500)}`;
}

/** Committer identity for rebases when the machine has none configured. */
export async function committerFallback(r: RefineryRepo): Promise<NodeJS.ProcessEnv> {
  const res = await gitTry(r.repoDir, ['var', 'GIT_COMMITTER_IDENT'], { env: r.env });
  if (res.code === 0) return {};
  return { GIT_COMMITTER_NAME: 'Gas Town Refinery', GIT_COMMITTER_EMAIL: 'refinery@gastown.invalid' };
}
