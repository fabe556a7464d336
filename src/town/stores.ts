// One open store per beads directory per process: commands touch the HQ and a rig's store several
// times, and reopening SQLite for each call would waste the start-up we work to keep small.
import { resolve } from 'node:path';
import { openStore, type BeadStore } from '../beads/store.js';

const open = new Map<string, BeadStore>();

export function storeAt(beadsDir: string, opts?: { create?: boolean; prefix?: string }): BeadStore {
  const key = resolve(beadsDir);
  let s = open.get(key);
  if (!s) {
    s = openStore(key, opts);
    open.set(key, s);
  }
  return s;
}

/** Closes and forgets a store (before its directory is removed). */
export function forgetStore(beadsDir: string): void {
  const key = resolve(beadsDir);
  open.get(key)?.close();
  open.delete(key);
}
