// Field-level three-way merge of two JSONL versions of the tracker against their common base:
// what git calls with `bd merge %O %A %B`. Independent edits of the same issue on two branches
// both survive; a true conflict on one field goes to the side edited later (updated_at).
import { goJson } from './jsonl.js';
import { KEY_ORDER } from './model.js';
import { UserError } from '../lib/errors.js';
import { compareStamps } from '../lib/time.js';

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

/** Merges three JSONL texts; the result is sorted by id, one canonical line per issue. */
export function mergeJsonl(baseText: string, oursText: string, theirsText: string): string {
  const base = parse(baseText, 'base'), ours = parse(oursText, 'ours'), theirs = parse(theirsText, 'theirs');
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
  return lines.map((l) => l + '\n').join('');
}
