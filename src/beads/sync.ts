// The JSONL file next to the database: change detection by file signature, and
// incremental patching (a sorted file where only the changed issues' lines are replaced).
import { readFileSync, readSync, statSync, type BigIntStats } from 'node:fs';

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
  if (start + ID_HEAD.length > buf.length) return undefined;
  if (buf.compare(ID_HEAD, 0, ID_HEAD.length, start, start + ID_HEAD.length) !== 0) return undefined;
  const from = start + ID_HEAD.length;
  const end = buf.indexOf(QUOTE, from);
  if (end < 0 || buf.subarray(from, end).includes(BACKSLASH)) return undefined;
  return buf.toString('latin1', from, end);
}

const byteKey = (id: string) => Buffer.from(id, 'utf8').toString('latin1');

/**
 * A sorted JSONL's bytes, read by position: a Buffer, or an open file, so a patch reads only the
 * few KB its searches look at (reading a 46 MB file into fresh memory costs more than the rest).
 */
export interface ByteSource {
  readonly size: number;
  /** The bytes [start, end), fewer at the end of the source. */
  read(start: number, end: number): Buffer;
}

export function bufferSource(buf: Buffer): ByteSource {
  return { size: buf.length, read: (start, end) => buf.subarray(start, end) };
}

/** A file open at `fd` of `size` bytes (its stat when opened: the caller checked it is the expected file). */
export function fileSource(fd: number, size: number): ByteSource {
  return {
    size,
    read(start, end) {
      const out = Buffer.allocUnsafe(Math.max(0, Math.min(end, size) - start));
      let got = 0;
      for (let n; got < out.length && (n = readSync(fd, out, got, out.length - got, start + got)) > 0;) got += n;
      return out.subarray(0, got);
    },
  };
}

/** How far a search reads at a time; the id of a line must fit in one read. */
const WINDOW = 4096;

/** The start of the line holding byte `at` (the byte after the previous newline). */
function lineStartAt(src: ByteSource, at: number): number {
  for (let end = at; end > 0;) {
    const from = Math.max(0, end - WINDOW);
    const i = src.read(from, end).lastIndexOf(NL);
    if (i >= 0) return from + i + 1;
    end = from;
  }
  return 0;
}

/** The start of the line after the one starting at `start`. */
function nextLine(src: ByteSource, start: number): number {
  for (let from = start; from < src.size; from += WINDOW) {
    const i = src.read(from, from + WINDOW).indexOf(NL);
    if (i >= 0) return from + i + 1;
  }
  return src.size;
}

const idAt = (src: ByteSource, start: number) => lineId(src.read(start, start + WINDOW), 0);

/** A piece of a patched file: new bytes, or the old file's bytes [start, end). */
export type Piece = Buffer | { start: number; end: number };

/**
 * Applies changes (id -> new line, or null to remove) to a sorted canonical JSONL file, returned
 * as pieces to write in order: the untouched stretches of the old file by position, and the new
 * lines. Each change costs a binary search over byte offsets (seek to the middle, back up to the
 * line start, read its id), so neither scanning nor copying the whole file. Works on bytes (no
 * UTF-8 decoding of the file: that alone costs more than the rest).
 * The file must be sorted by id bytes: the importer checks that (a search cannot) and has the file
 * rewritten in full when it is not. Returns undefined, so the caller writes the file in full, when
 * the file does not end with a newline, a line it reads is not canonical (no leading id, a blank
 * line), or a replaced id's line is followed by the same id again.
 */
export function patchLines(src: ByteSource, changes: Map<string, string | null>): Piece[] | undefined {
  const size = src.size;
  if (size && src.read(size - 1, size)[0] !== NL) return undefined;
  const out: Piece[] = [];
  let pos = 0; // start of the first line not yet copied or dropped
  for (const [key, id] of [...changes.keys()].map((k) => [byteKey(k), k] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    // The first line at or after pos whose id is >= key: lo and hi are line starts throughout.
    let lo = pos, hi = size;
    while (lo < hi) {
      const s = Math.max(lo, lineStartAt(src, Math.floor((lo + hi) / 2))); // in [lo, mid]
      const m = idAt(src, s);
      if (m === undefined) return undefined;
      if (m < key) lo = nextLine(src, s);
      else hi = s;
    }
    if (lo > pos) out.push({ start: pos, end: lo });
    pos = lo;
    if (pos < size && idAt(src, pos) === key) {
      pos = nextLine(src, pos); // drop the old line
      const after = pos < size ? idAt(src, pos) : '';
      if (after === undefined || (pos < size && after <= key)) return undefined; // a duplicate id
    }
    const line = changes.get(id);
    if (line) out.push(Buffer.from(line + '\n', 'utf8'));
  }
  if (pos < size) out.push({ start: pos, end: size });
  return out;
}

/** patchLines over a Buffer: the untouched stretches are views of it, not copies. */
export function patchJsonl(buf: Buffer, changes: Map<string, string | null>): Buffer[] | undefined {
  return patchLines(bufferSource(buf), changes)?.map((p) => (Buffer.isBuffer(p) ? p : buf.subarray(p.start, p.end)));
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
