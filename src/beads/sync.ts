// The JSONL file next to the database: change detection by file signature, and
// incremental patching (a sorted file where only the changed issues' lines are replaced).
import { readFileSync, statSync, type BigIntStats } from 'node:fs';

/** size:mtime:inode, or 'missing': cheap to read on every command, changes on any rewrite. */
export function fileSignature(path: string): string {
  try {
    return statSignature(statSync(path, { bigint: true }));
  } catch {
    return 'missing';
  }
}

export function statSignature(s: BigIntStats): string {
  return `${s.size}:${s.mtimeNs}:${s.ino}`;
}

export function readIfExists(path: string): string | undefined;
export function readIfExists(path: string, raw: 'raw'): Buffer | undefined;
export function readIfExists(path: string, raw?: 'raw'): string | Buffer | undefined {
  try {
    return raw ? readFileSync(path) : readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const ID_HEAD = Buffer.from('{"id":"');
const QUOTE = 0x22, BACKSLASH = 0x5c, NL = 0x0a;

/**
 * The id of the canonical line (one that starts with its id) at `start`, as a latin1 string of its
 * UTF-8 bytes, so that JS string order equals byte order (SQLite's and the file's sort order).
 */
export function lineId(buf: Buffer, start: number): string | undefined {
  if (buf.compare(ID_HEAD, 0, ID_HEAD.length, start, start + ID_HEAD.length) !== 0) return undefined;
  const from = start + ID_HEAD.length;
  const end = buf.indexOf(QUOTE, from);
  if (end < 0 || buf.subarray(from, end).includes(BACKSLASH)) return undefined;
  return buf.toString('latin1', from, end);
}

const byteKey = (id: string) => Buffer.from(id, 'utf8').toString('latin1');

/** The start of the line holding byte `at` (the byte after the previous newline). */
function lineStartAt(buf: Buffer, at: number): number {
  return at <= 0 ? 0 : buf.lastIndexOf(NL, at - 1) + 1;
}

/** The start of the line after the one starting at `start` (the file ends with a newline). */
const nextLine = (buf: Buffer, start: number) => buf.indexOf(NL, start) + 1;

/**
 * Applies changes (id -> new line, or null to remove) to a sorted canonical JSONL file's bytes,
 * returned as pieces to write in order: untouched stretches are views of `buf`, so a change costs
 * a few binary searches over byte offsets, not a scan (or a copy) of the whole file. Works on
 * bytes (no UTF-8 decoding of the whole file: that alone costs more than the rest).
 * The file must be sorted by id bytes: the importer checks that (a search cannot) and has the file
 * rewritten in full when it is not. Returns undefined, so the caller writes the file in full, when
 * the file does not end with a newline, a line it reads is not canonical (no leading id, a blank
 * line), or a replaced id's line is followed by the same id again.
 */
export function patchJsonl(buf: Buffer, changes: Map<string, string | null>): Buffer[] | undefined {
  if (buf.length && buf[buf.length - 1] !== NL) return undefined;
  const out: Buffer[] = [];
  let pos = 0; // start of the first line not yet copied or dropped
  for (const [key, id] of [...changes.keys()].map((k) => [byteKey(k), k] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    // The first line at or after pos whose id is >= key: lo and hi are line starts throughout.
    let lo = pos, hi = buf.length;
    while (lo < hi) {
      const s = lineStartAt(buf, Math.floor((lo + hi) / 2)); // in [lo, mid]: buf[lo - 1] is a newline
      const m = lineId(buf, s);
      if (m === undefined) return undefined;
      if (m < key) lo = nextLine(buf, s);
      else hi = s;
    }
    if (lo > pos) out.push(buf.subarray(pos, lo));
    pos = lo;
    if (pos < buf.length && lineId(buf, pos) === key) {
      pos = nextLine(buf, pos); // drop the old line
      const after = pos < buf.length ? lineId(buf, pos) : '';
      if (after === undefined || (pos < buf.length && after <= key)) return undefined; // a duplicate id
    }
    const line = changes.get(id);
    if (line) out.push(Buffer.from(line + '\n', 'utf8'));
  }
  if (pos < buf.length) out.push(buf.subarray(pos));
  return out;
}

/**
 * What loading a JSONL that changed underneath (git pull, checkout) does to the database: the
 * file's records replace the database's, and issues missing from the file go, except the ids with
 * committed but unexported local changes (`dirty`): for those the database wins (kept as they
 * are, even when the file dropped them) and the next flush writes them over the file's lines.
 * `dbIds` are the database's exportable (non-wisp) ids.
 */
export function planImport(fileIds: Iterable<string>, dbIds: Iterable<string>, dirty: ReadonlySet<string>): { upsert: Set<string>; remove: string[] } {
  const inFile = new Set(fileIds);
  const upsert = new Set([...inFile].filter((id) => !dirty.has(id)));
  const remove = [...dbIds].filter((id) => !inFile.has(id) && !dirty.has(id));
  return { upsert, remove };
}
