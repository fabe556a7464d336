// Keeping main in step with the project's remote, for rigs that push: others may push to the
// remote's main too (people, CI bots, another town). Before each round the refinery fetches it;
// when the remote is ahead, main fast-forwards (the MRs are then rebased onto it and tested); when
// both moved, the remote's main is merged into ours and the merge lands only if its tests pass.
// Without this, the first commit pushed upstream by anyone else would fail every push after it.
import { git, gitErrorLine, gitTry } from '../lib/git.js';
import { writeMainVerdict } from './journal.js';
import { casMain, checkoutDetached, cleanWorktree, isAncestor, mainTip, pushMain, revParse, runTests, type RefineryRepo } from './worktree.js';

export type UpstreamStep =
  | { kind: 'in-step' }
  | { kind: 'fast-forwarded'; to: string }
  | { kind: 'merged'; to: string }
  /** Main is left as it was; landing goes on locally, and pushes report their failure. */
  | { kind: 'stuck'; reason: string };

/** Where the remote's main is fetched to: a private ref, so `remote` may be a name, URL or path. */
const upstreamRef = (r: RefineryRepo) => `refs/gt/upstream/${r.mainBranch}`;

export async function followUpstream(r: RefineryRepo, stateDir: string, log: (line: string) => void = () => {}): Promise<UpstreamStep> {
  if (!r.remote) return { kind: 'in-step' };
  const f = await gitTry(r.repoDir, ['fetch', '--quiet', '--no-tags', '--', r.remote, `+refs/heads/${r.mainBranch}:${upstreamRef(r)}`], { env: r.env, timeoutMs: 120_000 });
  if (f.code !== 0) return { kind: 'stuck', reason: `fetch from ${r.remote} failed: ${gitErrorLine(f.stderr)}` };
  const up = await revParse(r.repoDir, upstreamRef(r));
  const local = await mainTip(r);
  if (!up || up === local || (await isAncestor(r, up, local))) return { kind: 'in-step' };

  if (await isAncestor(r, local, up)) {
    if (!(await casMain(r, up, local, `refinery: fast-forward to ${r.remote}`))) return { kind: 'stuck', reason: `${r.mainBranch} moved while following ${r.remote}` };
    log(`${r.mainBranch} -> ${up.slice(0, 10)}: fast-forwarded to ${r.remote}'s new commits`);
    return { kind: 'fast-forwarded', to: up };
  }

  // Both moved: merge theirs into ours (our landed commits keep their ids), test, land, push.
  await checkoutDetached(r, local);
  const m = await gitTry(r.worktree, ['merge', '--quiet', '--no-edit', '--no-ff', '-m', `refinery: merge ${r.remote}'s ${r.mainBranch}`, up], { env: r.env });
  if (m.code !== 0) {
    const files = (await gitTry(r.worktree, ['diff', '--name-only', '--diff-filter=U'])).stdout.trim().split('\n').filter(Boolean);
    await gitTry(r.worktree, ['merge', '--abort']);
    await cleanWorktree(r);
    return { kind: 'stuck', reason: `${r.mainBranch} and ${r.remote}'s ${r.mainBranch} both moved and merging them conflicts${files.length ? ` in ${files.join(', ')}` : ''}: merge them by hand` };
  }
  const merge = await git(r.worktree, ['rev-parse', 'HEAD']);
  const t = await runTests(r, merge);
  if (!t.passed) return { kind: 'stuck', reason: `merging ${r.remote}'s ${r.mainBranch} into ${r.mainBranch} makes the tests fail:\n${t.tail}` };
  if (!(await casMain(r, merge, local, `refinery: merge ${r.remote}`))) return { kind: 'stuck', reason: `${r.mainBranch} moved while merging ${r.remote}` };
  writeMainVerdict(stateDir, { commit: merge, passed: true });
  const pushError = await pushMain(r);
  log(`${r.mainBranch} -> ${merge.slice(0, 10)}: merged ${r.remote}'s new commits (tests green)${pushError ? `; ${pushError}` : ''}`);
  return { kind: 'merged', to: merge };
}
