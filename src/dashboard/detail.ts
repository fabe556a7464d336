// The dashboard's detail reads: one MR with its evidence and diff, a mail thread, a convoy's
// progress over time, and the bead list with filters and search. Read-only; each reads the
// services. (An agent's pane is runtime's: runtime/pane.ts.)
import type { BeadEvent, Issue, ListFilter, Store } from '../beads/api.js';
import { convoyStatus } from '../work/convoy.js';
import { NotFoundError, UserError } from '../lib/errors.js';
import { MESSAGE_TYPE, thread, type Message } from '../work/mail.js';
import { gitTry } from '../lib/git.js';
import { mqStatus, type MrStatus } from '../refinery/mq.js';
import { listRigs, loadRig } from '../town/rig.js';
import type { Town } from '../town/town.js';

export interface MrDetail extends MrStatus { diffstat?: string; diff?: string }

const MAX_DIFF = 200_000;

/** An MR with its attempts (test output tails, conflict files) and its branch's diff against the target. */
export async function mrDetail(town: Town, id: string): Promise<MrDetail> {
  const mr = await mqStatus(town, id);
  const out: MrDetail = { ...mr };
  if (!mr.rig) return out;
  const rig = loadRig(town, mr.rig);
  const range = [`${mr.target}...${mr.branch}`];
  const stat = await gitTry(rig.repoDir, ['diff', '--stat', ...range]);
  // A merged MR's branch may be gone: its evidence stays, the diff does not.
  if (stat.code !== 0) return out;
  out.diffstat = stat.stdout;
  const diff = await gitTry(rig.repoDir, ['diff', ...range]);
  out.diff = diff.stdout.length > MAX_DIFF ? `${diff.stdout.slice(0, MAX_DIFF)}\n… (cut at ${MAX_DIFF} characters)` : diff.stdout;
  return out;
}

export interface MailThread { thread: string; subject: string; messages: Message[] }

/** A mail thread, oldest first, by its thread id or the id of any message in it. */
export async function mailThread(town: Town, id: string): Promise<MailThread> {
  let messages = await thread(town, id);
  if (!messages.length) {
    const m = await (await town.stores.hq()).get(id);
    if (m?.issue_type === MESSAGE_TYPE) messages = await thread(town, String(m.fields.thread ?? m.id));
  }
  if (!messages.length) throw new NotFoundError('mail thread', id);
  return { thread: messages[0]!.thread, subject: messages[0]!.subject, messages };
}

/** A convoy's progress at one moment: how many of its beads were closed, and how many worked on. */
export interface ProgressPoint { at: string; closed: number; active: number }
export interface ConvoyHistory { id: string; total: number; points: ProgressPoint[] }

const ACTIVE = new Set(['hooked', 'in_progress']);

/**
 * Progress over time from the tracked beads' events (created, claimed, status changes, closes,
 * reopens): one point per moment a count changed, oldest first. A bead counts as open until its
 * first event says otherwise. Pure.
 */
export function progressOverTime(events: Pick<BeadEvent, 'issue_id' | 'event_type' | 'new_value' | 'created_at'>[]): ProgressPoint[] {
  const status = new Map<string, string>();
  const points: ProgressPoint[] = [];
  const sorted = [...events].sort((a, b) => a.created_at.localeCompare(b.created_at));
  for (const e of sorted) {
    const next = e.event_type === 'claimed' ? 'in_progress'
      : ['status_changed', 'closed', 'reopened'].includes(e.event_type) ? e.new_value ?? (e.event_type === 'closed' ? 'closed' : 'open')
        : e.event_type === 'created' ? 'open' : undefined;
    if (!next) continue;
    status.set(e.issue_id, next);
    let closed = 0;
    let active = 0;
    for (const s of status.values()) if (s === 'closed') closed++; else if (ACTIVE.has(s)) active++;
    const lastPoint = points[points.length - 1];
    if (lastPoint && lastPoint.closed === closed && lastPoint.active === active) continue;
    if (lastPoint?.at === e.created_at) points.pop(); // one point per moment
    points.push({ at: e.created_at, closed, active });
  }
  return points;
}

/** A convoy's progress over time, read from its tracked beads' events. */
export async function convoyHistory(town: Town, id: string): Promise<ConvoyHistory> {
  const c = await convoyStatus(town, id);
  const events: BeadEvent[] = [];
  for (const t of c.tracked) if (!t.missing) events.push(...await (await town.stores.forBead(t.id)).events(t.id));
  return { id: c.id, total: c.total, points: progressOverTime(events) };
}

export interface BeadQuery { q?: string; status?: string; type?: string; rig?: string; assignee?: string; limit?: number }
export interface BeadRow { id: string; rig: string; title: string; status: string; issue_type: string; priority: number; assignee?: string; updated_at: string }

const BOOKKEEPING = ['agent', 'merge-request', 'message', 'event'];
export const BEAD_LIST_LIMIT = 200;

/** Query-string parameters to a bead query. Pure. */
export function parseBeadQuery(params: URLSearchParams): BeadQuery {
  const get = (k: string) => params.get(k)?.trim() || undefined;
  const limit = Number(get('limit') ?? BEAD_LIST_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UserError(`limit must be a whole number from 1 to 1000, got '${get('limit')}'`);
  return { q: get('q'), status: get('status'), type: get('type'), rig: get('rig'), assignee: get('assignee'), limit };
}

/** Work beads across the town (HQ and every rig), newest change first; bookkeeping types hidden unless asked for. */
export async function listBeads(town: Town, query: BeadQuery): Promise<BeadRow[]> {
  const filter: ListFilter = { limit: query.limit ?? BEAD_LIST_LIMIT };
  if (query.status) filter.status = query.status as Issue['status'];
  if (query.type) filter.type = query.type;
  else filter.excludeType = BOOKKEEPING;
  if (query.assignee) filter.assignee = query.assignee;
  if (query.q) filter.text = query.q;
  const stores: [string, Store][] = [];
  if (query.rig === 'hq') stores.push(['hq', await town.stores.hq()]);
  else if (query.rig) stores.push([query.rig, await town.stores.rig(loadRig(town, query.rig))]);
  else {
    stores.push(['hq', await town.stores.hq()]);
    for (const r of listRigs(town)) stores.push([r.name, await town.stores.rig(r)]);
  }
  const rows: BeadRow[] = [];
  for (const [rig, store] of stores) {
    const hits = new Map((await store.list(filter)).map((b) => [b.id, b]));
    // An id typed into the search finds its bead even when the text does not mention it.
    if (query.q) for (const b of await store.list({ ...filter, text: undefined, ids: [query.q] })) hits.set(b.id, b);
    for (const b of hits.values()) rows.push({ id: b.id, rig, title: b.title, status: b.status, issue_type: b.issue_type, priority: b.priority, assignee: b.assignee, updated_at: b.updated_at });
  }
  return rows.sort((a, b) => b.updated_at.localeCompare(a.updated_at) || a.id.localeCompare(b.id)).slice(0, query.limit ?? BEAD_LIST_LIMIT);
}
