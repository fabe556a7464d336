// `gt status`: the town at a glance — rigs, agents by state, hooks, queue depth, open convoys.
import { listAgents, type Agent } from '../town/identity.js';
import { brokenRigs, listRigs } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { listConvoys, type ConvoyStatus } from './convoy.js';
import { listMergeRequests } from './merge-request.js';
import { capacityView, type Slots } from './capacity.js';

export interface RigSummary {
  name: string; prefix: string; branch: string; queue: number; testing: number; open: number; ready: number; polecats: Slots; staged: number;
  /** Why staged work waits for a slot ("queued: capacity 3/3": the rig's, the town's or a convoy's limit), when some does. */
  queued?: string;
}
export interface TownStatus {
  town: { name: string; root: string; id: string };
  rigs: RigSummary[];
  /** Rigs whose rig.toml does not load: left out of everything until it is fixed (gt doctor says how). */
  broken: { rig: string; error: string }[];
  agents: Pick<Agent, 'address' | 'role' | 'state' | 'reason' | 'hook' | 'last_activity'>[];
  byState: Record<string, number>;
  convoys: ConvoyStatus[];
}

export async function townStatus(town: Town): Promise<TownStatus> {
  const capacity = await capacityView(town);
  const convoys = await listConvoys(town);
  const rigs: RigSummary[] = [];
  for (const rig of listRigs(town)) {
    const store = await town.stores.rig(rig);
    const mrs = await listMergeRequests(store, { state: ['queued', 'testing'] });
    const staged = convoys.flatMap((c) => c.staged).filter((x) => x.target === rig.name);
    rigs.push({
      name: rig.name,
      prefix: rig.prefix,
      branch: rig.mainBranch,
      queue: mrs.filter((m) => m.state === 'queued').length,
      testing: mrs.filter((m) => m.state === 'testing').length,
      open: (await store.list({ status: ['open', 'in_progress', 'hooked', 'blocked'] })).filter((b) => !['agent', 'merge-request', 'message'].includes(b.issue_type)).length,
      ready: (await store.ready()).length,
      polecats: capacity.rigs[rig.name]!,
      staged: staged.length,
      queued: staged.find((x) => x.reason.startsWith('queued: '))?.reason,
    });
  }
  const agents = (await listAgents(town)).map(({ address, role, state, reason, hook, last_activity }) => ({ address, role, state, reason, hook, last_activity }));
  const byState: Record<string, number> = {};
  for (const a of agents) if (a.role !== 'overseer') byState[a.state] = (byState[a.state] ?? 0) + 1; // the human is no agent
  const broken = brokenRigs(town).map((b) => ({ rig: b.rig, error: b.error.message }));
  return { town: { name: town.name, root: town.root, id: town.id }, rigs, broken, agents, byState, convoys };
}

export function renderStatus(s: TownStatus): string {
  const lines = [`Town ${s.town.name} at ${s.town.root}`];
  lines.push('', `Rigs (${s.rigs.length}${s.broken.length ? `, and ${s.broken.length} left out` : ''}):`);
  for (const r of s.rigs) {
    lines.push(`  ${r.name} [${r.prefix}] ${r.branch}: ${r.open} open, ${r.ready} ready, queue ${r.queue}${r.testing ? ` (+${r.testing} testing)` : ''}; polecats ${r.polecats.running}/${r.polecats.limit}` +
      (r.staged ? `; ${r.staged} staged${r.queued ? ` (${r.queued})` : ''}` : ''));
  }
  for (const b of s.broken) lines.push(`  ${b.rig}: LEFT OUT, its config does not load: ${b.error} (see gt doctor)`);
  lines.push('', `Agents: ${Object.entries(s.byState).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`);
  for (const a of s.agents) {
    if (a.role === 'overseer') continue;
    lines.push(`  ${a.address.padEnd(28)} ${a.state.padEnd(8)} ${a.hook ? `hook ${a.hook}` : ''}${a.reason && a.state === 'dead' ? ` (${a.reason})` : ''}`);
  }
  lines.push('', `Open convoys (${s.convoys.length}):`);
  for (const c of s.convoys) {
    const queued = c.staged.find((x) => x.reason.startsWith('queued: '))?.reason;
    lines.push(`  ${c.id} ${c.title}: ${c.closed}/${c.total} closed${c.staged.length ? `, ${c.staged.length} staged${queued ? ` (${queued})` : ''}` : ''}`);
  }
  return lines.join('\n');
}
