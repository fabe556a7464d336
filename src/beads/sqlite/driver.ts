// The seam between the SQLite store and its driver: the few calls the store makes. Under Node the
// driver is better-sqlite3; under Bun (the CLI's fast path) it is bun:sqlite, which opens the same
// file with the same SQLite semantics. Each driver module loads its library only when a
// connection is opened, so neither runtime ever loads the other's (better-sqlite3 does not load
// under Bun at all).
import { openBetterSqlite } from './driver-node.js';
import { openBunSqlite } from './driver-bun.js';

export interface SqlStatement {
  /** The first row, or undefined when there is none (both drivers). */
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

export interface SqlConnection {
  prepare(sql: string): SqlStatement;
  /** Runs SQL text with no parameters and no result (DDL, BEGIN/COMMIT, SAVEPOINT). */
  exec(sql: string): void;
  /** A pragma's single value (`journal_mode = WAL`, `data_version`, `integrity_check`). */
  pragma(text: string): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
  close(): void;
}

/** Which driver this process uses: bun:sqlite under Bun, better-sqlite3 under Node. */
export function driverName(): 'bun:sqlite' | 'better-sqlite3' {
  return process.versions.bun ? 'bun:sqlite' : 'better-sqlite3';
}

export interface OpenOptions {
  /** Read another program's database: never create or write it (the file must exist). */
  readonly?: boolean;
}

/**
 * Opens the database file (creating it if missing, unless readonly), waiting up to timeoutMs for
 * another writer's lock; a wait that runs out throws an error whose `code` is 'SQLITE_BUSY' on both.
 */
export function openConnection(path: string, timeoutMs: number, opts: OpenOptions = {}): SqlConnection {
  return process.versions.bun ? openBunSqlite(path, timeoutMs, opts) : openBetterSqlite(path, timeoutMs, opts);
}
