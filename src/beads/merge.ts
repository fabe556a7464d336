// Field-level three-way merge of two JSONL versions of the tracker against their common base:
// what git calls with `bd merge %O %A %B`. Independent edits of the same issue on two branches
// both survive; a true conflict on one field goes to the side edited later (updated_at).
import { goJson } from './jsonl.js';
import { KEY_ORDER } from './model.js';
import { UserError } from '../lib/errors.js';
import { compareStamps } from '../lib/time.js';
import { generateId, idPrefix } from './ids.js';

type Rec = Record<string, unknown>;

function parse(text: string, name: string): Map<string, Rec> {
  const out = new Map<string, Rec>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      throw new UserError(`${name}:${i + 1}: not a JSON issue line`, 'the merge driver only merges beads JSONL files');
    }
    const id = (o as Rec)?.id;
    if (typeof id !== 'string') throw new UserError(`${name}:${i + 1}: issue without an id`);
    out.set(id, o as Rec);
  });
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Set-like merge of arrays: keep everything either side kept or added, drop what either side removed. */
function mergeList<T>(base: T[] = [], ours: T[] = [], theirs: T[] = [], key: (x: T) => string): T[] {
  const b = new Set(base.map(key));
  const o = new Map(ours.map((x) => [key(x), x]));
  const t = new Map(theirs.map((x) => [key(x), x]));
  const out: T[] = [];
  const seen = new Set<string>();
  for (const [k, x] of [...o, ...t]) {
    if (seen.has(k)) continue;
    seen.add(k);
    const removed = b.has(k) && (!o.has(k) || !t.has(k));
    if (!removed) out.push(x);
  }
  return out;
}

const LIST_KEYS: Record<string, (x: never) => string> = {
  labels: (x: string) => x,
  dependencies: (d: Rec) => `${d.depends_on_id}\0${d.type}`,
  comments: (c: Rec) => `${c.id}\0${c.author}\0${c.created_at}\0${c.text}`,
};

/** The side edited later, by the instant its updated_at names (zone offsets differ between machines). */
function later(o: Rec, t: Rec): 'ours' | 'theirs' {
  return compareStamps(stamp(t.updated_at), stamp(o.updated_at)) > 0 ? 'theirs' : 'ours';
}

const stamp = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Fields that only make sense together (an open issue has no closed_at): merged as one unit from one side. */
const CLOSE_UNIT = ['status', 'closed_at', 'close_reason'];

export function mergeRecord(base: Rec | undefined, ours: Rec, theirs: Rec): Rec {
  const b = base ?? {};
  const winner = later(ours, theirs);
  const keys = [...new Set([...KEY_ORDER, ...Object.keys(ours), ...Object.keys(theirs)])];
  const unit = (r: Rec) => CLOSE_UNIT.map((k) => r[k]);
  const closeFrom = same(unit(ours), unit(theirs)) || same(unit(theirs), unit(b)) ? ours
    : same(unit(ours), unit(b)) ? theirs : winner === 'ours' ? ours : theirs;
  const out: Rec = {};
  for (const k of keys) {
    const bv = b[k], ov = ours[k], tv = theirs[k];
    let v: unknown;
    if (CLOSE_UNIT.includes(k)) v = closeFrom[k];
    else if (same(ov, tv)) v = ov;
    else if (same(ov, bv)) v = tv;
    else if (same(tv, bv)) v = ov;
    else if (k in LIST_KEYS) {
      const merged = mergeList((bv ?? []) as never[], (ov ?? []) as never[], (tv ?? []) as never[], LIST_KEYS[k]!);
      v = k === 'labels' ? (merged as string[]).sort() : merged;
      if (Array.isArray(v) && v.length === 0) v = undefined;
    } else v = winner === 'ours' ? ov : tv;
    if (v !== undefined) out[k] = v;
  }
  // Keep updated_at monotonic: the merge itself is the newest state of the issue.
  if (ours.updated_at !== undefined || theirs.updated_at !== undefined) out.updated_at = winner === 'ours' ? ours.updated_at : theirs.updated_at;
  return out;
}

/** An issue given a new id because the other side had created a different issue under its id. */
export interface Renamed { from: string; to: string; side: 'ours' | 'theirs'; title: string }

/** Merges three JSONL texts; the result is sorted by id, one canonical line per issue. */
export function mergeJsonl(baseText: string, oursText: string, theirsText: string): string {
  return mergeJsonlReport(baseText, oursText, theirsText).text;
}

/**
 * mergeJsonl, also saying which issues were re-id'd: two sides that created different issues
 * (different created_at) under one id neither had in the base are not one issue to merge field by
 * field; both are kept, the later-created one under a fresh id.
 */
export function mergeJsonlReport(baseText: string, oursText: string, theirsText: string): { text: string; renamed: Renamed[] } {
  const base = parse(baseText, 'base'), ours = parse(oursText, 'ours'), theirs = parse(theirsText, 'theirs');
  const renamed = separateCollisions(base, ours, theirs);
  const ids = [...new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])].sort();
  const lines: string[] = [];
  for (const id of ids) {
    const b = base.get(id), o = ours.get(id), t = theirs.get(id);
    let r: Rec | undefined;
    if (o && t) r = mergeRecord(b, o, t);
    else if (o) r = b && same(o, b) ? undefined : o; // deleted on their side unless we changed it
    else if (t) r = b && same(t, b) ? undefined : t;
    if (r) lines.push(goJson(r));
  }
  return { text: lines.map((l) => l + '\n').join(''), renamed };
}

/** Two records under one id are different issues when neither side got it from the base and they were created apart. */
function differentIssues(b: Rec | undefined, o: Rec, t: Rec): boolean {
  if (b) return false;
  const oc = stamp(o.created_at), tc = stamp(t.created_at);
  return oc !== undefined && tc !== undefined && compareStamps(oc, tc) !== 0;
}

/**
 * Re-ids the later-created issue of each colliding pair on its own side (its children `<id>.N`
 * there move with it), and points that side's dependencies at the new ids: the other side never
 * knew those issues, so its edges mean its own. New ids derive from the record, so every clone
 * merging the same pair picks the same one.
 */
function separateCollisions(base: Map<string, Rec>, ours: Map<string, Rec>, theirs: Map<string, Rec>): Renamed[] {
  const renamed: Renamed[] = [];
  const taken = new Set([...base.keys(), ...ours.keys(), ...theirs.keys()]);
  for (const id of [...ours.keys()].sort()) {
    const o = ours.get(id), t = theirs.get(id);
    if (!o || !t || !differentIssues(base.get(id), o, t)) continue;
    const side = compareStamps(stamp(o.created_at), stamp(t.created_at)) > 0 ? 'ours' : 'theirs';
    const recs = side === 'ours' ? ours : theirs;
    const rec = recs.get(id)!;
    const to = generateId(idPrefix(id) ?? id, `${id}\0${String(rec.created_at)}\0${String(rec.title)}`, taken.size, (x) => taken.has(x));
    const moves = new Map([[id, to]]);
    for (const k of recs.keys()) if (k.startsWith(id + '.') && !base.has(k)) moves.set(k, to + k.slice(id.length));
    for (const [from, dest] of moves) {
      taken.add(dest);
      const r = recs.get(from)!;
      recs.delete(from);
      recs.set(dest, { ...r, id: dest });
      renamed.push({ from, to: dest, side, title: typeof r.title === 'string' ? r.title : '' });
    }
    for (const [k, r] of recs) {
      if (!Array.isArray(r.dependencies)) continue;
      recs.set(k, { ...r, dependencies: (r.dependencies as Rec[]).map((d) => ({
        ...d,
        ...(typeof d.issue_id === 'string' && moves.has(d.issue_id) ? { issue_id: k } : {}),
        ...(typeof d.depends_on_id === 'string' && moves.has(d.depends_on_id) ? { depends_on_id: moves.get(d.depends_on_id) } : {}),
      })) });
    }
  }
  return renamed;
}
