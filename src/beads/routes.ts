// Finding databases: the local `.beads` (--db, BEADS_DIR, or the nearest ancestor's), and other
// databases by id prefix through `.beads/routes.jsonl` lines {"prefix":"gt-","path":"<dir>"},
// where path is the directory holding that `.beads` (relative to the directory holding the
// routes file's `.beads`). Beads stays generic: the town writes routes, beads only follows them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../lib/errors.js';
import type { Store } from './api.js';
import { openStore } from './open.js';
import { hasStore, readStorePointer } from './pointer.js';

export interface Route { prefix: string; path: string }

/** The `.beads` directory to use: explicit (--db: a .beads dir or its beads.db), BEADS_DIR, else walk up (a database first). */
export function findBeadsDir(startDir: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = explicit || env.BEADS_DIR;
  if (given) {
    const p = resolve(startDir, given);
    return p.endsWith('.db') ? dirname(p) : p;
  }
  // The nearest database wins over a nearer checkout's JSONL: a worktree of a project that tracks
  // its own .beads/issues.jsonl sits inside the directory whose database it belongs to. With no
  // database above, the nearest JSONL is the project's (bd opens it and builds its database).
  let jsonlOnly: string | undefined;
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    const candidate = join(dir, '.beads');
    if (hasStore(candidate)) return candidate;
    if (!jsonlOnly && existsSync(join(candidate, 'issues.jsonl'))) jsonlOnly = candidate;
    if (dirname(dir) === dir) return jsonlOnly;
  }
}

export function readRoutes(beadsDir: string): Route[] {
  const file = join(beadsDir, 'routes.jsonl');
  if (!existsSync(file)) return [];
  const out: Route[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let r: Partial<Route>;
    try {
      r = JSON.parse(line) as Partial<Route>;
    } catch {
      throw new UserError(`${file}:${i + 1}: malformed route line`, 'each line is {"prefix":"xx-","path":"dir"}');
    }
    if (typeof r.prefix === 'string' && typeof r.path === 'string') {
      const base = dirname(beadsDir);
      out.push({ prefix: r.prefix, path: isAbsolute(r.path) ? r.path : resolve(base, r.path) });
    }
  });
  return out;
}

/** The route for an id: from the nearest `.beads/routes.jsonl` at or above startDir; longest prefix wins. */
export function findRoute(startDir: string, id: string): Route | undefined {
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    const beads = join(dir, '.beads');
    if (existsSync(join(beads, 'routes.jsonl'))) {
      const match = readRoutes(beads).filter((r) => id.startsWith(r.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
      if (match) return match;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function routedBeadsDir(route: Route): string {
  const p = basename(route.path) === '.beads' ? route.path : join(route.path, '.beads');
  if (!existsSync(p) || !statSync(p).isDirectory()) throw new UserError(`route ${route.prefix} points to ${route.path}, which has no .beads database`);
  return p;
}

/**
 * The store that holds `id`: the local one when the id carries its prefix (or no route
 * matches), else the database a routes file names for the id's prefix. Callers close it.
 */
export async function openStoreForId(startDir: string, id: string, opts: { db?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Store> {
  const local = findBeadsDir(startDir, opts.db, opts.env);
  if (local && hasStore(local)) {
    const store = await openAt(local);
    try {
      // Exact ids only: a routed full id must not match a longer local id that starts with it.
      if (id.startsWith(store.prefix + '-') || (await store.getExact(id.trim()))) return store;
      const route = findRoute(dirname(local), id);
      if (!route) return store; // a partial id of this database (resolved by the command)
      await store.close();
      return await openAt(routedBeadsDir(route));
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  const route = findRoute(startDir, id);
  if (route) return openAt(routedBeadsDir(route));
  throw new UserError(`no beads database found from ${startDir}`, "run 'bd init' (or pass --db / set BEADS_DIR)");
}

/** The local store (no routing). */
export function openLocalStore(startDir: string, opts: { db?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Store> {
  const dir = findBeadsDir(startDir, opts.db, opts.env);
  if (!dir) return Promise.reject(new UserError(`no beads database found in ${startDir} or above`, "run 'bd init' (or pass --db / set BEADS_DIR)"));
  return openAt(dir);
}

/** A `.beads` directory's store: the one its pointer names (PostgreSQL), else its SQLite database. */
function openAt(beadsDir: string): Promise<Store> {
  return openStore(readStorePointer(beadsDir) ?? { kind: 'sqlite', beadsDir });
}
