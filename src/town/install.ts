// `gt install`: the town's layout, its HQ database and the town-level identities. Idempotent.
import { createTownLayout, type Town } from './town.js';
import { addRig, type AddRigOptions, type Rig } from './rig.js';
import { rigSyncTarget, syncStore, type StoreSyncResult } from './beads-sync.js';
import { ensureAgent } from './identity.js';

export interface InstallReport { town: Town; created: boolean; identities: string[] }

/** Returns the town's handle: the caller closes its stores (closeTown) when done with it. */
export async function installTown(dir: string, name?: string): Promise<InstallReport> {
  const { town, created } = createTownLayout(dir, name);
  await town.stores.hq();
  const identities: string[] = [];
  for (const address of ['overseer', 'mayor', 'deacon', 'boot']) {
    if ((await ensureAgent(town, address, 'gt-install')).created) identities.push(address);
  }
  return { town, created: created || identities.length > 0, identities };
}

export interface SetUpRigReport { rig: Rig; identities: string[]; beadsSync: StoreSyncResult }

/**
 * `gt rig add`: the rig (clone, beads, route), its witness and refinery identities, and a first
 * beads sync, which takes in the issues the project already keeps on its beads-sync branch.
 */
export async function setUpRig(town: Town, name: string, source: string, opts: AddRigOptions = {}): Promise<SetUpRigReport> {
  const rig = await addRig(town, name, source, opts);
  const identities = (['witness', 'refinery'] as const).map((role) => `${rig.name}/${role}`);
  for (const address of identities) await ensureAgent(town, address, 'gt');
  const beadsSync = await syncStore(rig.name, await town.stores.rig(rig), rigSyncTarget(rig));
  return { rig, identities, beadsSync };
}
