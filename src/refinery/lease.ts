// A rig's refinery lease in a town shared across machines: the refinery drains a rig's queue only
// while it holds a PostgreSQL session-level advisory lock (pg_try_advisory_lock) on a connection
// of its own. The lock lives exactly as long as that connection: when the holder's process dies
// (SIGKILL, a crash, the machine gone), the server drops the connection and the lock with it, and
// the next patrol of another machine takes the lease. Nothing is waited for: a machine that does
// not get the lease skips the rig this patrol. On SQLite (one machine) there is no lease.
import { LOCK_CLASS, schemaName } from '../beads/postgres/schema.js';
import { isShared, machineName } from '../town/machine.js';
import type { Rig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { RefineryBusyError } from './journal.js';

/** Another machine's refinery holds this rig's lease; supervisors skip the rig (it is draining there). */
export class RefineryLeaseHeldError extends RefineryBusyError {
  constructor(rig: string, holder: string | undefined) {
    super(0, `the refinery lease of ${rig}`);
    this.message = `the refinery of ${rig} runs on ${holder ? `machine ${holder}` : 'another machine'} (it holds the rig's lease)`;
    this.name = 'RefineryLeaseHeldError';
  }
}

export interface Lease {
  /** Set when the lease's connection failed while held: the lock may be gone, so stop landing. */
  lost(): string | undefined;
}

/** Runs fn holding the rig's refinery lease; throws RefineryLeaseHeldError when another holds it. */
export async function withRefineryLease<T>(town: Town, rig: Rig, fn: (lease: Lease) => Promise<T>): Promise<T> {
  if (!isShared(town)) return fn({ lost: () => undefined });
  const url = town.config.store!.url;
  const { default: pg } = await import('pg');
  const { TownRegistry } = await import('../town/registry.js');
  // keepAlive: a holder that vanishes without closing (power, network) is noticed by TCP keepalive.
  const client = new pg.Client({ connectionString: url, keepAlive: true });
  let lost: string | undefined;
  client.on('error', (e) => { lost = e.message; });
  client.on('end', () => { lost ??= 'the connection ended'; });
  await client.connect();
  const key = [LOCK_CLASS.refinery, schemaName(rig.name)];
  const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', key).catch(async (e) => {
    await client.end().catch(() => {});
    throw e;
  });
  const me = machineName(town);
  if (!got.rows[0]?.ok) {
    await client.end().catch(() => {});
    let holder: string | undefined;
    try {
      const reg = await TownRegistry.open(url);
      try {
        holder = (await reg.machines()).find((m) => m.leases.includes(rig.name))?.name;
      } finally {
        await reg.close();
      }
    } catch { /* the note is only for the message */ }
    throw new RefineryLeaseHeldError(rig.name, holder);
  }
  const reg = await TownRegistry.open(url).catch(() => undefined);
  await reg?.noteLease(rig.name, me, process.pid).catch(() => {});
  try {
    return await fn({ lost: () => lost });
  } finally {
    await reg?.endLease(rig.name, me, process.pid).catch(() => {});
    await reg?.close();
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', key).catch(() => {});
    await client.end().catch(() => {});
  }
}

