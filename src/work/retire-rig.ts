// `gt rig remove`: stop every session working in the rig, then remove its directory and route.
// Refuses while polecats still hold work, unless forced (their branches go with the rig's repo).
import { UserError } from '../lib/errors.js';
import { listAgents } from '../town/identity.js';
import { loadRig, removeRig } from '../town/rig.js';
import type { Town } from '../town/town.js';

export async function retireRig(town: Town, name: string, opts: { force?: boolean } = {}): Promise<{ stopped: string[] }> {
  loadRig(town, name);
  const agents = await listAgents(town, { rig: name });
  const working = agents.filter((a) => a.role === 'polecat' && a.hook);
  if (working.length && !opts.force) {
    throw new UserError(`rig '${name}' has ${working.length} polecat(s) with work on their hooks (${working.map((a) => a.address).join(', ')})`, 'wait for them to land, or pass --force');
  }
  const { stopAgent } = await import('../runtime/launch.js');
  for (const a of agents) await stopAgent(town, a.address);
  await removeRig(town, name);
  return { stopped: agents.map((a) => a.address) };
}
