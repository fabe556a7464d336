// Small file helpers: atomic writes (write temp, rename) so a crash never leaves half a file.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, type BigIntStats } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** Runs just before the rename; false abandons the write (the temp file is removed, path untouched). */
  beforeRename?: () => boolean;
}

/**
 * Writes a temp file beside `path` and renames it over `path`, so readers (and git) never see
 * half a file. Returns the written file's stat taken from the temp file's own descriptor (rename
 * keeps inode, size and mtime), so a concurrent rewrite of `path` cannot pass for ours; or
 * undefined when beforeRename abandoned the write.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): BigIntStats | undefined {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  let stat: BigIntStats;
  const fd = openSync(tmp, 'w');
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

export function readFileOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
