// The town-wide record of a town shared across machines, in its PostgreSQL database beside the
// namespaces (schema gt_town): which town the database holds (so another machine can join it),
// its rigs (so a joining machine can attach them), each machine's deacon heartbeat, and which
// machine holds each rig's refinery lease. Times are the server's (now()), so machines' clocks
// need not agree. Loaded only for PostgreSQL towns: `pg` stays off the SQLite path.
import pg from 'pg';
import { UserError } from '../lib/errors.js';
import { LOCK_CLASS } from '../beads/postgres/schema.js';
import { redactUrl } from '../beads/postgres/index.js';

const SCHEMA = 'gt_town';

const DDL = `CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
  CREATE TABLE IF NOT EXISTS ${SCHEMA}.town (
    one boolean PRIMARY KEY DEFAULT true CHECK (one), name text NOT NULL, id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE IF NOT EXISTS ${SCHEMA}.rigs (
    name text PRIMARY KEY, prefix text NOT NULL, source text NOT NULL, branch text NOT NULL,
    push boolean NOT NULL, test_cmd text, added_by text, added_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE IF NOT EXISTS ${SCHEMA}.machines (
    name text PRIMARY KEY, host text NOT NULL, root text NOT NULL, pid integer,
    started_at timestamptz, heartbeat_at timestamptz NOT NULL, stopped_at timestamptz,
    patrols integer NOT NULL DEFAULT 0, max_polecats integer, last_error text);
  CREATE TABLE IF NOT EXISTS ${SCHEMA}.leases (
    rig text PRIMARY KEY, machine text NOT NULL, pid integer, since timestamptz NOT NULL);
  ALTER TABLE ${SCHEMA}.machines ADD COLUMN IF NOT EXISTS beads_sync boolean NOT NULL DEFAULT false;
  ALTER TABLE ${SCHEMA}.rigs ADD COLUMN IF NOT EXISTS removed_at timestamptz;
  ALTER TABLE ${SCHEMA}.rigs ADD COLUMN IF NOT EXISTS removed_by text;
  CREATE TABLE IF NOT EXISTS ${SCHEMA}.adoptions (
    machine text NOT NULL, agent text NOT NULL, bead text NOT NULL, branch text,
    adopted_by text NOT NULL, claimed_at timestamptz NOT NULL DEFAULT now(), done_at timestamptz, reopened boolean,
    retired_at timestamptz, retire_note text,
    PRIMARY KEY (machine, agent, bead));`;

/** A claimed adoption not finished this long after (its adopter died mid-way) may be claimed again. */
const ADOPTION_RETAKE_SEC = 120;

/** A deacon beats every few seconds; a machine silent this long is taken for dead. */
export const MACHINE_STALE_MS = 30_000;

/** Pure: a machine is alive while its deacon has not said it stopped and beat within MACHINE_STALE_MS. */
export function machineAlive(stopped: boolean, heartbeatAgeMs: number, staleMs = MACHINE_STALE_MS): boolean {
  return !stopped && heartbeatAgeMs < staleMs;
}

export interface SharedTown { name: string; id: string }
export interface SharedRig { name: string; prefix: string; source: string; branch: string; push: boolean; test_cmd?: string }
export interface MachineBeat { name: string; host: string; root: string; pid: number; startedAt: string; patrols: number; maxPolecats: number; lastError?: string; beadsSync?: boolean }
/** One polecat's bead taken over from a dead machine (town/adopt.ts). */
export interface Adoption {
  machine: string; agent: string; bead: string; branch?: string; adopted_by: string;
  claimed_at: string; done_at?: string; reopened?: boolean; retired_at?: string; retire_note?: string;
}

export interface MachineRow {
  name: string; host: string; root: string; pid?: number;
  started_at?: string; heartbeat_at: string; stopped_at?: string;
  /** Milliseconds since its last heartbeat, by the server's clock. */
  heartbeat_age_ms: number;
  alive: boolean;
  patrols: number; max_polecats?: number; last_error?: string;
  /** Rigs whose refinery lease this machine holds (as last recorded). */
  leases: string[];
  /** It holds the town's beads-sync lease (as of its last beat): it commits the town's beads to git. */
  beads_sync: boolean;
  /** Its polecats' beads that live machines adopted after it died (latest first, at most 20). */
  adopted: Adoption[];
}

export class TownRegistry {
  private constructor(private pool: pg.Pool, readonly where: string) {}

  /** Connects and makes the town-wide tables if missing (idempotent, safe when raced). */
  static async open(url: string): Promise<TownRegistry> {
    const where = redactUrl(url);
    const pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    pool.on('error', () => {}); // a dropped idle connection is replaced
    const reg = new TownRegistry(pool, where);
    try {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS.migrate, SCHEMA]);
        await c.query(DDL);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    } catch (e) {
      await pool.end().catch(() => {});
      throw new UserError(`cannot reach the town's PostgreSQL database at ${where}: ${(e as Error).message}`, 'is the server running, and the URL (and PGPASSWORD or ~/.pgpass) right?');
    }
    return reg;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }

  /** The town this database holds, if any machine installed one in it. */
  async town(): Promise<SharedTown | undefined> {
    const r = await this.pool.query<SharedTown>(`SELECT name, id FROM ${SCHEMA}.town`);
    return r.rows[0];
  }

  /** Records the town (the first installer wins); returns the one recorded. */
  async claimTown(t: SharedTown): Promise<SharedTown> {
    await this.pool.query(`INSERT INTO ${SCHEMA}.town (name, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [t.name, t.id]);
    return (await this.town())!;
  }

  async rigs(): Promise<SharedRig[]> {
    const r = await this.pool.query<SharedRig & { test_cmd: string | null }>(`SELECT name, prefix, source, branch, push, test_cmd FROM ${SCHEMA}.rigs WHERE removed_at IS NULL ORDER BY name`);
    return r.rows.map((x) => ({ ...x, test_cmd: x.test_cmd ?? undefined }));
  }

  async rig(name: string): Promise<SharedRig | undefined> {
    return (await this.rigs()).find((r) => r.name === name);
  }

  /** Records a rig (the first machine to add it wins; a removed one is added afresh); returns the one recorded. */
  async addRig(r: SharedRig, by: string): Promise<SharedRig> {
    await this.pool.query(`INSERT INTO ${SCHEMA}.rigs AS x (name, prefix, source, branch, push, test_cmd, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (name) DO UPDATE SET prefix = $2, source = $3, branch = $4, push = $5, test_cmd = $6, added_by = $7, added_at = now(), removed_at = NULL, removed_by = NULL
      WHERE x.removed_at IS NOT NULL`,
      [r.name, r.prefix, r.source, r.branch, r.push, r.test_cmd ?? null, by]);
    return (await this.rig(r.name))!;
  }

  /**
   * `gt rig remove` in a shared town: the rig is kept as removed (not deleted), so every other
   * machine's deacon learns to detach its own copy (town/adopt.ts), and a joining machine skips it.
   */
  async removeRig(name: string, by: string): Promise<void> {
    await this.pool.query(`UPDATE ${SCHEMA}.rigs SET removed_at = now(), removed_by = $2 WHERE name = $1 AND removed_at IS NULL`, [name, by]);
  }

  /** Rigs some machine removed (and nobody added again). */
  async removedRigs(): Promise<{ name: string; removed_at: string }[]> {
    const r = await this.pool.query<{ name: string; removed_at: Date }>(`SELECT name, removed_at FROM ${SCHEMA}.rigs WHERE removed_at IS NOT NULL ORDER BY name`);
    return r.rows.map((x) => ({ name: x.name, removed_at: x.removed_at.toISOString() }));
  }

  /**
   * The compare-and-swap that makes an adoption happen once: true for exactly one caller per
   * (dead machine, agent, bead), and only while that machine is still silent for afterSec (checked
   * in the same statement, so a machine that beats again is not adopted from). A claim whose
   * adopter never finished (it died mid-way) may be taken again after a while; one the machine
   * retired when it came back is over, so the same polecat holding the same bead again (it died
   * twice) is a new adoption.
   */
  async claimAdoption(a: { machine: string; agent: string; bead: string; branch?: string }, by: string, afterSec: number): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO ${SCHEMA}.adoptions AS x (machine, agent, bead, branch, adopted_by)
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM ${SCHEMA}.machines m
           WHERE m.name = $1 AND m.stopped_at IS NULL AND m.heartbeat_at < now() - make_interval(secs => $6))
       ON CONFLICT (machine, agent, bead) DO UPDATE SET adopted_by = $5, claimed_at = now(), done_at = NULL, reopened = NULL, retired_at = NULL, retire_note = NULL
         WHERE (x.done_at IS NULL AND x.claimed_at < now() - make_interval(secs => $7)) OR x.retired_at IS NOT NULL
       RETURNING adopted_by`,
      [a.machine, a.agent, a.bead, a.branch ?? null, by, afterSec, ADOPTION_RETAKE_SEC]);
    return r.rowCount === 1;
  }

  async finishAdoption(a: { machine: string; agent: string; bead: string }, reopened: boolean): Promise<void> {
    await this.pool.query(`UPDATE ${SCHEMA}.adoptions SET done_at = now(), reopened = $4 WHERE machine = $1 AND agent = $2 AND bead = $3`, [a.machine, a.agent, a.bead, reopened]);
  }

  /** Finished adoptions from this machine whose leftovers here (session, worktree) are not yet retired. */
  async toRetire(machine: string): Promise<Adoption[]> {
    return (await this.adoptions(`machine = $1 AND done_at IS NOT NULL AND retired_at IS NULL`, [machine]));
  }

  async retired(a: { machine: string; agent: string; bead: string }, note: string): Promise<void> {
    await this.pool.query(`UPDATE ${SCHEMA}.adoptions SET retired_at = now(), retire_note = $4 WHERE machine = $1 AND agent = $2 AND bead = $3`, [a.machine, a.agent, a.bead, note]);
  }

  private async adoptions(where: string, params: unknown[]): Promise<Adoption[]> {
    const r = await this.pool.query<Record<string, unknown>>(`SELECT * FROM ${SCHEMA}.adoptions WHERE ${where} ORDER BY claimed_at DESC`, params);
    const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : undefined);
    return r.rows.map((x) => ({
      machine: x.machine as string, agent: x.agent as string, bead: x.bead as string, branch: (x.branch as string | null) ?? undefined,
      adopted_by: x.adopted_by as string, claimed_at: iso(x.claimed_at)!, done_at: iso(x.done_at), reopened: (x.reopened as boolean | null) ?? undefined,
      retired_at: iso(x.retired_at), retire_note: (x.retire_note as string | null) ?? undefined,
    }));
  }

  /** A deacon's heartbeat. Refuses a name a live deacon elsewhere (another host or town directory) beats under. */
  async beat(b: MachineBeat): Promise<void> {
    const r = await this.pool.query<{ name: string }>(
      `INSERT INTO ${SCHEMA}.machines AS m (name, host, root, pid, started_at, heartbeat_at, stopped_at, patrols, max_polecats, last_error, beads_sync)
         VALUES ($1, $2, $3, $4, $5, now(), NULL, $6, $7, $8, $10)
       ON CONFLICT (name) DO UPDATE SET host = $2, root = $3, pid = $4, started_at = $5, heartbeat_at = now(), stopped_at = NULL,
         patrols = $6, max_polecats = $7, last_error = $8, beads_sync = $10
       WHERE (m.host = $2 AND m.root = $3) OR m.stopped_at IS NOT NULL OR m.heartbeat_at < now() - make_interval(secs => $9)
       RETURNING name`,
      [b.name, b.host, b.root, b.pid, b.startedAt, b.patrols, b.maxPolecats, b.lastError ?? null, MACHINE_STALE_MS / 1000, !!b.beadsSync]);
    if (!r.rowCount) {
      const other = (await this.machines()).find((m) => m.name === b.name);
      throw new UserError(`machine name "${b.name}" is in use by a live deacon on ${other?.host ?? 'another host'} (${other?.root ?? '?'})`, 'give this machine its own name: gt up --machine <name>');
    }
  }

  /** A deacon that stops says so: its machine shows as stopped, not as silently dead. */
  async stopped(name: string, pid: number): Promise<void> {
    await this.pool.query(`UPDATE ${SCHEMA}.machines SET stopped_at = now(), pid = NULL, beads_sync = false WHERE name = $1 AND pid = $2`, [name, pid]);
  }

  async machines(): Promise<MachineRow[]> {
    const r = await this.pool.query<{
      name: string; host: string; root: string; pid: number | null; started_at: Date | null; heartbeat_at: Date; stopped_at: Date | null;
      age_ms: number; patrols: number; max_polecats: number | null; last_error: string | null; leases: string[] | null; beads_sync: boolean;
    }>(`SELECT m.*, (extract(epoch FROM now() - m.heartbeat_at) * 1000)::float8 AS age_ms,
          (SELECT array_agg(l.rig ORDER BY l.rig) FROM ${SCHEMA}.leases l WHERE l.machine = m.name) AS leases
        FROM ${SCHEMA}.machines m ORDER BY m.name`);
    // The latest 20 of each machine: what status shows (the table keeps every adoption).
    const adopted = await this.adoptions(`(machine, claimed_at) IN (SELECT machine, claimed_at FROM (SELECT machine, claimed_at,
      row_number() OVER (PARTITION BY machine ORDER BY claimed_at DESC) AS n FROM ${SCHEMA}.adoptions) r WHERE n <= 20)`, []);
    return r.rows.map((m) => ({
      name: m.name, host: m.host, root: m.root, pid: m.pid ?? undefined,
      started_at: m.started_at?.toISOString(), heartbeat_at: m.heartbeat_at.toISOString(), stopped_at: m.stopped_at?.toISOString(),
      heartbeat_age_ms: Math.max(0, Math.round(m.age_ms)),
      alive: machineAlive(!!m.stopped_at, m.age_ms),
      patrols: m.patrols, max_polecats: m.max_polecats ?? undefined, last_error: m.last_error ?? undefined,
      leases: m.leases ?? [],
      beads_sync: m.beads_sync && machineAlive(!!m.stopped_at, m.age_ms),
      adopted: adopted.filter((a) => a.machine === m.name),
    }));
  }

  /** Who holds a rig's refinery lease (a note for status; the lock itself is the truth). */
  async noteLease(rig: string, machine: string, pid: number): Promise<void> {
    await this.pool.query(`INSERT INTO ${SCHEMA}.leases (rig, machine, pid, since) VALUES ($1, $2, $3, now())
      ON CONFLICT (rig) DO UPDATE SET machine = $2, pid = $3, since = now()`, [rig, machine, pid]);
  }

  /** The holder let its lease go (the note only; the lock went with its connection). */
  async endLease(rig: string, machine: string, pid: number): Promise<void> {
    await this.pool.query(`DELETE FROM ${SCHEMA}.leases WHERE rig = $1 AND machine = $2 AND pid = $3`, [rig, machine, pid]);
  }
}

/** Lock class of town-wide leases (LOCK_CLASS in beads/postgres/schema.ts holds the store's and the refinery's). */
const TOWN_LEASE_CLASS = 0x62640010;

/**
 * A town-wide lease held for a deacon's lifetime: a session-level advisory lock on a connection of
 * its own, so it ends exactly when the holder's process or machine does (the server drops the
 * connection), and the next machine to ask takes it. Asking never waits.
 */
export class TownLease {
  private client?: pg.Client;
  private lost = new WeakSet<pg.Client>();
  constructor(private url: string, private name: string) {}

  /** Held as far as this process knows (no query: the lock's connection has not failed). */
  get holding(): boolean {
    return !!this.client && !this.lost.has(this.client);
  }

  /** True while held; when free, takes it. */
  async held(): Promise<boolean> {
    if (this.client && !this.lost.has(this.client)) return true;
    await this.release(); // its connection failed: the lock may be gone with it
    const c = new pg.Client({ connectionString: this.url, keepAlive: true });
    c.on('error', () => this.lost.add(c));
    c.on('end', () => this.lost.add(c));
    try {
      await c.connect();
      const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [TOWN_LEASE_CLASS, `${SCHEMA}.${this.name}`]);
      if (r.rows[0]?.ok) {
        this.client = c;
        return true;
      }
    } catch { /* the server is unreachable: not held */ }
    await c.end().catch(() => {});
    return false;
  }

  async release(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}

/** Opens the registry, runs fn, closes it. */
export async function withRegistry<T>(url: string, fn: (r: TownRegistry) => Promise<T>): Promise<T> {
  const reg = await TownRegistry.open(url);
  try {
    return await fn(reg);
  } finally {
    await reg.close();
  }
}
