// Self-feeding convoys: the deacon's step that slings beads staged on convoys once their blockers
// have closed (the blocker's MR landed) and a slot is free, highest priority first. `planFeed`
// decides over plain data; `feedConvoys` reads the town, calls it, and slings what it chose.
import type { Issue } from '../beads/model.js';
import type { Town } from '../town/town.js';
import { capacityView, type Slots } from './capacity.js';
import { CONVOY_TYPE, convoyInFlight, convoyMaxConcurrent, stagedOf, unstage } from './convoy.js';
import { unlandedBlockers } from './landed.js';

export interface FeedCandidate {
  convoy: string;
  bead: string;
  target: string;
  agent?: string;
  priority: number;
  createdAt: string;
}

export interface FeedSlots {
  town: Slots;
  rigs: Record<string, Slots>;
  /** Convoys with their own --max-concurrent. */
  convoys: Record<string, Slots>;
}

/** Which ready candidates to sling now: priority order, within every limit. Pure. */
export function planFeed(candidates: FeedCandidate[], slots: FeedSlots): FeedCandidate[] {
  const used = { town: 0, rigs: new Map<string, number>(), convoys: new Map<string, number>() };
  const free = (s: Slots | undefined, n: number) => !s || s.running + n < s.limit;
  const chosen: FeedCandidate[] = [];
  const ordered = [...candidates].sort((a, b) => a.priority - b.priority || a.createdAt.localeCompare(b.createdAt) || a.bead.localeCompare(b.bead));
  for (const c of ordered) {
    const rigUsed = used.rigs.get(c.target) ?? 0;
    const convoyUsed = used.convoys.get(c.convoy) ?? 0;
    if (!slots.rigs[c.target]) continue; // not a rig (any more): nothing to sling into
    if (!free(slots.town, used.town) || !free(slots.rigs[c.target], rigUsed) || !free(slots.convoys[c.convoy], convoyUsed)) continue;
    chosen.push(c);
    used.town++;
    used.rigs.set(c.target, rigUsed + 1);
    used.convoys.set(c.convoy, convoyUsed + 1);
  }
  return chosen;
}

export interface FeedReport {
  slung: { convoy: string; bead: string; agent: string }[];
  /** Staged beads still waiting (blocked, or no slot). */
  waiting: number;
  errors: { bead: string; message: string }[];
}

export interface FeedOptions {
  actor?: string;
  log?: (line: string) => void;
}

/** One feeding pass over every open convoy. Idempotent; safe beside manual slings. */
export async function feedConvoys(town: Town, opts: FeedOptions = {}): Promise<FeedReport> {
  const actor = opts.actor ?? 'deacon';
  const report: FeedReport = { slung: [], waiting: 0, errors: [] };
  const candidates: FeedCandidate[] = [];
  const convoySlots: Record<string, Slots> = {};
  for (const convoy of await (await town.stores.hq()).list({ type: CONVOY_TYPE, status: ['open', 'in_progress'] })) {
    const staged = stagedOf(convoy);
    if (!Object.keys(staged).length) continue;
    const gone: string[] = [];
    for (const [id, entry] of Object.entries(staged)) {
      const bead = await beadOrUndefined(town, id);
      // Slung by hand, closed, or deleted since it was staged: nothing left for the feeder.
      if (!bead || bead.status !== 'open') { gone.push(id); continue; }
      if ((await (await town.stores.forBead(id)).explain(id)).length) { report.waiting++; continue; }
      // A blocker closed before its work landed (its MR still queued, or bounced with no fix) still blocks.
      if ((await unlandedBlockers(town, bead)).length) { report.waiting++; continue; }
      candidates.push({ convoy: convoy.id, bead: id, target: entry.target, agent: entry.agent, priority: bead.priority, createdAt: bead.created_at });
    }
    await unstage(town, convoy.id, gone, actor);
    const limit = convoyMaxConcurrent(convoy);
    if (limit !== undefined) convoySlots[convoy.id] = { running: await convoyInFlight(town, convoy.id), limit };
  }
  if (!candidates.length) return report;
  const view = await capacityView(town);
  const chosen = planFeed(candidates, { town: view.town, rigs: view.rigs, convoys: convoySlots });
  report.waiting += candidates.length - chosen.length;
  // One sling per convoy, target and agent, so the sessions launch side by side.
  const groups = new Map<string, FeedCandidate[]>();
  for (const c of chosen) {
    const key = JSON.stringify([c.convoy, c.target, c.agent ?? '']);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const { sling } = await import('./sling.js');
  for (const group of groups.values()) {
    const { convoy, target, agent } = group[0]!;
    try {
      const r = await sling(town, group.map((c) => c.bead), target, { convoy, agent, actor });
      for (const h of r.hooked) if (h.created) report.slung.push({ convoy, bead: h.bead, agent: h.agent });
      report.waiting += r.staged.length;
      for (const h of r.hooked) if (h.created) opts.log?.(`feed: ${h.bead} -> ${h.agent} (convoy ${convoy})`);
    } catch (e) {
      for (const c of group) report.errors.push({ bead: c.bead, message: (e as Error).message });
      opts.log?.(`feed: slinging ${group.map((c) => c.bead).join(', ')} to ${target} failed: ${(e as Error).message}`);
    }
  }
  return report;
}

async function beadOrUndefined(town: Town, id: string): Promise<Issue | undefined> {
  try {
    return await (await town.stores.forBead(id)).get(id);
  } catch {
    return undefined; // its rig is gone
  }
}
