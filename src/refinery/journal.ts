// Crash bookkeeping in the refinery's state directory (`<rig>/refinery/`):
// - a lock, so one refinery runs per rig (a dead holder's lock is taken over);
// - a landing journal written just before main is swapped, so a refinery killed between the swap
//   and recording the outcomes learns on restart which MRs did land.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
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

/** Takes the per-rig refinery lock; throws UserError if a live refinery holds it. Returns the release. */
export function acquireLock(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const path = lockPath(stateDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
        } catch { /* already gone */ }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(safeRead(path).trim());
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new UserError(`the refinery for this rig is already running (pid ${holder})`, `wait for it, or stop it first; lock: ${path}`);
      }
      rmSync(path, { force: true }); // its holder died: take over
    }
  }
  throw new UserError(`could not take the refinery lock ${path}`, 'another refinery is starting at the same time; retry');
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
