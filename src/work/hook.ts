// Hooks: each identity's one slot for the bead it must work on. Reading and clearing it.
import { UserError } from '../lib/errors.js';
import type { Issue } from '../beads/model.js';
import { canonicalAddress } from '../town/address.js';
import { mustGetAgent, updateAgentFields, type Agent } from '../town/identity.js';
import { loadRig } from '../town/rig.js';
import type { Town } from '../town/town.js';

export interface HookView {
  agent: string;
  role: string;
  state: string;
  hook?: string;
  bead?: Issue;
  workdir: string;
  branch?: string;
}

/** The bead on an identity's hook, if it still exists. */
export async function hookedBead(town: Town, agent: Agent): Promise<Issue | undefined> {
  if (!agent.hook) return undefined;
  try {
    return await (await town.stores.forBead(agent.hook)).get(agent.hook);
  } catch {
    return undefined; // its rig is gone
  }
}

export async function showHook(town: Town, address: string): Promise<HookView> {
  const agent = await mustGetAgent(town, canonicalAddress(address));
  const bead = await hookedBead(town, agent);
  return { agent: agent.address, role: agent.role, state: agent.state, hook: agent.hook, bead, workdir: agent.workdir, branch: agent.branch };
}

/**
 * Clears an identity's hook and frees the bead (back to open). A polecat exists only for its hook,
 * so unslinging one also decommissions it, keeping its branch so no commit is lost.
 */
export async function unsling(town: Town, address: string, actor: string): Promise<{ agent: Agent; bead?: string }> {
  const agent = await mustGetAgent(town, canonicalAddress(address));
  const beadId = agent.hook;
  if (beadId) {
    await (await town.stores.forBead(beadId)).transaction(async (tx) => {
      const bead = await tx.get(beadId);
      if (bead && bead.status === 'hooked' && bead.assignee === agent.address) {
        await tx.update(beadId, { status: 'open', assignee: null }, actor);
      }
    });
  }
  if (agent.role === 'polecat') {
    const { decommissionPolecat } = await import('./polecat.js');
    await decommissionPolecat(town, loadRig(town, agent.rig!), agent.name!, { keepBranch: true, reason: 'unslung' });
    return { agent: { ...agent, hook: undefined, active: false }, bead: beadId };
  }
  if (!beadId) throw new UserError(`${agent.address} has nothing on its hook`);
  return { agent: await updateAgentFields(town, agent.address, { hook_bead: null }, actor), bead: beadId };
}
