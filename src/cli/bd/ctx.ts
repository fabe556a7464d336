// What the Beads-compatible bd commands share: the command context, opening the store (awaited,
// so the asynchronous store drops in unchanged), and parsing flag values as Beads accepts them.
import type { Command } from 'commander';
import { UserError } from '../../lib/errors.js';
import { resolveActor } from '../../beads/actor.js';
import { openLocalStore, openStoreForId } from '../../beads/routes.js';
import { isStatus, parsePriority, statusShaped, type Issue, type Status } from '../../beads/model.js';

export interface Ctx { program: Command; args: unknown[]; opts: Record<string, unknown> }
export type BdStore = Awaited<ReturnType<typeof openLocalStore>>;
export type { Tx } from "../../beads/api.js";

export const g = (c: Ctx) => c.program.opts() as { db?: string; actor?: string; json?: boolean; quiet?: boolean };
export const actorOf = (c: Ctx) => resolveActor(g(c).actor);

export async function local(c: Ctx): Promise<BdStore> {
  return await openLocalStore(process.cwd(), { db: g(c).db });
}
export async function forId(c: Ctx, id: string): Promise<BdStore> {
  return await openStoreForId(process.cwd(), id, { db: g(c).db });
}
/**
 * Groups ids by the store that holds them, so each database gets one call of fn. Every id of every
 * group is resolved before the first write: a bad id in the second database must not leave the
 * first one changed.
 */
export async function byStore(c: Ctx, ids: string[], fn: (s: BdStore, ids: string[]) => Promise<Issue[]>): Promise<Issue[]> {
  const out: Issue[] = [];
  const groups = new Map<string, { store: BdStore; ids: string[] }>();
  try {
    for (const id of ids) {
      const s = await forId(c, id);
      const gr = groups.get(s.location);
      if (gr) { gr.ids.push(id); await s.close(); } else groups.set(s.location, { store: s, ids: [id] });
    }
    for (const { store, ids: mine } of groups.values()) for (const id of mine) await store.mustGet(id);
    for (const { store, ids: mine } of groups.values()) out.push(...await fn(store, mine));
  } finally {
    for (const { store } of groups.values()) await store.close();
  }
  return out;
}

/** Runs fn with the store and closes it whatever happens. */
export async function withStore<T>(store: BdStore | Promise<BdStore>, fn: (s: BdStore) => Promise<T>): Promise<T> {
  const s = await store;
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export function priorityArg(v: unknown, name = 'priority'): number | undefined {
  if (v === undefined || v === '') return undefined;
  const p = parsePriority(String(v));
  if (p === undefined) throw new UserError(`invalid ${name} "${v}"`, 'priority is 0 (critical) to 4 (backlog), e.g. -p 1 or P1');
  return p;
}
export function statusArg(v: string): Status {
  const s = v.replace('-', '_');
  if ((!isStatus(s) && !statusShaped(s)) || s === 'tombstone') {
    throw new UserError(`invalid status "${v}"`, 'use open, in_progress, blocked, deferred, closed, pinned, hooked or a configured custom status');
  }
  return s;
}
/** A comma list of statuses; `all` means every status (Beads' `--status all`). */
export function statusesArg(v: unknown): Status[] | 'all' | undefined {
  if (v === undefined) return undefined;
  const list = v as string[];
  if (list.includes('all')) return 'all';
  return list.map(statusArg);
}
export function wholeArg(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(String(v))) throw new UserError(`invalid ${name} "${v}"`, `${name} is a whole number`);
  return Number(v);
}

/**
 * A date as Beads' flags take it: 2025-01-15, an RFC 3339 time, +6h / +1d / +2w (from now),
 * today, tomorrow. Returns an ISO timestamp.
 */
export function dateArg(v: string, name: string, now = new Date()): string {
  const s = v.trim().toLowerCase();
  const rel = s.match(/^\+(\d+)([mhdw])$/);
  if (rel) {
    const unit = { m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[rel[2] as 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() + Number(rel[1]) * unit).toISOString();
  }
  if (s === 'today' || s === 'tomorrow') {
    const d = new Date(now);
    d.setUTCHours(0, 0, 0, 0);
    if (s === 'tomorrow') d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}([tT ][\d:.]+([zZ]|[+-]\d{2}:?\d{2})?)?$/.test(v.trim())) {
    const t = Date.parse(v.trim().length === 10 ? `${v.trim()}T00:00:00Z` : v.trim());
    if (Number.isFinite(t)) return new Date(t).toISOString();
  }
  throw new UserError(`invalid ${name} "${v}"`, 'use a date (2025-01-15), a time (2025-01-15T10:00:00Z), +6h, +1d, +2w, today or tomorrow');
}
