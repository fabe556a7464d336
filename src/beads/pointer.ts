// A `.beads` directory whose store lives elsewhere (a PostgreSQL namespace) holds a pointer to it,
// `store.json` ({kind, url, namespace}), so bd run anywhere below finds that store exactly as it
// finds a `beads.db`. The town writes it when it opens such a store; it may hold the URL's
// password, so it is written readable by its owner only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fsx.js';
import type { StoreSpec } from './api.js';

export const STORE_POINTER = 'store.json';
type PointerSpec = Extract<StoreSpec, { kind: 'postgres' }>;

/** Whether this `.beads` directory has a store: an SQLite database or a pointer to one elsewhere. */
export function hasStore(beadsDir: string): boolean {
  return existsSync(join(beadsDir, 'beads.db')) || existsSync(join(beadsDir, STORE_POINTER));
}

/** The store a pointer names, or undefined when the directory has none. */
export function readStorePointer(beadsDir: string): PointerSpec | undefined {
  const file = join(beadsDir, STORE_POINTER);
  if (!existsSync(file)) return undefined;
  let p: Partial<PointerSpec>;
  try {
    p = JSON.parse(readFileSync(file, 'utf8')) as Partial<PointerSpec>;
  } catch {
    throw new UserError(`${file} is not valid JSON`, 'it names the store: {"kind":"postgres","url":"postgres://...","namespace":"<rig>"}');
  }
  if (p.kind !== 'postgres' || typeof p.url !== 'string' || typeof p.namespace !== 'string') {
    throw new UserError(`${file} does not name a store`, 'it needs kind "postgres", a url and a namespace');
  }
  return { kind: 'postgres', url: p.url, namespace: p.namespace };
}

/** Records where this directory's store lives (idempotent; owner-only, as it may hold a password). */
export function writeStorePointer(beadsDir: string, spec: PointerSpec): void {
  const current = existsSync(join(beadsDir, STORE_POINTER)) ? readStorePointer(beadsDir) : undefined;
  if (current && current.url === spec.url && current.namespace === spec.namespace) return;
  const file = join(beadsDir, STORE_POINTER);
  writeFileAtomic(file, `${JSON.stringify({ kind: spec.kind, url: spec.url, namespace: spec.namespace })}\n`, { mode: 0o600 });
}
