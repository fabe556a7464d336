// Convoys: HQ beads that track a set of beads (dependency type `tracks`) as one unit of delivery.
// A convoy closes itself when every tracked bead is closed, and the Mayor and Overseer get mail.
import { UserError } from '../lib/errors.js';
import type { Issue } from '../beads/store.js';
import { fitTitle } from '../beads/model.js';
import { openHqStore, storeForBead } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { sendMail } from './mail.js';
import { capacityView, describeSlots } from './capacity.js';

export const CONVOY_TYPE = 'convoy';

export interface TrackedBead {
  id: string;
  title: string;
  status: string;
  assignee?: string;
  missing?: boolean;
}

export interface ConvoyStatus {
  id: string;
  title: string;
  status: string;
  total: number;
  closed: number;
  tracked: TrackedBead[];
  landed: boolean;
  /** Tracked beads staged for the deacon to sling, with why each waits. */
  staged: { id: string; target: string; reason: string }[];
}

export function requireConvoy(town: Town, id: string): Issue {
  const bead = storeForBead(town, id).mustGet(id);
  if (bead.issue_type !== CONVOY_TYPE) throw new UserError(`${bead.id} is a ${bead.issue_type}, not a convoy`);
  return bead;
}

export function createConvoy(town: Town, title: string, beadIds: string[], actor: string): Issue {
  if (!title.trim()) throw new UserError('a convoy needs a title');
  for (const id of beadIds) storeForBead(town, id).mustGet(id);
  const hq = openHqStore(town);
  return hq.write(() => {
    const convoy = hq.create({ title, issue_type: CONVOY_TYPE, priority: 2 }, actor);
    for (const id of beadIds) hq.addDependency(convoy.id, id, 'tracks', actor);
    return hq.mustGet(convoy.id);
  });
}

export function addToConvoy(town: Town, convoyId: string, beadIds: string[], actor: string): Issue {
  const convoy = requireConvoy(town, convoyId);
  for (const id of beadIds) storeForBead(town, id).mustGet(id);
  const hq = openHqStore(town);
  return hq.write(() => {
    const have = new Set(trackedIds(convoy));
    for (const id of beadIds) if (!have.has(id)) hq.addDependency(convoy.id, id, 'tracks', actor);
    if (hq.mustGet(convoy.id).status === 'closed' && beadIds.length) hq.reopen(convoy.id, actor);
    return hq.mustGet(convoy.id);
  });
}

/** Where a staged bead goes when it is slung: a rig, with the sling's agent choice. */
export interface StagedEntry { target: string; agent?: string }

/** Beads staged on a convoy: tracked, not yet slung (blocked, or waiting for capacity). */
export function stagedOf(convoy: Issue): Record<string, StagedEntry> {
  const s = convoy.fields.staged;
  return s && typeof s === 'object' ? { ...(s as Record<string, StagedEntry>) } : {};
}

/** The convoy's own limit on beads in flight at once (`gt sling --max-concurrent`). */
export function convoyMaxConcurrent(convoy: Issue): number | undefined {
  const n = convoy.fields.max_concurrent;
  return typeof n === 'number' ? n : undefined;
}

/**
 * Stages beads on a convoy (the deacon slings them as they become ready and slots free) and
 * records the sling's settings. Call before hooking: a crash in between leaves them staged, not lost.
 */
export function stageOnConvoy(town: Town, convoyId: string, entries: Record<string, StagedEntry>, settings: { maxConcurrent?: number; epics?: string[] }, actor: string): void {
  const hq = openHqStore(town);
  hq.write(() => {
    const convoy = hq.mustGet(convoyId);
    const fields: Record<string, unknown> = { staged: { ...stagedOf(convoy), ...entries } };
    if (settings.maxConcurrent !== undefined) fields.max_concurrent = settings.maxConcurrent;
    if (settings.epics?.length) fields.epics = [...new Set([...epicsOf(convoy), ...settings.epics])];
    hq.update(convoyId, { fields }, actor);
  });
}

/** Takes beads off a convoy's staging (slung, or no longer workable). */
export function unstage(town: Town, convoyId: string, beadIds: string[], actor: string): void {
  if (!beadIds.length) return;
  const hq = openHqStore(town);
  hq.write(() => {
    const staged = stagedOf(hq.mustGet(convoyId));
    let changed = false;
    for (const id of beadIds) if (id in staged) { delete staged[id]; changed = true; }
    if (changed) hq.update(convoyId, { fields: { staged: Object.keys(staged).length ? staged : null } }, actor);
  });
}

function epicsOf(convoy: Issue): string[] {
  return Array.isArray(convoy.fields.epics) ? (convoy.fields.epics as string[]) : [];
}

export function trackedIds(convoy: Issue): string[] {
  return convoy.dependencies.filter((d) => d.type === 'tracks').map((d) => d.depends_on_id);
}

/** Convoys (open or not) tracking any of these beads. */
export function convoysTracking(town: Town, beadIds: string[]): Issue[] {
  const hq = openHqStore(town);
  const seen = new Map<string, Issue>();
  for (const id of beadIds) for (const c of hq.dependents(id, 'tracks')) if (c.issue_type === CONVOY_TYPE) seen.set(c.id, c);
  return [...seen.values()];
}

export function convoyStatus(town: Town, id: string): ConvoyStatus {
  const convoy = requireConvoy(town, id);
  const tracked = trackedIds(convoy).map((tid): TrackedBead => {
    try {
      const b = storeForBead(town, tid).get(tid);
      if (b) return { id: b.id, title: b.title, status: b.status, assignee: b.assignee };
    } catch { /* rig removed */ }
    return { id: tid, title: '(missing)', status: 'missing', missing: true };
  });
  const closed = tracked.filter((t) => t.status === 'closed').length;
  const staged = stagedReasons(town, convoy, tracked);
  return { id: convoy.id, title: convoy.title, status: convoy.status, total: tracked.length, closed, tracked, landed: tracked.length > 0 && closed === tracked.length, staged };
}

/** Why each staged bead still waits: its blockers, or the capacity it is queued behind. */
function stagedReasons(town: Town, convoy: Issue, tracked: TrackedBead[]): ConvoyStatus['staged'] {
  const open = new Set(tracked.filter((t) => t.status === 'open').map((t) => t.id));
  const entries = Object.entries(stagedOf(convoy)).filter(([id]) => open.has(id));
  if (!entries.length) return [];
  const view = capacityView(town);
  const limit = convoyMaxConcurrent(convoy);
  const inFlight = tracked.filter((t) => t.status === 'hooked' || t.status === 'in_progress').length;
  return entries.map(([id, e]) => {
    const blockers = storeForBead(town, id).explain(id);
    if (blockers.length) return { id, target: e.target, reason: blockers.join('; ') };
    const slots = [view.rigs[e.target], view.town, limit === undefined ? undefined : { running: inFlight, limit }];
    const full = slots.find((x) => x && x.running >= x.limit);
    return { id, target: e.target, reason: full ? `queued: ${describeSlots(full)}` : 'ready: the deacon slings it at its next patrol' };
  });
}

/** Tracked beads being worked right now (hooked, or handed in and waiting to merge). */
export function convoyInFlight(town: Town, id: string): number {
  return convoyStatus(town, id).tracked.filter((t) => t.status === 'hooked' || t.status === 'in_progress').length;
}

export function listConvoys(town: Town, opts: { all?: boolean } = {}): ConvoyStatus[] {
  const hq = openHqStore(town);
  return hq
    .list({ type: CONVOY_TYPE })
    .filter((c) => opts.all || c.status !== 'closed')
    .map((c) => convoyStatus(town, c.id));
}

/** A convoy that could not be refreshed, and why; the others were refreshed all the same. */
export interface ConvoyFailure { convoy: string; message: string }

/**
 * Closes every open convoy (among those tracking `beadIds`, or all) whose tracked beads are all
 * closed, and tells the Mayor and the Overseer. Safe to call any number of times. Each convoy is
 * on its own: one that fails (bad data, a store refusing the write) is added to `failures` and
 * the rest still land.
 */
export function refreshConvoys(town: Town, beadIds?: string[], actor = 'gt', failures: ConvoyFailure[] = []): string[] {
  const hq = openHqStore(town);
  const candidates = beadIds ? convoysTracking(town, beadIds) : hq.list({ type: CONVOY_TYPE });
  const landed: string[] = [];
  for (const c of candidates) {
    if (c.status === 'closed') continue;
    try {
      if (landConvoy(town, c, actor)) landed.push(c.id);
    } catch (e) {
      failures.push({ convoy: c.id, message: (e as Error).message });
    }
  }
  return landed;
}

/** Closes one convoy if every bead it tracks is closed, telling the Mayor and the Overseer; true if it closed now. */
function landConvoy(town: Town, c: Issue, actor: string): boolean {
  const hq = openHqStore(town);
  const st = convoyStatus(town, c.id);
  if (!st.landed) return false;
  const body = `Convoy ${c.id} "${c.title}" has landed: ${st.total}/${st.total} beads closed.\n\n` +
    st.tracked.map((t) => `- ${t.id} ${t.title}`).join('\n');
  // Closing and telling happen in one transaction: a crash cannot land a convoy silently.
  return hq.write(() => {
    if (hq.mustGet(c.id).status === 'closed') return false;
    hq.closeIssues([c.id], 'landed: every tracked bead is closed', actor);
    closeLandedEpics(town, epicsOf(c), c.id, actor);
    for (const to of ['mayor', 'overseer']) sendMail(town, { from: 'deacon', to, subject: fitTitle(`Convoy landed: ${c.title}`), body }, actor);
    return true;
  });
}

/** An epic slung as its children is done when its convoy lands. */
function closeLandedEpics(town: Town, epics: string[], convoyId: string, actor: string): void {
  for (const id of epics) {
    try {
      const store = storeForBead(town, id);
      if (store.get(id)?.status !== 'closed') store.closeIssues([id], `every child landed (convoy ${convoyId})`, actor);
    } catch { /* its rig was removed */ }
  }
}
