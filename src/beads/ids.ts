// Issue ids: `<prefix>-<base36 hash>`, as short as the database size allows, and `<parent>.N`
// for children. Pure: the store supplies the existence check and the randomness.
import { digestBytes } from '../lib/hash.js';

/** Shortest hash length (3..8) keeping the birthday collision chance under 1% at this size. */
export function hashLength(existing: number): number {
  for (let n = 3; n < 8; n++) {
    const space = 36 ** n;
    const p = 1 - Math.exp(-((existing + 1) ** 2) / (2 * space));
    if (p < 0.01) return n;
  }
  return 8;
}

export function base36Hash(seed: string, length: number): string {
  const digest = digestBytes('sha256', seed);
  let n = digest.readBigUInt64BE(0);
  let out = '';
  while (out.length < length) {
    out += (n % 36n).toString(36);
    n /= 36n;
  }
  return out;
}

/** Picks a fresh id: tries the adaptive length first and grows it on collisions. */
export function generateId(prefix: string, seed: string, existing: number, taken: (id: string) => boolean): string {
  for (const id of idCandidates(prefix, seed, existing)) if (!taken(id)) return id;
  throw new Error('unreachable: idCandidates is endless');
}

/** The ids generateId tries, in order (endless): a backend whose existence check is asynchronous walks these. */
export function* idCandidates(prefix: string, seed: string, existing: number): Generator<string, never> {
  let len = hashLength(existing);
  for (let attempt = 0; ; attempt++) {
    yield `${prefix}-${base36Hash(`${seed}\0${attempt}`, len)}`;
    if (attempt % 3 === 2 && len < 12) len++;
  }
}

/** The number of a direct child id (`bd-x.3` under `bd-x` -> 3), or undefined. */
export function childNumber(parent: string, id: string): number | undefined {
  if (!id.startsWith(parent + '.')) return undefined;
  const rest = id.slice(parent.length + 1);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

export function validPrefix(p: string): boolean {
  return /^[a-z][a-z0-9_-]{0,15}$/i.test(p) && !p.endsWith('-');
}

/** The prefix of an id: what precedes the hash (`my-proj-a1b2.3` -> `my-proj`), or undefined. */
export function idPrefix(id: string): string | undefined {
  const top = id.replace(/(\.\d+)+$/, '');
  const cut = top.lastIndexOf('-');
  const p = cut > 0 ? top.slice(0, cut) : undefined;
  return p && validPrefix(p) ? p : undefined;
}

/**
 * The prefix most of a JSONL's issues use (a fresh clone's `bd init` keeps the project's prefix
 * rather than naming it after the directory). Reads ids only, so a file that does not parse
 * still tells; undefined when it holds no issue.
 */
export function prefixOfJsonl(text: string): string | undefined {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^\s*\{\s*"id"\s*:\s*"([^"\\]+)"/gm)) {
    const p = idPrefix(m[1]!);
    if (p) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [p, n] of counts) if (!best || n > counts.get(best)! || (n === counts.get(best) && p < best)) best = p;
  return best;
}
