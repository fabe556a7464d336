// `gt install`: the town's layout, its HQ database and the town-level identities. Idempotent.
import { createTownLayout, type Town } from './town.js';
import { addRig, openHqStore, type AddRigOptions, type Rig } from './rig.js';
import { ensureAgent } from './identity.js';

export interface InstallReport { town: Town; created: boolean; identities: string[] }

export function installTown(dir: string, name?: string): InstallReport {
  const { town, created } = createTownLayout(dir, name);
  openHqStore(town);
  const identities: string[] = [];
  for (const address of ['overseer', 'mayor', 'deacon', 'boot']) {
    if (ensureAgent(town, address, 'gt-install').created) identities.push(address);
  }
  return { town, created: created || identities.length > 0, identities };
}

export interface SetUpRigReport { rig: Rig; identities: string[] }

/** `gt rig add`: the rig (clone, beads, route) and its witness and refinery identities. */
export async function setUpRig(town: Town, name: string, source: string, opts: AddRigOptions = {}): Promise<SetUpRigReport> {
  const rig = await addRig(town, name, source, opts);
  const identities = (['witness', 'refinery'] as const).map((role) => `${rig.name}/${role}`);
  for (const address of identities) ensureAgent(town, address, 'gt');
  return { rig, identities };
}
