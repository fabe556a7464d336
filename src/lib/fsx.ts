// Small file helpers: atomic writes (write temp, rename) so a crash never leaves half a file.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, type BigIntStats } from 'node:fs';
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
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): BigIntStats | undefined {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}${TMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  let stat: BigIntStats;
  const fd = openSync(tmp, 'w', opts.mode ?? 0o666);
  try {
    writeFileSync(fd, data);
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
