// Capacity: how many polecats may exist at once, per rig (rig.toml max_polecats) and per town
// (town.toml max_polecats, default DEFAULT_MAX_POLECATS), and per convoy (`gt sling
// --max-concurrent`). A polecat holds its slot from the sling until its work merges or it is
// decommissioned, so a session can never outnumber the slots. Work beyond capacity waits staged
// on its convoy and is slung as slots free (work/feed.ts).
import { DEFAULT_MAX_POLECATS } from '../town/config.js';
import { listAgents } from '../town/identity.js';
import { listRigs, type Rig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import type { Tx } from '../beads/api.js';
import { ownedHere } from '../town/machine.js';

export interface Slots { running: number; limit: number }

export interface CapacityView {
  town: Slots;
  rigs: Record<string, Slots>;
}

/** Free slots given every limit that applies (rig, town, and a convoy's when it has one). Pure. */
export function freeSlots(limits: (Slots | undefined)[]): number {
  let free = Infinity;
  for (const l of limits) if (l) free = Math.min(free, l.limit - l.running);
  return Math.max(0, free);
}

/** "capacity 3/3" — the words `gt status` and `gt convoy status` use. Pure. */
export function describeSlots(s: Slots): string {
  return `capacity ${s.running}/${s.limit}`;
}

export function rigLimit(town: Town, rig: Rig): number {
  return Math.min(rig.maxPolecats ?? Infinity, townLimit(town));
}

export function townLimit(town: Town): number {
  return town.config.max_polecats ?? DEFAULT_MAX_POLECATS;
}

/**
 * Active polecat identities of one rig (`tx`: a transaction on the rig's store, to decide
 * atomically). In a town shared across machines, this machine's only: capacity is per machine.
 */
export async function polecatsIn(town: Town, rig: Rig, tx?: Tx): Promise<number> {
  return (await listAgents(town, { rig: rig.name, role: 'polecat' }, tx)).filter((a) => ownedHere(town, a)).length;
}

/** Every rig's and the town's slots as they stand now. */
export async function capacityView(town: Town): Promise<CapacityView> {
  const rigs: Record<string, Slots> = {};
  let total = 0;
  for (const rig of listRigs(town)) {
    const running = await polecatsIn(town, rig);
    total += running;
    rigs[rig.name] = { running, limit: rigLimit(town, rig) };
  }
  return { town: { running: total, limit: townLimit(town) }, rigs };
}
