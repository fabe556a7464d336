// `gt install`: the town's layout, its HQ database and the town-level identities. Idempotent.
import { createTownLayout, type Town } from './town.js';
import { openHqStore } from './rig.js';
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
