// opencode's usage, from its SQLite database: $XDG_DATA_HOME/opencode/opencode.db (seen with
// opencode-ai 1.18.33 against the stub model). Table `session` has the directory it ran in and
// time_created (ms); table `message` has one row per message whose JSON `data` for an assistant turn
// carries tokens {input, output, reasoning, cache {read, write}}, cost (USD, opencode's own pricing)
// and modelID. opencode picks its own session ids, so a session is found by its directory and time.
import { existsSync } from 'node:fs';
import { openConnection, type SqlConnection } from '../beads/sqlite/driver.js';
import { addUsage, EMPTY_USAGE, usageOf, type Usage } from './usage.js';

interface OpencodeMessage { role?: string; modelID?: string; cost?: number; tokens?: { input?: number; output?: number; reasoning?: number; cache?: { read?: number; write?: number } } }

/** The usage of assistant messages (their `data` JSON). Bad rows are skipped. Pure. */
export function summarizeOpencodeMessages(rows: Iterable<string>): Usage | undefined {
  let sum: Usage | undefined;
  for (const data of rows) {
    let m: OpencodeMessage;
    try { m = JSON.parse(data); } catch { continue; }
    if (m.role !== 'assistant' || !m.tokens) continue;
    const t = m.tokens;
    sum = addUsage(sum ?? EMPTY_USAGE, usageOf(m.modelID ?? 'unknown', {
      input: t.input ?? 0, output: (t.output ?? 0) + (t.reasoning ?? 0), cacheRead: t.cache?.read ?? 0, cacheWrite: t.cache?.write ?? 0,
      costUsd: typeof m.cost === 'number' ? m.cost : undefined,
    }));
  }
  return sum;
}

const SLACK_MS = 5_000;

/** Usage of the opencode sessions that started in `cwd` from `fromMs` until `toMs` (open-ended when undefined). */
export function opencodeUsage(dbPath: string, cwd: string, fromMs: number, toMs?: number): Usage | undefined {
  if (!existsSync(dbPath)) return undefined;
  let db: SqlConnection | undefined;
  try {
    // Read-only beside a running opencode (WAL): never blocks it, never writes its file.
    db = openConnection(dbPath, 2000, { readonly: true }); // bun:sqlite when gt runs on Bun
    const rows = db.prepare(`SELECT m.data AS data FROM message m JOIN session s ON s.id = m.session_id
      WHERE s.directory = ? AND s.time_created >= ? AND s.time_created <= ? ORDER BY m.time_created`)
      .all(cwd, fromMs - SLACK_MS, toMs ?? Number.MAX_SAFE_INTEGER) as { data: string }[];
    return summarizeOpencodeMessages(rows.map((r) => r.data));
  } catch {
    return undefined; // a schema we do not know, or a database being created: no usage to show
  } finally {
    db?.close();
  }
}
