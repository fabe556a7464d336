// Who holds the database's write lock: SQLite knows only that it is locked, so the holder notes
// itself (command line, pid, start) in a small file beside the database while its write
// transaction is open. Only the lock's holder writes or removes it (right after BEGIN IMMEDIATE,
// right before COMMIT/ROLLBACK), so holders never race on it; one that died leaves a note whose
// pid is gone, and the next holder overwrites it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../lib/errors.js';
import { isAlive } from '../lib/proc.js';

/** Beside beads.db and matched by its `beads.db-*` gitignore line. */
export const HOLDER_FILE = 'beads.db-writer';

export interface LockHolder { pid: number; since: number; command: string }

/** How long a write waits for the lock before failing as busy (BD_BUSY_TIMEOUT_MS overrides). */
export function busyTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.BD_BUSY_TIMEOUT_MS;
  return v && /^\d+$/.test(v) ? Number(v) : 60_000;
}

/** This process's command line as a person would type it (`bd create x`), on one short line. */
export function commandLine(argv: string[] = process.argv): string {
  const name = argv[1] ? basename(argv[1]).replace(/\.[cm]?js$/, '') : basename(argv[0] ?? 'node');
  const line = [name, ...argv.slice(2)].join(' ').replace(/\s+/g, ' ');
  return line.length > 100 ? line.slice(0, 99) + '…' : line;
}

export function noteHolder(path: string): void {
  try {
    writeFileSync(path, JSON.stringify({ pid: process.pid, since: Date.now(), command: commandLine() } satisfies LockHolder));
  } catch { /* only a courtesy for the busy message: never fail a write for it */ }
}

export function clearHolder(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch { /* a stale note names a dead pid or is overwritten by the next holder */ }
}

/** The live holder noted at path, if any. */
export function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && isAlive(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

/** The one-line error for a write that waited out its timeout, naming the holder when known. */
export function busyError(holder: LockHolder | undefined, dbPath: string, waitedMs: number, now = Date.now()): UserError {
  const who = holder ? `${holder.command} by pid ${holder.pid} since ${Math.max(0, Math.round((now - holder.since) / 1000))} s`
    : 'another process holds the write lock';
  return new UserError(`busy: ${who}; try again`, `waited ${waitedMs} ms for ${dbPath}; BD_BUSY_TIMEOUT_MS sets how long`);
}
