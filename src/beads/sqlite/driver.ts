// The seam between the SQLite store and its driver: the few calls the store makes, so another
// driver (bun:sqlite, for the CLI's start-up) can stand in for better-sqlite3 without touching
// the store. Statements are the driver's own objects: no wrapper on the hot path.
import Database from 'better-sqlite3';

export interface SqlStatement {
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

/** Opens the database file with better-sqlite3, waiting up to timeoutMs for another writer's lock. */
export function openConnection(path: string, timeoutMs: number): SqlConnection {
  const db = new Database(path, { timeout: timeoutMs });
  return {
    prepare: (sql) => db.prepare(sql) as unknown as SqlStatement,
    exec: (sql) => { db.exec(sql); },
    pragma: (text) => db.pragma(text, { simple: true }),
    get inTransaction() { return db.inTransaction; },
    get open() { return db.open; },
    close: () => db.close(),
  };
}
