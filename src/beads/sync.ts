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

/**
 * Applies changes (id -> new line, or null to remove) to a sorted canonical JSONL file's bytes.
 * Works on bytes (no UTF-8 decoding of the whole file: that alone costs more than the rest).
 * The file must be sorted by id (the importer rewrites it in full when it is not); returns
 * undefined when a line is not canonical, so the caller writes the file in full.
 */
export function patchJsonl(buf: Buffer, changes: Map<string, string | null>): Buffer | undefined {
  const starts: number[] = [];
  for (let pos = 0; pos < buf.length;) {
    const nl = buf.indexOf(NL, pos);
    const end = nl < 0 ? buf.length : nl;
    if (end > pos) starts.push(pos);
    pos = end + 1;
  }
  if (buf.length && buf[buf.length - 1] !== NL) return undefined;
  const ids = new Map<number, string | undefined>();
  const idAt = (i: number) => {
    if (!ids.has(i)) ids.set(i, lineId(buf, starts[i]!));
    return ids.get(i);
  };
  const out: Buffer[] = [];
  let i = 0; // next unread line index
  for (const [key, id] of [...changes.keys()].map((k) => [byteKey(k), k] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    let lo = i, hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = idAt(mid);
      if (m === undefined) return undefined;
      if (m < key) lo = mid + 1;
      else hi = mid;
    }
    if (lo > i) out.push(buf.subarray(starts[i]!, starts[lo]!));
    i = lo;
    if (i < starts.length && idAt(i) === key) i++; // drop the old line
    const line = changes.get(id);
    if (line) out.push(Buffer.from(line + '\n', 'utf8'));
  }
  if (i < starts.length) out.push(buf.subarray(starts[i]!));
  return Buffer.concat(out);
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
