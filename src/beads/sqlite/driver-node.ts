// better-sqlite3 behind the driver seam (driver.ts). Its statements already have the seam's shape,
// so they are returned as they are: no wrapper on Node's hot path.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { OpenOptions, SqlConnection, SqlStatement } from './driver.js';

let Database: typeof BetterSqlite3 | undefined;

export function openBetterSqlite(path: string, timeoutMs: number, opts: OpenOptions = {}): SqlConnection {
  // Required on first use, not imported: the module graph is shared with the Bun path.
  Database ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(path, { timeout: timeoutMs, readonly: !!opts.readonly, fileMustExist: !!opts.readonly });
  return {
    prepare: (sql) => db.prepare(sql) as unknown as SqlStatement,
    exec: (sql) => { db.exec(sql); },
    pragma: (text) => db.pragma(text, { simple: true }),
    get inTransaction() { return db.inTransaction; },
    get open() { return db.open; },
    close: () => db.close(),
  };
}
