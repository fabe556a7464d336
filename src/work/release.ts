// Releasing a polecat's bead: when its polecat cannot finish (restarted too often, or given up and
// cooled down), the bead goes back to open, staged on its convoy, and a fresh polecat takes it as
// soon as the deacon finds a slot; the old polecat is decommissioned with its branch kept. Every
// step checks persisted state first, so a release interrupted anywhere can simply run again.
import { getAgent } from '../town/identity.js';
import { loadRig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { convoysTracking, stageOnConvoy } from './convoy.js';
import { decommissionPolecat } from './polecat.js';

export interface Released { bead?: string; convoy?: string; reopened: boolean }

export async function releasePolecat(town: Town, address: string, reason: string, actor: string): Promise<Released> {
  const agent = await getAgent(town, address);
  if (!agent || agent.role !== 'polecat' || !agent.rig) return { reopened: false };
  const rig = loadRig(town, agent.rig);
  const beadId = agent.hook;
  let convoy: string | undefined;
  let reopened = false;
  if (beadId) {
    // Staged first (harmless while the bead is hooked): once it is open, the feeder may sling it.
    convoy = (await convoysTracking(town, [beadId])).find((c) => c.status !== 'closed')?.id;
    if (convoy) await stageOnConvoy(town, convoy, { [beadId]: { target: rig.name } }, {}, actor);
    reopened = await (await town.stores.forBead(beadId)).transaction(async (store) => {
      const bead = await store.get(beadId);
      if (!bead || bead.assignee !== address || bead.status === 'closed') return false;
      await store.update(beadId, { status: 'open', assignee: null }, actor);
      await store.addComment(beadId, `Released from ${address}: ${reason}. Its branch ${agent.branch ?? '?'} is kept in the rig's repo.`, actor);
      return true;
    });
  }
  await decommissionPolecat(town, rig, agent.name!, { keepBranch: true, reason: `released: ${reason}` });
  return { bead: beadId, convoy, reopened };
}
