// The SQLite schema as an append-only list of migrations; meta.schema_version counts the applied ones.
import { UserError } from '../../lib/errors.js';
import type { SqlConnection } from './driver.js';

const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
   CREATE TABLE issues (
     id TEXT PRIMARY KEY,
     title TEXT NOT NULL,
     description TEXT, design TEXT, acceptance_criteria TEXT, notes TEXT,
     status TEXT NOT NULL,
     priority INTEGER NOT NULL,
     issue_type TEXT NOT NULL,
     assignee TEXT, owner TEXT,
     created_at TEXT NOT NULL, created_by TEXT, updated_at TEXT NOT NULL,
     closed_at TEXT, close_reason TEXT, external_ref TEXT,
     ephemeral INTEGER NOT NULL DEFAULT 0,
     -- created here as ephemeral: lives only in this database, never exported (imported
     -- records flagged ephemeral are already in git and keep round-tripping)
     wisp INTEGER NOT NULL DEFAULT 0,
     fields TEXT,            -- JSON object of every other top-level key, NULL when none
     blocked INTEGER NOT NULL DEFAULT 0  -- materialized, maintained in each write transaction
   );
   CREATE INDEX issues_ready ON issues(status, blocked, priority, created_at);
   CREATE INDEX issues_assignee ON issues(assignee) WHERE assignee IS NOT NULL;
   CREATE INDEX issues_type ON issues(issue_type);
   CREATE TABLE dependencies (
     seq INTEGER PRIMARY KEY,
     issue_id TEXT NOT NULL, depends_on_id TEXT NOT NULL, type TEXT NOT NULL,
     created_at TEXT NOT NULL, created_by TEXT,
     UNIQUE (issue_id, depends_on_id, type)
   );
   CREATE INDEX deps_target ON dependencies(depends_on_id, type);
   CREATE TABLE labels (issue_id TEXT NOT NULL, label TEXT NOT NULL, PRIMARY KEY (issue_id, label)) WITHOUT ROWID;
   CREATE INDEX labels_label ON labels(label);
   CREATE TABLE comments (
     seq INTEGER PRIMARY KEY, id INTEGER NOT NULL, issue_id TEXT NOT NULL,
     author TEXT NOT NULL, text TEXT NOT NULL, created_at TEXT NOT NULL
   );
   CREATE INDEX comments_issue ON comments(issue_id);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY, issue_id TEXT NOT NULL, event_type TEXT NOT NULL, actor TEXT NOT NULL,
     old_value TEXT, new_value TEXT, comment TEXT, created_at TEXT NOT NULL
   );
   CREATE INDEX events_issue ON events(issue_id);
   CREATE TABLE child_counters (parent_id TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;`,
  // Issues committed but not yet written to the JSONL (the export runs once per command, after
  // commit). Persistent, so a process killed in between leaves them for the next one to export.
  `CREATE TABLE dirty (id TEXT PRIMARY KEY) WITHOUT ROWID;`,
  // The digest of the line as last written to (or read canonical from) the JSONL, so an
  // import after a pull parses and upserts only the lines that changed.
  `ALTER TABLE issues ADD COLUMN line_hash TEXT;`,
  // Top-level scalar fields (Gas Town's agent, merge-request and message keys) as rows, so
  // list({fields}) is an index search, not json_extract over every issue. Kept by triggers.
  `CREATE TABLE issue_fields (issue_id TEXT NOT NULL, key TEXT NOT NULL, value);
   CREATE INDEX issue_fields_kv ON issue_fields(key, value);
   CREATE INDEX issue_fields_issue ON issue_fields(issue_id);
   CREATE TRIGGER issue_fields_ins AFTER INSERT ON issues WHEN new.fields IS NOT NULL BEGIN
     INSERT INTO issue_fields (issue_id, key, value)
       SELECT new.id, key, atom FROM json_each(new.fields) WHERE type NOT IN ('object', 'array', 'null');
   END;
   CREATE TRIGGER issue_fields_upd AFTER UPDATE OF fields ON issues BEGIN
     DELETE FROM issue_fields WHERE issue_id = old.id;
     INSERT INTO issue_fields (issue_id, key, value)
       SELECT new.id, key, atom FROM json_each(coalesce(new.fields, '{}')) WHERE type NOT IN ('object', 'array', 'null');
   END;
   CREATE TRIGGER issue_fields_del AFTER DELETE ON issues BEGIN
     DELETE FROM issue_fields WHERE issue_id = old.id;
   END;
   INSERT INTO issue_fields (issue_id, key, value)
     SELECT i.id, j.key, j.atom FROM issues i, json_each(i.fields) j
     WHERE i.fields IS NOT NULL AND j.type NOT IN ('object', 'array', 'null');`,
  // The write (meta dirty_gen) that last dirtied each id: a flusher that exported a snapshot
  // clears only the ids no later write dirtied again (mirror.ts, exportOffLock).
  `ALTER TABLE dirty ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies pending migrations in one IMMEDIATE transaction (safe when several processes open a new db). */
export function migrate(db: SqlConnection): void {
  const current = () => {
    const has = db.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'`).get();
    if (!has) return 0;
    const row = db.prepare(`SELECT value FROM meta WHERE key='schema_version'`).get() as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  };
  if (current() === SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    const v = current();
    if (v > SCHEMA_VERSION) {
      throw new UserError(`this database was written by a newer bd (schema v${v}, this bd knows v${SCHEMA_VERSION})`, 'upgrade bd');
    }
    for (let i = v; i < SCHEMA_VERSION; i++) db.exec(MIGRATIONS[i]!);
    db.prepare(`INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
