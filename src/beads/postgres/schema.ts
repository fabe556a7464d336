// The PostgreSQL schema: one SQL schema per namespace (a rig, the HQ) in the town's database, made
// by an append-only list of migrations; `schema_version` holds how many were applied. Text columns
// that are sorted or compared use the "C" collation, so ids, labels and timestamps order byte by
// byte as in SQLite and the JSONL export is the same on both backends.
//
// Why a schema per namespace rather than a namespace column: the queries and indexes stay those of
// the one-rig SQLite database (no column in every key and every WHERE), ids, comment numbers and
// child counters are per namespace by construction, each namespace has its own writer lock and
// NOTIFY channel, and a rig's data goes with one DROP SCHEMA. Town-wide state (machines, refinery
// leases) gets its own schema beside them.
import type pg from 'pg';
import { UserError } from '../../lib/errors.js';

const C = 'COLLATE "C"';

const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key text ${C} PRIMARY KEY, value text NOT NULL);
   CREATE TABLE issues (
     id text ${C} PRIMARY KEY,
     title text NOT NULL,
     description text, design text, acceptance_criteria text, notes text,
     status text ${C} NOT NULL,
     priority integer NOT NULL,
     issue_type text ${C} NOT NULL,
     assignee text ${C}, owner text,
     created_at text ${C} NOT NULL, created_by text, updated_at text ${C} NOT NULL,
     closed_at text, close_reason text, external_ref text,
     ephemeral boolean NOT NULL DEFAULT false,
     -- created here as ephemeral: never exported (imported records flagged ephemeral keep round-tripping)
     wisp boolean NOT NULL DEFAULT false,
     -- every other top-level key, as the exact JSON text (key order is part of the export);
     -- fields_j is its queryable twin
     fields text,
     fields_j jsonb GENERATED ALWAYS AS (fields::jsonb) STORED,
     blocked boolean NOT NULL DEFAULT false, -- materialized, maintained in each write transaction
     rev bigint NOT NULL DEFAULT 0           -- bumped by every change of the row's own values: compare-and-set checks it
   );
   CREATE INDEX issues_ready ON issues (status, blocked, priority, created_at);
   CREATE INDEX issues_assignee ON issues (assignee) WHERE assignee IS NOT NULL;
   CREATE INDEX issues_type ON issues (issue_type);
   CREATE INDEX issues_fields ON issues USING gin (fields_j jsonb_path_ops);
   CREATE TABLE dependencies (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     issue_id text ${C} NOT NULL, depends_on_id text ${C} NOT NULL, type text ${C} NOT NULL,
     created_at text NOT NULL, created_by text,
     UNIQUE (issue_id, depends_on_id, type)
   );
   CREATE INDEX deps_target ON dependencies (depends_on_id, type);
   CREATE TABLE labels (issue_id text ${C} NOT NULL, label text ${C} NOT NULL, PRIMARY KEY (issue_id, label));
   CREATE INDEX labels_label ON labels (label);
   CREATE TABLE comments (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id integer NOT NULL, issue_id text ${C} NOT NULL,
     author text NOT NULL, text text NOT NULL, created_at text NOT NULL
   );
   CREATE INDEX comments_issue ON comments (issue_id);
   CREATE TABLE events (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, issue_id text ${C} NOT NULL, event_type text NOT NULL,
     actor text NOT NULL, old_value text, new_value text, comment text, created_at text NOT NULL
   );
   CREATE INDEX events_issue ON events (issue_id);
   CREATE TABLE child_counters (parent_id text ${C} PRIMARY KEY, last integer NOT NULL);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Advisory lock classes (the first key of pg_advisory_xact_lock(int, int)); the second key is
 * hashtext(schema). WRITER serializes a namespace's writers as SQLite's write lock does; MIGRATE
 * guards schema creation. REFINERY is a rig's refinery lease (session-level, src/refinery/lease.ts).
 */
export const LOCK_CLASS = { writer: 0x62640001, migrate: 0x62640002, refinery: 0x62640003 } as const;

/** The SQL schema of a namespace: `beads_<namespace>`. */
export function schemaName(namespace: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/.test(namespace)) {
    throw new UserError(`invalid store namespace "${namespace}"`, 'a namespace is a rig name or hq: letters, digits, _ or - (at most 48)');
  }
  return `beads_${namespace}`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal for SQL sent without parameters (multi-statement round trips); our own names only. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Does the namespace's schema exist with our tables? */
export async function namespaceExists(client: pg.ClientBase, schema: string): Promise<boolean> {
  const r = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`${quoteIdent(schema)}.schema_version`]);
  return r.rows[0]?.t != null;
}

/**
 * Creates the schema if needed and applies pending migrations, in one transaction under the
 * migrate lock (several processes may open a new namespace at once). DDL is transactional in
 * PostgreSQL: a failed migration leaves nothing half-done.
 */
export async function migrate(client: pg.ClientBase, schema: string): Promise<void> {
  const q = quoteIdent(schema);
  const current = async () => {
    if (!(await namespaceExists(client, schema))) return 0;
    const r = await client.query<{ version: number }>(`SELECT version FROM ${q}.schema_version`);
    return r.rows[0]?.version ?? 0;
  };
  if ((await current()) === SCHEMA_VERSION) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS.migrate, schema]);
    const v = await current();
    if (v > SCHEMA_VERSION) {
      throw new UserError(`the store ${schema} was written by a newer bd (schema v${v}, this bd knows v${SCHEMA_VERSION})`, 'upgrade bd');
    }
    if (v < SCHEMA_VERSION) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
      await client.query(`SET LOCAL search_path TO ${q}`);
      if (v === 0) await client.query(`CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (0)`);
      for (let i = v; i < SCHEMA_VERSION; i++) await client.query(MIGRATIONS[i]!);
      await client.query(`UPDATE schema_version SET version = $1`, [SCHEMA_VERSION]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
