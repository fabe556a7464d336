// Small file helpers: atomic writes (write temp, rename) so a crash never leaves half a file.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writevSync, type BigIntStats } from 'node:fs';
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
 * Writes a temp file beside `path` and renames it over `path`, so readers (and git) never see
 * half a file. Returns the written file's stat taken from the temp file's own descriptor (rename
 * keeps inode, size and mtime), so a concurrent rewrite of `path` cannot pass for ours; or
 * undefined when beforeRename abandoned the write.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[], opts: AtomicWriteOptions = {}): BigIntStats | undefined {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}${TMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  let stat: BigIntStats;
  const fd = openSync(tmp, 'w', opts.mode ?? 0o666);
  try {
    if (Array.isArray(data)) writePieces(fd, data);
    else writeFileSync(fd, data as string | Uint8Array);
    stat = fstatSync(fd, { bigint: true });
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  if (opts.beforeRename && !opts.beforeRename()) {
    rmSync(tmp, { force: true });
    return undefined;
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return stat;
}

/** The largest batch handed to one writev (Linux's IOV_MAX is 1024). */
const WRITEV_BATCH = 1024;

/**
 * Writes the pieces in order at the descriptor's position, without joining them into one buffer
 * first (joining a large file costs more than writing it). Retries the rest of a short write.
 */
export function writePieces(fd: number, pieces: readonly Uint8Array[]): void {
  let i = 0;
  let head: Uint8Array | undefined; // the unwritten rest of pieces[i] after a short write
  while (i < pieces.length) {
    const batch = pieces.slice(i, i + WRITEV_BATCH);
    if (head) batch[0] = head;
    let n = writevSync(fd, batch);
    head = undefined;
    for (const p of batch) {
      if (n < p.byteLength) {
        head = p.subarray(n);
        break;
      }
      n -= p.byteLength;
      i++;
    }
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
