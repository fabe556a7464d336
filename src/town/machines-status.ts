// `gt status` in a shared town: every machine's deacon, its last heartbeat (by the database's
// clock) and whether it is alive, and the refinery leases each holds.
import type { Town } from './town.js';
import { isShared, machineName } from './machine.js';
import type { MachineRow } from './registry.js';

export interface MachinesStatus { me: string; rows: MachineRow[] }

/** undefined for a town on SQLite (one machine by construction). */
export async function machinesStatus(town: Town): Promise<MachinesStatus | undefined> {
  if (!isShared(town)) return undefined;
  const { withRegistry } = await import('./registry.js');
  return { me: machineName(town), rows: await withRegistry(town.config.store!.url, (r) => r.machines()) };
}

/** Pure. */
export function renderMachines(s: MachinesStatus): string {
  const lines = [`Machines (${s.rows.length}; this one: ${s.me}):`];
  if (!s.rows.length) lines.push("  none has beaten yet (start a deacon: gt up --machine <name>)");
  for (const m of s.rows) {
    const state = m.stopped_at ? 'stopped' : m.alive ? 'alive' : 'DEAD';
    const age = `${Math.round(m.heartbeat_age_ms / 1000)} s ago`;
    lines.push(`  ${m.name.padEnd(16)} ${state.padEnd(8)} last heartbeat ${age} on ${m.host}${m.pid ? ` pid ${m.pid}` : ''}` +
      `${m.leases.length ? `; refinery lease: ${m.leases.join(', ')}` : ''}${m.beads_sync ? '; beads sync' : ''}${m.last_error ? ` (last error: ${m.last_error})` : ''}`);
    for (const a of m.adopted) {
      const state = !a.done_at ? 'being adopted' : a.reopened ? 'open again for a live machine' : 'was no longer its';
      lines.push(`    adopted by ${a.adopted_by}: ${a.bead} from ${a.agent} (${state})${a.retired_at ? `; retired here: ${a.retire_note ?? ''}` : ''}`);
    }
  }
  return lines.join('\n');
}
