// A lock file holding its owner's pid, for "one of these per town/rig" processes (the refinery,
// the deacon). A lock whose holder died is taken over; the holder's pid is in the file from the
// moment it exists, so a concurrent starter never mistakes a fresh lock for a dead one.
import { randomHex } from './hash.js';
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAlive } from './proc.js';

/**
 * Takes the lock at `path`, or returns the pid of the live process holding it. A dead holder's
 * lock is taken over atomically (see takeOverStaleLock). On success returns the release function.
 */
export function tryPidLock(path: string): { release: () => void } | { holder: number } | undefined {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createLock(path)) {
      return {
        release: () => {
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
          } catch { /* already gone */ }
        },
      };
    }
    const seen = readLock(path);
    if (!seen) continue; // released (or taken over) between our attempt and read: try again
    if (seen.holder > 0 && seen.holder !== process.pid && isAlive(seen.holder)) return { holder: seen.holder };
    // Its holder died (or is this process, from a run that never released): take over.
    takeOverStaleLock(path, seen);
  }
  return undefined; // others kept starting at the same moment
}

/** The live holder of the lock at `path`, if any. */
export function lockHolder(path: string): number | undefined {
  const seen = readLock(path);
  return seen && seen.holder > 0 && isAlive(seen.holder) ? seen.holder : undefined;
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
  const aside = `${path}.stale-${process.pid}-${randomHex(4)}`;
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
  const tmp = `${path}.new-${process.pid}-${randomHex(4)}`;
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
