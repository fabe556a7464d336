// `gt convoy stranded`: tracked beads that cannot progress on their own, and why. `findStranded`
// decides over plain data (no I/O); `strandedBeads` gathers the facts from the town.
import { findCycles, type GraphEdge } from '../beads/ready.js';
import { BLOCKING_DEP_TYPES, type Issue } from '../beads/model.js';
import { getAgent } from '../town/identity.js';
import { rigForBead } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { listConvoys, requireConvoy, stagedOf, trackedIds } from './convoy.js';
import { listMergeRequests } from './merge-request.js';
import { unlandedBlockers } from './landed.js';

export interface StrandFacts {
  id: string;
  status: string;
  assignee?: string;
  staged: boolean;
  /** Open blocking dependencies: their ids and statuses. */
  blockers: { id: string; status: string }[];
  /** The holder of a hooked bead: still an active identity, and not given up on? */
  holder?: { active: boolean; gaveUp: boolean };
  /** Its latest MR bounced, and no fix bead for it is open or being worked. */
  bouncedWithoutWorker?: string;
  /** Closed blockers whose work never merged (their last MR bounced, no fix open): id and that MR. */
  unmergedBlockers?: { id: string; mr: string }[];
}

export interface Stranded { convoy: string; bead: string; reason: string }

const WORKED = new Set(['hooked', 'in_progress']);

/** Why each bead of one convoy cannot progress. Pure. */
export function findStranded(convoy: string, beads: StrandFacts[], edges: GraphEdge[], stagedElsewhere: Set<string>): Stranded[] {
  const tracked = new Map(beads.map((b) => [b.id, b]));
  const out: Stranded[] = [];
  const say = (bead: string, reason: string) => out.push({ convoy, bead, reason });
  const inCycle = new Map<string, string[]>();
  for (const c of findCycles(edges.filter((e) => tracked.has(e.issue_id) && tracked.has(e.depends_on_id)))) for (const id of c) inCycle.set(id, c);
  for (const b of beads) {
    if (b.status === 'closed') continue;
    const cycle = inCycle.get(b.id);
    if (cycle) { say(b.id, `in a dependency cycle ${[...cycle, cycle[0]].join(' -> ')}`); continue; }
    if (b.status === 'hooked' && b.holder && (!b.holder.active || b.holder.gaveUp)) {
      say(b.id, `hooked to ${b.assignee}, which ${b.holder.active ? 'the witness gave up on' : 'is retired'}; nobody works it`);
      continue;
    }
    if (b.bouncedWithoutWorker) { say(b.id, `its MR ${b.bouncedWithoutWorker} bounced and no worker has the fix`); continue; }
    if (b.status !== 'open') continue;
    if (b.unmergedBlockers?.length) { say(b.id, b.unmergedBlockers.map((u) => `blocked by ${u.id}, closed but its work never merged (its MR ${u.mr} bounced)`).join('; ')); continue; }
    const outside = b.blockers.filter((x) => !tracked.has(x.id) && !WORKED.has(x.status) && !stagedElsewhere.has(x.id));
    if (outside.length) { say(b.id, `blocked by ${outside.map((x) => x.id).join(', ')}, outside the convoy and not being worked`); continue; }
    if (!b.staged && !b.blockers.length) say(b.id, 'open but neither slung nor staged (gt sling it)');
  }
  return out;
}

/** Stranded beads of one convoy, or of every open convoy. */
export async function strandedBeads(town: Town, convoyId?: string): Promise<Stranded[]> {
  const open = await listConvoys(town);
  const convoys: Issue[] = [];
  if (convoyId) convoys.push(await requireConvoy(town, convoyId));
  else for (const c of open) convoys.push(await requireConvoy(town, c.id));
  const stagedAnywhere = new Set(open.flatMap((c) => c.staged.map((s) => s.id)));
  const out: Stranded[] = [];
  for (const convoy of convoys) {
    const staged = stagedOf(convoy);
    const facts: StrandFacts[] = [];
    const edges: GraphEdge[] = [];
    for (const id of trackedIds(convoy)) {
      let store;
      try { store = await town.stores.forBead(id); } catch { continue; }
      const bead = await store.get(id);
      if (!bead) continue;
      edges.push(...bead.dependencies.filter((d) => BLOCKING_DEP_TYPES.includes(d.type)));
      const blockers: StrandFacts['blockers'] = [];
      for (const d of bead.dependencies.filter((d) => BLOCKING_DEP_TYPES.includes(d.type))) {
        const status = (await store.get(d.depends_on_id))?.status ?? 'missing';
        if (status !== 'closed' && status !== 'tombstone' && status !== 'missing') blockers.push({ id: d.depends_on_id, status });
      }
      const holder = bead.status === 'hooked' && bead.assignee ? await safeHolder(town, bead.assignee) : undefined;
      const unmergedBlockers = bead.status === 'open' ? (await unlandedBlockers(town, bead)).flatMap((u) => (u.work.state === 'unmerged' ? [{ id: u.id, mr: u.work.mr }] : [])) : [];
      facts.push({ id, status: bead.status, assignee: bead.assignee, staged: id in staged, blockers, holder, bouncedWithoutWorker: bead.status === 'in_progress' ? await bouncedWithoutWorker(town, id) : undefined, unmergedBlockers });
    }
    out.push(...findStranded(convoy.id, facts, edges, stagedAnywhere));
  }
  return out;
}

async function safeHolder(town: Town, address: string): Promise<StrandFacts['holder']> {
  try {
    const a = await getAgent(town, address);
    return { active: !!a?.active, gaveUp: !!a?.gaveUp };
  } catch {
    return { active: false, gaveUp: false };
  }
}

/** The bead's latest MR, when it bounced and none of its fix beads is open or being worked. */
async function bouncedWithoutWorker(town: Town, beadId: string): Promise<string | undefined> {
  const rig = rigForBead(town, beadId);
  if (!rig) return undefined;
  const store = await town.stores.forBead(beadId);
  const mrs = (await listMergeRequests(await town.stores.rig(rig))).filter((m) => m.source_bead === beadId);
  const last = mrs.sort((a, b) => a.created_at.localeCompare(b.created_at)).at(-1);
  if (!last || last.state !== 'bounced') return undefined;
  const fixes = await store.list({ fields: { bounce_of: beadId } });
  return fixes.some((f) => f.status !== 'closed') ? undefined : last.id;
}
