// One refinery round: stack a batch of MRs on main in the refinery worktree, test the tip, and
// land what is green by compare-and-swap of main; a red stack is bisected to its first bad MR.
// Knows nothing of beads: the caller passes plain queue items and records the outcomes.
import { bisectStep, conflictDisposition, recordProbe, startBisection, type QueueItem } from './plan.js';
import {
  branchTip, casMain, checkoutDetached, mainTip, prepareWorktree, pushMain, rebaseOnto, runTests,
  type RefineryRepo, type TestRun,
} from './worktree.js';
import { writeJournal, clearJournal, readMainVerdict, writeMainVerdict } from './journal.js';
import { pushLanding } from './remote-land.js';
import { git } from '../lib/git.js';

/** The remote took the landing: the local main follows it whatever it held (the remote is the truth). */
async function forceMain(repo: RefineryRepo, to: string, reason: string): Promise<boolean> {
  await git(repo.repoDir, ['update-ref', '-m', reason, `refs/heads/${repo.mainBranch}`, to]);
  return true;
}

export type MergeOutcome =
  | {
      kind: 'merged';
      /** The MR's commit on main (its rebased tip). */
      commit: string;
      /** The commit whose green test run covered this MR (it contains the MR and all before it). */
      testedCommit: string;
      /** How many MRs that tested commit stacked on the previous main. */
      stackedWith: number;
      /** True when the branch had nothing left to merge (already on main, e.g. after a crash). */
      already?: boolean;
      pushError?: string;
    }
  /** `onto`: the main commit it was rebased onto (for red: main plus the MRs that landed before it). */
  | { kind: 'conflict'; onto: string; files: string[]; detail: string; resolutionTried?: boolean }
  | { kind: 'red'; onto: string; testedCommit: string; tail: string; timedOut: boolean; resolutionTried?: boolean }
  | { kind: 'error'; onto: string; detail: string }
  /** Not decided this round (clashed only with other MRs in the batch, or main moved): stays queued. */
  | { kind: 'deferred'; reason: string };

export interface RoundHooks {
  /**
   * A conflict against bare main: give someone (the refinery's agent) a chance to resolve it.
   * Resolves true if the MR branch now holds a resolution worth retrying once.
   */
  resolveConflict?: (item: QueueItem, conflict: { files: string[]; detail: string; main: string }) => Promise<boolean>;
  log?: (line: string) => void;
}

export interface RoundReport {
  mainBefore: string;
  mainAfter: string;
  outcomes: Map<string, MergeOutcome>;
  /** Test runs this round (1 for a green batch; 1 + bisection probes for a red one). */
  testRuns: number;
  /**
   * Main fails its own tests, so the red MRs on it were not blamed (they stay queued). `fresh`:
   * found by this round (the first time for this main commit), so someone should be told.
   */
  mainRed?: { commit: string; tail: string; fresh: boolean };
}

interface Stacked { item: QueueItem; commit: string }

/**
 * Processes one batch (already in queue order; size 1 = one at a time). Every item gets exactly
 * one outcome. Main only ever moves to a commit whose test run passed.
 */
export async function processRound(repo: RefineryRepo, stateDir: string, items: QueueItem[], hooks: RoundHooks = {}): Promise<RoundReport> {
  const log = hooks.log ?? (() => {});
  const outcomes = new Map<string, MergeOutcome>();
  const mainBefore = await mainTip(repo);
  const stack: Stacked[] = [];
  const resolved = new Set<string>(); // MRs whose conflict was resolved for us this round
  let base = mainBefore;

  for (const item of items) {
    const tip = await branchTip(repo, item.branch);
    if (!tip) {
      outcomes.set(item.id, { kind: 'error', onto: base, detail: `branch ${item.branch} not found in the rig's repo` });
      continue;
    }
    let rb = await rebaseOnto(repo, tip, base);
    let resolutionTried = false;
    if (rb.kind === 'conflict' && stack.length === 0 && hooks.resolveConflict) {
      log(`${item.id}: conflict in ${rb.files.join(', ')}; asking for a resolution`);
      resolutionTried = true;
      const resolvedForUs = await hooks.resolveConflict(item, { files: rb.files, detail: rb.detail, main: base });
      await prepareWorktree(repo); // whoever resolved may have left the worktree mid-rebase or dirty
      if (resolvedForUs) {
        const again = await branchTip(repo, item.branch);
        rb = again ? await rebaseOnto(repo, again, base) : { kind: 'error', detail: `branch ${item.branch} vanished during resolution` };
      }
    }
    switch (rb.kind) {
      case 'ok':
        stack.push({ item, commit: rb.head });
        base = rb.head;
        if (resolutionTried) resolved.add(item.id);
        break;
      case 'empty':
        if (stack.length === 0) {
          outcomes.set(item.id, { kind: 'merged', commit: mainBefore, testedCommit: mainBefore, stackedWith: 0, already: true });
          log(`${item.id}: already on ${repo.mainBranch}`);
        } else outcomes.set(item.id, { kind: 'deferred', reason: 'nothing left to merge on top of the batch' });
        break;
      case 'conflict':
        if (conflictDisposition(stack.length) === 'bounce') {
          outcomes.set(item.id, { kind: 'conflict', onto: base, files: rb.files, detail: rb.detail, resolutionTried });
          log(`${item.id}: conflict in ${rb.files.join(', ')}`);
        } else outcomes.set(item.id, { kind: 'deferred', reason: `conflicts with an MR ahead of it in the batch (${rb.files.join(', ')})` });
        break;
      case 'error':
        if (stack.length === 0) outcomes.set(item.id, { kind: 'error', onto: base, detail: rb.detail });
        else outcomes.set(item.id, { kind: 'deferred', reason: `rebase onto the batch failed: ${rb.detail}` });
        break;
    }
  }

  let testRuns = 0;
  let mainAfter = mainBefore;
  if (stack.length === 0) return { mainBefore, mainAfter, outcomes, testRuns };

  // Test the whole stack at once (the worktree is at its tip after the last rebase).
  const tipCommit = stack[stack.length - 1]!.commit;
  const full = await runTests(repo, tipCommit);
  testRuns++;
  log(`tested ${short(tipCommit)} (${stack.length} MR${stack.length > 1 ? 's' : ''}): ${full.passed ? 'green' : 'red'} in ${full.durationMs} ms`);

  let goodPrefix = stack.length;
  let culprit: { index: number; run: TestRun } | undefined;
  if (!full.passed) {
    // Bisect the prefixes to the first red one; all before it were tested green on their predecessors.
    let b = startBisection(stack.length);
    const runs = new Map<number, TestRun>([[stack.length, full]]);
    for (let step = bisectStep(b); ; step = bisectStep(b)) {
      if (step.kind === 'found') {
        goodPrefix = step.goodPrefix;
        culprit = { index: step.culprit, run: runs.get(step.culprit + 1)! };
        break;
      }
      const probeCommit = stack[step.prefix - 1]!.commit;
      await checkoutDetached(repo, probeCommit);
      const probe = await runTests(repo, probeCommit);
      testRuns++;
      runs.set(step.prefix, probe);
      log(`bisect: tested first ${step.prefix} of ${stack.length} at ${short(probeCommit)}: ${probe.passed ? 'green' : 'red'}`);
      b = recordProbe(b, step.prefix, probe.passed);
    }
  }

  if (culprit?.index === 0) {
    // Red straight on main: blame the MR only if main alone is green (tested once per main commit).
    let verdict = readMainVerdict(stateDir, mainBefore);
    const fresh = !verdict;
    if (!verdict) {
      await checkoutDetached(repo, mainBefore);
      const run = await runTests(repo, mainBefore);
      testRuns++;
      verdict = { commit: mainBefore, passed: run.passed, tail: run.tail };
      writeMainVerdict(stateDir, verdict);
      log(`tested ${repo.mainBranch} alone at ${short(mainBefore)}: ${run.passed ? 'green' : 'red'}`);
    }
    if (!verdict.passed) {
      for (const s of stack) outcomes.set(s.item.id, { kind: 'deferred', reason: `${repo.mainBranch} ${short(mainBefore)} fails its own tests: not blamed on this MR; it stays queued` });
      return { mainBefore, mainAfter, outcomes, testRuns, mainRed: { commit: mainBefore, tail: verdict.tail ?? '', fresh } };
    }
  }

  if (goodPrefix > 0) {
    const landed = stack.slice(0, goodPrefix);
    const to = landed[landed.length - 1]!.commit;
    const merged = landed.map((s): [QueueItem, MergeOutcome] => [
      s.item,
      { kind: 'merged', commit: s.commit, testedCommit: to, stackedWith: goodPrefix },
    ]);
    // Journal first: if we die right after the swap, the next run knows these landed.
    writeJournal(stateDir, { from: mainBefore, to, landed: merged.map(([item, o]) => ({ item, outcome: o })) });
    const reason = `refinery: land ${landed.map((s) => s.item.id).join(' ')}`;
    // Shared town: the remote's main is the one main; it must take the landing first (atomically,
    // with a marker per MR), and the local main follows. Else main lands here and is pushed after.
    const remote = repo.landOnRemote ? await pushLanding(repo, to, mainBefore, landed.map((s) => ({ id: s.item.id, commit: s.commit }))) : undefined;
    if (remote && !remote.ok) log(`landing refused: ${remote.reason}`);
    const swapped = remote ? remote.ok && (await casMain(repo, to, mainBefore, reason) || await forceMain(repo, to, reason)) : await casMain(repo, to, mainBefore, reason);
    if (swapped) {
      mainAfter = to;
      writeMainVerdict(stateDir, { commit: to, passed: true }); // it is the commit just tested green
      const pushError = remote ? undefined : await pushMain(repo);
      for (const [item, o] of merged) outcomes.set(item.id, pushError && o.kind === 'merged' ? { ...o, pushError } : o);
      log(`${repo.mainBranch} -> ${short(to)}: landed ${landed.map((s) => s.item.id).join(', ')}`);
    } else {
      clearJournal(stateDir);
      const why = remote && !remote.ok ? `${repo.remote}'s ${repo.mainBranch} did not take the landing (${remote.reason})` : `${repo.mainBranch} moved while testing`;
      for (const s of stack) outcomes.set(s.item.id, { kind: 'deferred', reason: `${why}; retrying on the new tip` });
      return { mainBefore, mainAfter, outcomes, testRuns };
    }
  }
  if (culprit) {
    const bad = stack[culprit.index]!;
    outcomes.set(bad.item.id, { kind: 'red', onto: culprit.index > 0 ? stack[culprit.index - 1]!.commit : mainBefore, testedCommit: culprit.run.commit, tail: culprit.run.tail, timedOut: culprit.run.timedOut, resolutionTried: resolved.has(bad.item.id) || undefined });
    log(`${bad.item.id}: tests red at ${short(culprit.run.commit)}`);
    for (const s of stack.slice(culprit.index + 1)) outcomes.set(s.item.id, { kind: 'deferred', reason: `stacked after a red MR (${bad.item.id}); retrying without it` });
  }
  return { mainBefore, mainAfter, outcomes, testRuns };
}

const short = (sha: string) => sha.slice(0, 10);
