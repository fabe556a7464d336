// `gt convoy stranded`: tracked beads that cannot progress on their own, and why. `findStranded`
// decides over plain data (no I/O); `strandedBeads` gathers the facts from the town.
import { findCycles, type GraphEdge } from '../beads/ready.js';
import { BLOCKING_DEP_TYPES } from '../beads/model.js';
import { getAgent } from '../town/identity.js';
import { openRigStore, rigForBead, storeForBead } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { listConvoys, requireConvoy, stagedOf, trackedIds } from './convoy.js';
import { listMergeRequests } from './merge-request.js';

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
    const outside = b.blockers.filter((x) => !tracked.has(x.id) && !WORKED.has(x.status) && !stagedElsewhere.has(x.id));
    if (outside.length) { say(b.id, `blocked by ${outside.map((x) => x.id).join(', ')}, outside the convoy and not being worked`); continue; }
    if (!b.staged && !b.blockers.length) say(b.id, 'open but neither slung nor staged (gt sling it)');
  }
  return out;
}

/** Stranded beads of one convoy, or of every open convoy. */
export function strandedBeads(town: Town, convoyId?: string): Stranded[] {
  const convoys = convoyId ? [requireConvoy(town, convoyId)] : listConvoys(town).map((c) => requireConvoy(town, c.id));
  const stagedAnywhere = new Set(listConvoys(town).flatMap((c) => c.staged.map((s) => s.id)));
  const out: Stranded[] = [];
  for (const convoy of convoys) {
    const staged = stagedOf(convoy);
    const facts: StrandFacts[] = [];
    const edges: GraphEdge[] = [];
    for (const id of trackedIds(convoy)) {
      let store;
      try { store = storeForBead(town, id); } catch { continue; }
      const bead = store.get(id);
      if (!bead) continue;
      edges.push(...bead.dependencies.filter((d) => BLOCKING_DEP_TYPES.includes(d.type)));
      const blockers = bead.dependencies
        .filter((d) => BLOCKING_DEP_TYPES.includes(d.type))
        .map((d) => ({ id: d.depends_on_id, status: store.get(d.depends_on_id)?.status ?? 'missing' }))
        .filter((x) => x.status !== 'closed' && x.status !== 'tombstone' && x.status !== 'missing');
      const holder = bead.status === 'hooked' && bead.assignee ? safeHolder(town, bead.assignee) : undefined;
      facts.push({ id, status: bead.status, assignee: bead.assignee, staged: id in staged, blockers, holder, bouncedWithoutWorker: bead.status === 'in_progress' ? bouncedWithoutWorker(town, id) : undefined });
    }
    out.push(...findStranded(convoy.id, facts, edges, stagedAnywhere));
  }
  return out;
}

function safeHolder(town: Town, address: string): StrandFacts['holder'] {
  try {
    const a = getAgent(town, address);
    return { active: !!a?.active, gaveUp: !!a?.gaveUp };
  } catch {
    return { active: false, gaveUp: false };
  }
}

/** The bead's latest MR, when it bounced and none of its fix beads is open or being worked. */
function bouncedWithoutWorker(town: Town, beadId: string): string | undefined {
  const rig = rigForBead(town, beadId);
  if (!rig) return undefined;
  const store = storeForBead(town, beadId);
  const mrs = listMergeRequests(openRigStore(rig)).filter((m) => m.source_bead === beadId);
  const last = mrs.sort((a, b) => a.created_at.localeCompare(b.created_at)).at(-1);
  if (!last || last.state !== 'bounced') return undefined;
  const fixes = store.list({ fields: { bounce_of: beadId } });
  return fixes.some((f) => f.status !== 'closed') ? undefined : last.id;
}
