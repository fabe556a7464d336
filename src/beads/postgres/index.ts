// Opens a namespace (a rig, the HQ) of a town's PostgreSQL database as a store: connects, creates
// and migrates its schema when asked, settles its prefix. open.ts loads this module lazily, so the
// SQLite path never loads `pg`.
import pg from 'pg';
import { UserError } from '../../lib/errors.js';
import { validPrefix } from '../ids.js';
import { busyTimeoutMs } from '../write-lock.js';
import { migrate, namespaceExists, quoteIdent, schemaName } from './schema.js';
import { PostgresStore } from './store.js';

export { PostgresStore } from './store.js';

export interface PostgresSpec { url: string; namespace: string; create?: boolean; prefix?: string }

/** Connections per store: a command needs one; a daemon's concurrent work a few more. */
const POOL_MAX = 8;

export async function openPostgresStore(spec: PostgresSpec): Promise<PostgresStore> {
  const where = redactUrl(spec.url);
  if (spec.prefix !== undefined && !validPrefix(spec.prefix)) {
    throw new UserError(`invalid prefix "${spec.prefix}"`, 'use letters, digits, _ or - (start with a letter, at most 16, no trailing -)');
  }
  const schema = schemaName(spec.namespace);
  if (spec.create) await createDatabaseIfMissing(spec.url);
  const pool = makePool(spec.url, schema);
  try {
    const client = await connect(pool, where);
    try {
      if (!spec.create && !(await namespaceExists(client, schema))) {
        throw new UserError(`no beads store "${spec.namespace}" in ${where}`, "create it with 'bd init' / 'gt install --store <url>' (or check the URL and namespace)");
      }
      await migrate(client, schema);
      const prefix = await settlePrefix(client, spec.prefix ?? defaultPrefix(spec.namespace));
      return new PostgresStore(pool, spec.url, schema, spec.namespace, prefix, `${where} (namespace ${spec.namespace})`);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }
}

function makePool(url: string, schema: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url, max: POOL_MAX, idleTimeoutMillis: 10_000,
    allowExitOnIdle: true, // idle connections do not keep a command's process alive
    // bigint identities (event ids, revisions) fit a JS number by far
    types: { getTypeParser: ((oid: number, format?: string) => oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser },
  });
  // Queued before any query the pool hands the connection out for.
  // A writer waits for the namespace's lock as long as SQLite's busy timeout, then fails as busy.
  // A transaction left idle for twice that (its process stopped or hung, not dead: a dead one's
  // connection closes) is ended by the server, so one stuck machine cannot hold every other
  // machine's writes for ever; no transaction of ours waits that long between statements.
  const busy = Math.max(1, Math.floor(busyTimeoutMs()));
  const settings = `SET search_path TO ${quoteIdent(schema)}; SET lock_timeout = ${busy}; SET idle_in_transaction_session_timeout = ${2 * busy}`;
  pool.on('connect', (client) => { client.query(settings).catch(() => {}); });
  pool.on('error', () => {}); // an idle connection dropped by the server: the pool replaces it
  return pool;
}

async function connect(pool: pg.Pool, where: string): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (e) {
    throw connectError(e, where);
  }
}

function connectError(e: unknown, where: string): UserError {
  const err = e as { code?: string; message?: string };
  const hint = err.code === '3D000' ? 'create the database first (createdb), or let gt install create it'
    : err.code === '28P01' || err.code === '28000' ? 'check the user and password in the store URL'
      : 'is the server running and the URL right? (gt install --store postgres://user:pass@host:5432/db)';
  return new UserError(`cannot open the PostgreSQL store at ${where}: ${err.message ?? String(e)}`, hint);
}

/** With create: a town's database that does not exist yet is created (the URL's user needs CREATEDB). */
export async function createDatabaseIfMissing(url: string): Promise<void> {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== '3D000') throw connectError(e, redactUrl(url));
  } finally {
    await probe.end().catch(() => {});
  }
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`).catch((e: { code?: string }) => {
      if (e.code !== '42P04') throw e; // created meanwhile by another process
    });
  } catch (e) {
    throw connectError(e, redactUrl(url));
  } finally {
    await admin.end().catch(() => {});
  }
}

/** The stored prefix, or (the first opener wins) the given one, stored. */
async function settlePrefix(client: pg.PoolClient, wanted: string): Promise<string> {
  // One round trip: the stored row, or the one this statement inserted (the SELECT sees the table as before it).
  const r = await client.query<{ value: string }>(`WITH ins AS (INSERT INTO meta (key, value) VALUES ('prefix', $1) ON CONFLICT (key) DO NOTHING RETURNING value)
    SELECT value FROM ins UNION ALL SELECT value FROM meta WHERE key = 'prefix'`, [wanted]);
  return r.rows[0]!.value;
}

/** A namespace's default prefix, as Beads names one after its directory. */
function defaultPrefix(namespace: string): string {
  const name = namespace.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  return name.slice(0, 16) || 'bd';
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured PostgreSQL URL';
  }
}
