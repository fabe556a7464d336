// The refinery loop, over any queue: take the lock, repair the worktree and the books after a
// crash, then run rounds (one MR, or a batch) until the queue is empty.
import { takeBatch, type QueueItem } from './plan.js';
import { processRound, type MergeOutcome, type RoundHooks } from './engine.js';
import { followUpstream } from './upstream.js';
import { acquireLock, clearJournal, readJournal, testGroupPath } from './journal.js';
import { fetchBranch, fetchedBranchRef, landedOnRemote } from './remote-land.js';
import { reapRecordedGroup } from '../lib/terminate.js';
import { committerFallback, isAncestor, mainTip, prepareWorktree, pushMain, type RefineryRepo } from './worktree.js';

/** Where MRs come from and where outcomes go (beads in production, a plain list in tests). */
export interface QueueSource {
  /** MRs waiting to merge (any order). */
  queued(): Promise<QueueItem[]> | QueueItem[];
  /** Called once at start, holding the lock: MRs a dead refinery left in 'testing' go back to the queue (the beads queue also slings fixes an earlier run failed to). */
  requeueInterrupted(): Promise<void> | void;
  /** The batch is about to be tested. */
  begin(items: QueueItem[]): Promise<void> | void;
  /** Records one MR's outcome. Must be idempotent (a crash may replay a 'merged'). */
  settle(item: QueueItem, outcome: MergeOutcome): Promise<void> | void;
}

export interface DrainOptions extends RoundHooks {
  /** MRs tested together per round (1 = one at a time). */
  batch?: number;
  /** Run a single round and stop. */
  once?: boolean;
  /** Asked before each round: a reason to stop draining now (a refinery lease that was lost). */
  stopReason?: () => string | undefined;
}

export interface DrainReport {
  rounds: number;
  testRuns: number;
  merged: string[];
  bounced: string[];
  deferred: string[];
  recovered: string[];
  main: string;
  /** Why main could not follow the remote's main this drain (landing went on locally). */
  upstreamStuck?: string;
  /** Main fails its own tests: MRs red on it were left queued, not bounced (see RoundReport). */
  mainRed?: { commit: string; tail: string; fresh: boolean };
}

/** Rounds in a row that decide nothing (main keeps moving under us) before we give up. */
const MAX_IDLE_ROUNDS = 5;

export async function drainQueue(repo: RefineryRepo, stateDir: string, source: QueueSource, opts: DrainOptions = {}): Promise<DrainReport> {
  const release = acquireLock(stateDir);
  try {
    repo = { ...repo, env: { ...(await committerFallback(repo)), ...repo.env }, testGroupFile: testGroupPath(stateDir) };
    const report: DrainReport = { rounds: 0, testRuns: 0, merged: [], bounced: [], deferred: [], recovered: [], main: '' };
    await recover(repo, stateDir, source, report, opts.log);
    let idle = 0;
    // While main is red, each MR is tried once per drain (one that fixes main lands; the others
    // wait for the next drain) instead of the same head of the queue over and over.
    const triedOnRedMain = new Set<string>();
    if (repo.landOnRemote) await pushMain(repo); // main landed here before the town was shared: the remote gets it first
    for (;;) {
      const stop = opts.stopReason?.();
      if (stop) {
        opts.log?.(`stopped draining: ${stop}`);
        break;
      }
      if (repo.landOnRemote) await settleLandedElsewhere(repo, source, report, opts.log);
      let items = takeBatch((await source.queued()).filter((i) => !triedOnRedMain.has(i.id)), opts.batch ?? 1);
      if (items.length === 0) break;
      if (repo.landOnRemote) items = await fetchBranches(repo, items);
      if (!report.upstreamStuck) {
        const up = await followUpstream(repo, stateDir, opts.log);
        if (up.kind === 'stuck') {
          report.upstreamStuck = up.reason; // tried once per drain: a red merge is not retested per MR
          opts.log?.(`not following ${repo.remote}: ${up.reason}`);
        }
      }
      await source.begin(items);
      let round;
      try {
        round = await processRound(repo, stateDir, items, opts);
      } catch (e) {
        // Broken environment (git failing, disk full): put the batch back before reporting it.
        for (const item of items) await source.settle(item, { kind: 'deferred', reason: `refinery error: ${(e as Error).message}` });
        throw e;
      }
      report.rounds++;
      report.testRuns += round.testRuns;
      let decided = 0;
      for (const item of items) {
        const outcome = round.outcomes.get(item.id) ?? { kind: 'deferred', reason: 'not reached' };
        await source.settle(item, outcome);
        if (outcome.kind === 'merged') report.merged.push(item.id);
        else if (outcome.kind === 'deferred') report.deferred.push(item.id);
        else report.bounced.push(item.id);
        if (outcome.kind !== 'deferred') decided++;
      }
      clearJournal(stateDir); // every landed MR is recorded now
      if (round.mainRed) {
        report.mainRed = { ...round.mainRed, fresh: round.mainRed.fresh || !!report.mainRed?.fresh };
        for (const item of items) triedOnRedMain.add(item.id);
        if (opts.once) break;
        continue;
      }
      if (round.mainAfter !== round.mainBefore && report.mainRed) {
        // An MR made main green again: the ones that waited get their turn now.
        triedOnRedMain.clear();
        report.mainRed = undefined;
      }
      idle = decided ? 0 : idle + 1;
      if (opts.once || idle >= MAX_IDLE_ROUNDS) break;
    }
    report.main = await mainTip(repo);
    return report;
  } finally {
    release();
  }
}

/**
 * Shared town: MRs whose marker is on the remote landed already (another machine's refinery, or
 * this one before a crash, pushed them and died before recording it): recorded as merged, never
 * merged again.
 */
async function settleLandedElsewhere(repo: RefineryRepo, source: QueueSource, report: DrainReport, log?: (line: string) => void): Promise<void> {
  const landed = await landedOnRemote(repo);
  if (!landed.size) return;
  for (const item of await source.queued()) {
    const commit = landed.get(item.id);
    if (!commit) continue;
    await source.settle(item, { kind: 'merged', commit, testedCommit: commit, stackedWith: 0, already: true });
    report.recovered.push(item.id);
    log?.(`${item.id}: already landed on ${repo.remote} (${commit.slice(0, 10)}); recorded as merged`);
  }
}

/** Shared town: each MR's branch as the polecat pushed it to the remote (its machine may be another). */
async function fetchBranches(repo: RefineryRepo, items: QueueItem[]): Promise<QueueItem[]> {
  const out: QueueItem[] = [];
  for (const item of items) out.push((await fetchBranch(repo, item.branch)) ? { ...item, branch: fetchedBranchRef(item.branch) } : item);
  return out;
}

/**
 * After a kill: the killed run's test command may still be running in the worktree (ended here,
 * before the worktree is touched); the worktree may be mid-rebase or dirty (cleaned here); main
 * may have been swapped without the outcomes being recorded (replayed from the journal); MRs left
 * 'testing' are queued again.
 */
async function recover(repo: RefineryRepo, stateDir: string, source: QueueSource, report: DrainReport, log?: (line: string) => void): Promise<void> {
  const reaped = await reapRecordedGroup(testGroupPath(stateDir));
  if (reaped) log?.(`ended the test command a stopped refinery left running (process group ${reaped})`);
  await prepareWorktree(repo);
  const j = readJournal(stateDir);
  if (j) {
    const main = await mainTip(repo);
    if (main === j.to || (await isAncestor(repo, j.to, main))) {
      for (const { item, outcome } of j.landed) {
        await source.settle(item, outcome);
        report.recovered.push(item.id);
      }
      await pushMain(repo); // the push may not have happened before the kill
    }
    clearJournal(stateDir);
  }
  await source.requeueInterrupted();
}
