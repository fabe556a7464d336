// Crash bookkeeping in the refinery's state directory (`<rig>/refinery/`):
// - a lock, so one refinery runs per rig (a dead holder's lock is taken over);
// - a landing journal written just before main is swapped, so a refinery killed between the swap
//   and recording the outcomes learns on restart which MRs did land;
// - the verdict on main: whether main's current tip passed the tests (so an MR is blamed for red
//   only when main itself is green);
// - the process group of the test command while it runs, so a refinery killed mid-test has it
//   ended by the next run (lib/terminate's recordGroup / reapRecordedGroup).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { tryPidLock } from '../lib/pidlock.js';
import type { QueueItem } from './plan.js';
import type { MergeOutcome } from './engine.js';

export interface Journal {
  from: string;
  to: string;
  landed: { item: QueueItem; outcome: MergeOutcome }[];
}

const journalPath = (stateDir: string) => join(stateDir, 'landing.json');
const verdictPath = (stateDir: string) => join(stateDir, 'main-verdict.json');

/** What the tests said of one main commit. */
export interface MainVerdict { commit: string; passed: boolean; tail?: string }

/**
 * Marks verdicts reached on a tree equal to the commit (ignored files cleaned too). One written
 * before that (no mark) may be a false red caused by an earlier run's leftovers: judged again.
 */
const CLEAN_TREE = 'clean-tree';

export function readMainVerdict(stateDir: string, commit: string): MainVerdict | undefined {
  try {
    const v = JSON.parse(readFileSync(verdictPath(stateDir), 'utf8')) as MainVerdict & { tested_on?: string };
    return v.commit === commit && v.tested_on === CLEAN_TREE ? { commit: v.commit, passed: v.passed, tail: v.tail } : undefined;
  } catch {
    return undefined;
  }
}

export function writeMainVerdict(stateDir: string, v: MainVerdict): void {
  mkdirSync(stateDir, { recursive: true });
  const tmp = `${verdictPath(stateDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...v, tested_on: CLEAN_TREE }));
  renameSync(tmp, verdictPath(stateDir));
}
const lockPath = (stateDir: string) => join(stateDir, 'refinery.lock');
export const testGroupPath = (stateDir: string) => join(stateDir, 'test.pgid');

export function writeJournal(stateDir: string, j: Journal): void {
  mkdirSync(stateDir, { recursive: true });
  const tmp = `${journalPath(stateDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(j));
  renameSync(tmp, journalPath(stateDir));
}

export function readJournal(stateDir: string): Journal | undefined {
  try {
    return JSON.parse(readFileSync(journalPath(stateDir), 'utf8')) as Journal;
  } catch {
    return undefined; // none, or torn before the rename (then main was not swapped either)
  }
}

export function clearJournal(stateDir: string): void {
  rmSync(journalPath(stateDir), { force: true });
}

/** A live refinery already holds this rig's lock. Supervisors catch exactly this class. */
export class RefineryBusyError extends UserError {
  constructor(readonly holder: number, readonly lockPath: string) {
    super(`the refinery for this rig is already running (pid ${holder})`, `wait for it, or stop it first; lock: ${lockPath}`);
    this.name = 'RefineryBusyError';
  }
}

/** Takes the per-rig refinery lock; throws RefineryBusyError if a live refinery holds it. Returns the release. */
export function acquireLock(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const path = lockPath(stateDir);
  const got = tryPidLock(path);
  if (!got) throw new UserError(`could not take the refinery lock ${path}`, 'another refinery is starting at the same time; retry');
  if ('holder' in got) throw new RefineryBusyError(got.holder, path);
  return got.release;
}

export { takeOverStaleLock, type LockSeen } from '../lib/pidlock.js';
