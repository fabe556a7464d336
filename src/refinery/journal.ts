// Crash bookkeeping in the refinery's state directory (`<rig>/refinery/`):
// - a lock, so one refinery runs per rig (a dead holder's lock is taken over);
// - a landing journal written just before main is swapped, so a refinery killed between the swap
//   and recording the outcomes learns on restart which MRs did land;
// - the verdict on main: whether main's current tip passed the tests (so an MR is blamed for red
//   only when main itself is green).
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { isAlive } from '../lib/proc.js';
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

export function readMainVerdict(stateDir: string, commit: string): MainVerdict | undefined {
  try {
    const v = JSON.parse(readFileSync(verdictPath(stateDir), 'utf8')) as MainVerdict;
    return v.commit === commit ? v : undefined;
  } catch {
    return undefined;
  }
}

export function writeMainVerdict(stateDir: string, v: MainVerdict): void {
  mkdirSync(stateDir, { recursive: true });
  const tmp = `${verdictPath(stateDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(v));
  renameSync(tmp, verdictPath(stateDir));
}
const lockPath = (stateDir: string) => join(stateDir, 'refinery.lock');

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

/**
 * Takes the per-rig refinery lock; throws RefineryBusyError if a live refinery holds it.
 * A dead holder's lock is taken over atomically (see takeOverStaleLock). Returns the release.
 */
export function acquireLock(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const path = lockPath(stateDir);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createLock(path)) {
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
        } catch { /* already gone */ }
      };
    }
    const seen = readLock(path);
    if (!seen) continue; // released (or taken over) between our attempt and read: try again
    if (seen.holder > 0 && seen.holder !== process.pid && isAlive(seen.holder)) throw new RefineryBusyError(seen.holder, path);
    // Its holder died (or is this process, from a drain that never released): take over.
    takeOverStaleLock(path, seen);
  }
  throw new UserError(`could not take the refinery lock ${path}`, 'another refinery is starting at the same time; retry');
}

export interface LockSeen {
  holder: number;
  ino: number;
}

/**
 * Removes the lock at `path` only if it is still the file judged stale (same inode and holder:
 * a fresh lock may reuse the freed inode, never the dead pid). Two starters may both judge the
 * same dead lock stale; the second must not delete the fresh lock the first just created. So:
 * rename whatever is there to a private name (atomic), check it, and put it back if it is not it.
 */
export function takeOverStaleLock(path: string, stale: LockSeen): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else took it over first
    throw e;
  }
  const moved = readLock(aside);
  if (!moved || moved.ino !== stale.ino || moved.holder !== stale.holder) {
    // We moved a newer lock: restore it (link fails if yet another one appeared meanwhile).
    try {
      linkSync(aside, path);
    } catch { /* a third starter created one; it holds the lock now */ }
  }
  rmSync(aside, { force: true });
}

/**
 * Creates the lock holding our pid, or returns false if one exists. The pid is written to a
 * private file first and hard-linked into place, so a lock never exists empty (an empty lock
 * would look like a dead holder's to a concurrent starter).
 */
function createLock(path: string): boolean {
  const tmp = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, `${process.pid}\n`);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readLock(path: string): LockSeen | undefined {
  try {
    const ino = statSync(path).ino;
    const holder = Number(readFileSync(path, 'utf8').trim()) || 0;
    // The file may have been replaced between stat and read; a changed inode means re-read.
    return statSync(path).ino === ino ? { holder, ino } : undefined;
  } catch {
    return undefined;
  }
}
