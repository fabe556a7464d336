// Small file helpers: atomic writes (write temp, rename) so a crash never leaves half a file.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync, writevSync, type BigIntStats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isAlive } from './proc.js';

/** Temp files are `<path>.tmp-<writer pid>-<random>`, so a stale one names the writer that left it. */
const TMP_MARK = '.tmp-';

export interface AtomicWriteOptions {
  /** Runs just before the rename; false abandons the write (the temp file is removed, path untouched). */
  beforeRename?: () => boolean;
  /** The file's permission bits, set when the temp file is created (e.g. 0o600 for a secret). */
  mode?: number;
}

/**
 * Writes a temp file beside `path` (named as removeStaleTemps expects; the caller renames or removes
 * it) and returns its name and its stat from its own descriptor. `data` may be a function that
 * writes the descriptor itself (writePieces).
 */
export function writeTemp(path: string, data: string | Uint8Array | ((fd: number) => void), mode = 0o666): { path: string; stat: BigIntStats } {
  const tmp = `${path}${TMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    if (typeof data === 'function') data(fd);
    else writeFileSync(fd, data);
    return { path: tmp, stat: fstatSync(fd, { bigint: true }) };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a temp file beside `path` and renames it over `path`, so readers (and git) never see
 * half a file. Returns the written file's stat taken from the temp file's own descriptor (rename
 * keeps inode, size and mtime), so a concurrent rewrite of `path` cannot pass for ours; or
 * undefined when beforeRename abandoned the write.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | ((fd: number) => void), opts: AtomicWriteOptions = {}): BigIntStats | undefined {
  mkdirSync(dirname(path), { recursive: true });
  const temp = writeTemp(path, data, opts.mode);
  if (opts.beforeRename && !opts.beforeRename()) {
    rmSync(temp.path, { force: true });
    return undefined;
  }
  try {
    renameSync(temp.path, path);
  } catch (e) {
    rmSync(temp.path, { force: true });
    throw e;
  }
  return temp.stat;
}

/** The largest batch handed to one writev (Linux's IOV_MAX is 1024). */
const WRITEV_BATCH = 1024;
/** Ranges of another file are copied through one buffer of this size (reused: fresh memory is what costs). */
const COPY_CHUNK = 1 << 20;

/** A piece of a file being written: bytes, or the bytes [start, end) of the file open at `from`. */
export type FilePiece = Uint8Array | { start: number; end: number };

/**
 * Writes the pieces in order at the descriptor's position, without joining them into one buffer
 * first (joining a large file costs more than writing it): runs of bytes with writev, ranges of
 * the file open at `from` copied through a reused buffer. Retries the rest of a short write.
 */
export function writePieces(fd: number, pieces: readonly FilePiece[], from?: number): void {
  let scratch: Buffer | undefined;
  for (let i = 0; i < pieces.length;) {
    const p = pieces[i]!;
    if (p instanceof Uint8Array) {
      let j = i;
      while (j < pieces.length && j - i < WRITEV_BATCH && pieces[j] instanceof Uint8Array) j++;
      writeAll(fd, pieces.slice(i, j) as Uint8Array[]);
      i = j;
      continue;
    }
    if (from === undefined) throw new Error('writePieces: a range needs the file to copy it from');
    scratch ??= Buffer.allocUnsafe(Math.min(COPY_CHUNK, longestRange(pieces))); // sized once, for the longest copy
    for (let at = p.start; at < p.end;) {
      const n = readSync(from, scratch, 0, Math.min(scratch.length, p.end - at), at);
      if (n <= 0) throw new Error(`writePieces: the source ended at byte ${at} of ${p.end}`);
      for (let done = 0; done < n;) done += writeSync(fd, scratch, done, n - done);
      at += n;
    }
    i++;
  }
}

function longestRange(pieces: readonly FilePiece[]): number {
  return pieces.reduce((m, p) => (p instanceof Uint8Array ? m : Math.max(m, p.end - p.start)), 0);
}

function writeAll(fd: number, batch: Uint8Array[]): void {
  for (let k = 0; k < batch.length;) {
    let n = writevSync(fd, k ? batch.slice(k) : batch);
    for (; k < batch.length && n >= batch[k]!.byteLength; k++) n -= batch[k]!.byteLength;
    if (n > 0) batch[k] = batch[k]!.subarray(n); // a short write ended inside this piece
  }
}

/**
 * Removes the temp files a writer of `path` left behind when it died between write and rename:
 * those whose writer pid is gone, and any older than `maxAgeMs` (a pid can be reused). A live
 * writer's temp file is left alone. Returns the names removed.
 */
export function removeStaleTemps(path: string, maxAgeMs = 60 * 60_000, now = Date.now()): string[] {
  const dir = dirname(path);
  const head = basename(path) + TMP_MARK;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(head));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(/^(\d+)-/.exec(name.slice(head.length))?.[1]);
    const file = join(dir, name);
    try {
      const dead = !(pid > 0) || (pid !== process.pid && !isAlive(pid));
      if (!dead && now - statSync(file).mtimeMs < maxAgeMs) continue;
      rmSync(file, { force: true });
      removed.push(name);
    } catch { /* gone already (another cleaner) */ }
  }
  return removed;
}

export function readFileOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
