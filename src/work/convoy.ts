// Convoys: HQ beads that track a set of beads (dependency type `tracks`) as one unit of delivery.
// A convoy closes itself when every tracked bead is closed, and the Mayor and Overseer get mail.
import { UserError } from '../lib/errors.js';
import type { Issue } from '../beads/model.js';
import type { Tx } from '../beads/api.js';
import { fitTitle } from '../beads/model.js';
import { HQ_PREFIX, type Town } from '../town/town.js';
import { sendMail } from './mail.js';
import { capacityView, describeSlots } from './capacity.js';
import { describeUnlanded, unlandedBlockers } from './landed.js';

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

/**
 * Where a bead is read or written: the caller's HQ transaction when the bead is an HQ one (inside
 * a transaction every HQ call goes through it), else the store its prefix names.
 */
export async function beadHandle(town: Town, id: string, hq?: Tx): Promise<Tx> {
  return hq && id.startsWith(`${HQ_PREFIX}-`) ? hq : town.stores.forBead(id);
}

export async function requireConvoy(town: Town, id: string, hq?: Tx): Promise<Issue> {
  const bead = await (await beadHandle(town, id, hq)).mustGet(id);
  if (bead.issue_type !== CONVOY_TYPE) throw new UserError(`${bead.id} is a ${bead.issue_type}, not a convoy`);
  return bead;
}

/** `hq`, when given, is the caller's transaction on the HQ store: the convoy is made inside it. */
export async function createConvoy(town: Town, title: string, beadIds: string[], actor: string, hq?: Tx): Promise<Issue> {
  if (!title.trim()) throw new UserError('a convoy needs a title');
  for (const id of beadIds) await (await beadHandle(town, id, hq)).mustGet(id);
  const outer: Tx = hq ?? (await town.stores.hq());
  return outer.transaction(async (tx) => {
    const convoy = await tx.create({ title, issue_type: CONVOY_TYPE, priority: 2 }, actor);
    for (const id of beadIds) await tx.addDependency(convoy.id, id, 'tracks', actor);
    return tx.mustGet(convoy.id);
  });
}

export async function addToConvoy(town: Town, convoyId: string, beadIds: string[], actor: string, hq?: Tx): Promise<Issue> {
  const convoy = await requireConvoy(town, convoyId, hq);
  for (const id of beadIds) await (await beadHandle(town, id, hq)).mustGet(id);
  const outer: Tx = hq ?? (await town.stores.hq());
  return outer.transaction(async (tx) => {
    const have = new Set(trackedIds(convoy));
    for (const id of beadIds) if (!have.has(id)) await tx.addDependency(convoy.id, id, 'tracks', actor);
    if ((await tx.mustGet(convoy.id)).status === 'closed' && beadIds.length) await tx.reopen(convoy.id, actor);
    return tx.mustGet(convoy.id);
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
export async function stageOnConvoy(town: Town, convoyId: string, entries: Record<string, StagedEntry>, settings: { maxConcurrent?: number; epics?: string[] }, actor: string): Promise<void> {
  await (await town.stores.hq()).transaction(async (hq) => {
    const convoy = await hq.mustGet(convoyId);
    const fields: Record<string, unknown> = { staged: { ...stagedOf(convoy), ...entries } };
    if (settings.maxConcurrent !== undefined) fields.max_concurrent = settings.maxConcurrent;
    if (settings.epics?.length) fields.epics = [...new Set([...epicsOf(convoy), ...settings.epics])];
    await hq.update(convoyId, { fields }, actor);
  });
}

/** Takes beads off a convoy's staging (slung, or no longer workable). */
export async function unstage(town: Town, convoyId: string, beadIds: string[], actor: string): Promise<void> {
  if (!beadIds.length) return;
  await (await town.stores.hq()).transaction(async (hq) => {
    const staged = stagedOf(await hq.mustGet(convoyId));
    let changed = false;
    for (const id of beadIds) if (id in staged) { delete staged[id]; changed = true; }
    if (changed) await hq.update(convoyId, { fields: { staged: Object.keys(staged).length ? staged : null } }, actor);
  });
}

function epicsOf(convoy: Issue): string[] {
  return Array.isArray(convoy.fields.epics) ? (convoy.fields.epics as string[]) : [];
}

export function trackedIds(convoy: Issue): string[] {
  return convoy.dependencies.filter((d) => d.type === 'tracks').map((d) => d.depends_on_id);
}

/** Convoys (open or not) tracking any of these beads. `hq`: the caller's HQ transaction, if in one. */
export async function convoysTracking(town: Town, beadIds: string[], hq?: Tx): Promise<Issue[]> {
  const store: Tx = hq ?? (await town.stores.hq());
  const seen = new Map<string, Issue>();
  for (const id of beadIds) for (const c of await store.dependents(id, 'tracks')) if (c.issue_type === CONVOY_TYPE) seen.set(c.id, c);
  return [...seen.values()];
}

export async function convoyStatus(town: Town, id: string, hq?: Tx): Promise<ConvoyStatus> {
  const convoy = await requireConvoy(town, id, hq);
  const tracked: TrackedBead[] = [];
  for (const tid of trackedIds(convoy)) {
    let b;
    try {
      b = await (await beadHandle(town, tid, hq)).get(tid);
    } catch { /* rig removed */ }
    tracked.push(b ? { id: b.id, title: b.title, status: b.status, assignee: b.assignee } : { id: tid, title: '(missing)', status: 'missing', missing: true });
  }
  const closed = tracked.filter((t) => t.status === 'closed').length;
  const staged = await stagedReasons(town, convoy, tracked, hq);
  return { id: convoy.id, title: convoy.title, status: convoy.status, total: tracked.length, closed, tracked, landed: tracked.length > 0 && closed === tracked.length, staged };
}

/** Why each staged bead still waits: its blockers, or the capacity it is queued behind. */
async function stagedReasons(town: Town, convoy: Issue, tracked: TrackedBead[], hq?: Tx): Promise<ConvoyStatus['staged']> {
  const open = new Set(tracked.filter((t) => t.status === 'open').map((t) => t.id));
  const entries = Object.entries(stagedOf(convoy)).filter(([id]) => open.has(id));
  if (!entries.length) return [];
  const view = await capacityView(town);
  const limit = convoyMaxConcurrent(convoy);
  const inFlight = tracked.filter((t) => t.status === 'hooked' || t.status === 'in_progress').length;
  const out: ConvoyStatus['staged'] = [];
  for (const [id, e] of entries) {
    const store = await beadHandle(town, id, hq);
    const blockers = await store.explain(id);
    const bead = blockers.length ? undefined : await store.get(id);
    if (bead) for (const u of await unlandedBlockers(town, bead)) blockers.push(describeUnlanded(u.id, u.work));
    if (blockers.length) { out.push({ id, target: e.target, reason: blockers.join('; ') }); continue; }
    const slots = [view.rigs[e.target], view.town, limit === undefined ? undefined : { running: inFlight, limit }];
    const full = slots.find((x) => x && x.running >= x.limit);
    out.push({ id, target: e.target, reason: full ? `queued: ${describeSlots(full)}` : 'ready: the deacon slings it at its next patrol' });
  }
  return out;
}

/** Tracked beads being worked right now (hooked, or handed in and waiting to merge). */
export async function convoyInFlight(town: Town, id: string): Promise<number> {
  return (await convoyStatus(town, id)).tracked.filter((t) => t.status === 'hooked' || t.status === 'in_progress').length;
}

export async function listConvoys(town: Town, opts: { all?: boolean } = {}): Promise<ConvoyStatus[]> {
  const hq = await town.stores.hq();
  const out: ConvoyStatus[] = [];
  for (const c of await hq.list({ type: CONVOY_TYPE })) if (opts.all || c.status !== 'closed') out.push(await convoyStatus(town, c.id));
  return out;
}

/** A convoy that could not be refreshed, and why; the others were refreshed all the same. */
export interface ConvoyFailure { convoy: string; message: string }

/**
 * Closes every open convoy (among those tracking `beadIds`, or all) whose tracked beads are all
 * closed, and tells the Mayor and the Overseer. Safe to call any number of times. Each convoy is
 * on its own: one that fails (bad data, a store refusing the write) is added to `failures` and
 * the rest still land.
 */
export async function refreshConvoys(town: Town, beadIds?: string[], actor = 'gt', failures: ConvoyFailure[] = []): Promise<string[]> {
  const hq = await town.stores.hq();
  const candidates = beadIds ? await convoysTracking(town, beadIds) : await hq.list({ type: CONVOY_TYPE });
  const landed: string[] = [];
  for (const c of candidates) {
    if (c.status === 'closed') continue;
    try {
      if (await landConvoy(town, c, actor)) landed.push(c.id);
    } catch (e) {
      failures.push({ convoy: c.id, message: (e as Error).message });
    }
  }
  return landed;
}

/** Closes one convoy if every bead it tracks is closed, telling the Mayor and the Overseer; true if it closed now. */
async function landConvoy(town: Town, c: Issue, actor: string): Promise<boolean> {
  const st = await convoyStatus(town, c.id);
  if (!st.landed) return false;
  const body = `Convoy ${c.id} "${c.title}" has landed: ${st.total}/${st.total} beads closed.\n\n` +
    st.tracked.map((t) => `- ${t.id} ${t.title}`).join('\n');
  // Closing and telling happen in one transaction: a crash cannot land a convoy silently.
  return (await town.stores.hq()).transaction(async (hq) => {
    if ((await hq.mustGet(c.id)).status === 'closed') return false;
    await hq.closeIssues([c.id], 'landed: every tracked bead is closed', actor);
    await closeLandedEpics(town, epicsOf(c), c.id, actor, hq);
    for (const to of ['mayor', 'overseer']) await sendMail(town, { from: 'deacon', to, subject: fitTitle(`Convoy landed: ${c.title}`), body }, actor, hq);
    return true;
  });
}

/** An epic slung as its children is done when its convoy lands. */
async function closeLandedEpics(town: Town, epics: string[], convoyId: string, actor: string, hq: Tx): Promise<void> {
  for (const id of epics) {
    try {
      const store = await beadHandle(town, id, hq);
      if ((await store.get(id))?.status !== 'closed') await store.closeIssues([id], `every child landed (convoy ${convoyId})`, actor);
    } catch { /* its rig was removed */ }
  }
}
