// bun:sqlite behind the driver seam (driver.ts), with better-sqlite3's semantics where they differ:
// the busy timeout is a pragma rather than an option, `get` answers null rather than undefined for
// no row, a pragma's value is the first column of its first row, and `open` is tracked here.
// Both raise SQLITE_BUSY as an error whose `code` is 'SQLITE_BUSY' (write-lock.ts reads it).
// Parameters are positional `?` only (engine.ts), bound the same way by both; integers come back
// as numbers (no safeIntegers on either side).
import type { OpenOptions, SqlConnection, SqlStatement } from './driver.js';

/** The part of bun:sqlite used here (no @types/bun in this project). */
interface BunStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
  values(...params: unknown[]): unknown[][];
}
interface BunDatabase {
  prepare(sql: string): BunStatement;
  exec(sql: string): void;
  readonly inTransaction: boolean;
  close(): void;
}
type BunDatabaseClass = new (path: string, opts: { create: boolean; readwrite: boolean; readonly: boolean }) => BunDatabase;

let Database: BunDatabaseClass | undefined;

function wrap(st: BunStatement): SqlStatement {
  return {
    get: (...p) => st.get(...p) ?? undefined,
    all: (...p) => st.all(...p),
    run: (...p) => st.run(...p),
  };
}

export function openBunSqlite(path: string, timeoutMs: number, opts: OpenOptions = {}): SqlConnection {
  // Bun's own require (createRequire costs ~20 ms on its first use under Bun).
  Database ??= ((import.meta as unknown as { require: (id: string) => unknown }).require('bun:sqlite') as { Database: BunDatabaseClass }).Database;
  const ro = !!opts.readonly;
  const db = new Database(path, { create: !ro, readwrite: !ro, readonly: ro });
  let open = true;
  try {
    // Set before anything else touches the file, as better-sqlite3's `timeout` option is.
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
  } catch (e) {
    db.close();
    throw e;
  }
  return {
    prepare: (sql) => wrap(db.prepare(sql)),
    exec: (sql) => { db.exec(sql); },
    pragma: (text) => db.prepare(`PRAGMA ${text}`).values()[0]?.[0],
    get inTransaction() { return db.inTransaction; },
    get open() { return open; },
    close: () => { if (open) { open = false; db.close(); } },
  };
}
