// The JSONL file next to the database: atomic writes, change detection by file signature, and
// incremental patching (a sorted file where only the changed issues' lines are replaced).
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';

/** size:mtime:inode, or 'missing': cheap to read on every command, changes on any rewrite. */
export function fileSignature(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.size}:${s.mtimeNs}:${s.ino}`;
  } catch {
    return 'missing';
  }
}

/** Write-temp-then-rename, so readers (and git) never see half a file. Returns the new signature. */
export function writeAtomic(path: string, text: string, durable = false): string {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return fileSignature(path);
}

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const ID_HEAD = '{"id":"';

/** The id of a canonical line (one that starts with its id), else undefined. */
export function lineId(text: string, start: number): string | undefined {
  if (!text.startsWith(ID_HEAD, start)) return undefined;
  const end = text.indexOf('"', start + ID_HEAD.length);
  if (end < 0) return undefined;
  const id = text.slice(start + ID_HEAD.length, end);
  return id.includes('\\') ? undefined : id;
}

/**
 * Applies changes (id -> new line, or null to remove) to a sorted canonical JSONL text.
 * Returns undefined when the text is not sorted/canonical, so the caller writes it in full.
 */
export function patchJsonl(text: string, changes: Map<string, string | null>): string | undefined {
  // Line starts, and each line's id (all must be canonical and strictly increasing).
  const starts: number[] = [];
  const ids: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    if (end > pos) {
      const id = lineId(text, pos);
      if (id === undefined || (ids.length && ids[ids.length - 1]! >= id)) return undefined;
      starts.push(pos);
      ids.push(id);
    }
    pos = end + 1;
  }
  const lineEnd = (i: number) => {
    const nl = text.indexOf('\n', starts[i]!);
    return nl < 0 ? text.length : nl;
  };
  const sorted = [...changes.keys()].sort();
  const out: string[] = [];
  let i = 0; // next unread line index
  const copyUpTo = (j: number) => {
    // Copy lines i..j-1 verbatim, as one slice.
    if (j > i) out.push(text.slice(starts[i]!, lineEnd(j - 1)) + '\n');
    i = j;
  };
  for (const id of sorted) {
    // Binary search for the first line with id >= target, from i.
    let lo = i, hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    copyUpTo(lo);
    if (i < ids.length && ids[i] === id) i++; // drop the old line
    const line = changes.get(id);
    if (line) out.push(line + '\n');
  }
  copyUpTo(ids.length);
  return out.join('');
}
