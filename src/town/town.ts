// The Town: the HQ directory holding town.toml, the HQ beads database (prefix hq), the mayor's and
// deacon's directories, and one directory per rig. Found via GT_TOWN or by walking up from the cwd.
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomHex } from '../lib/hash.js';
import { UserError } from '../lib/errors.js';
import { binDir } from '../lib/paths.js';
import { gitSyncTry } from '../lib/git.js';
import { writeFileAtomic } from '../lib/fsx.js';
import { readToml, storeUrlProblem, writeToml, validateAutonomy, validateRuntime, validateStore, validateMachines, type TownConfig } from './config.js';
import { createTownStores, type TownStores } from './stores.js';
import { readStorePointer, writeStorePointer } from '../beads/pointer.js';

export interface Town {
  root: string;
  id: string;
  name: string;
  config: TownConfig;
  /** Directory holding the gt/bd executables, put first on agents' PATH. */
  binDir: string;
  /** The town's stores (HQ and rigs), opened on first use and held by this handle. */
  stores: TownStores;
}

/** Closes the stores this town handle opened (before the process or the handle goes away). */
export async function closeTown(town: Town): Promise<void> {
  await town.stores.closeAll();
}

export const TOWN_FILE = 'town.toml';
export const HQ_PREFIX = 'hq';

/**
 * Everything the town keeps at its root for itself, by purpose. The town's own code takes these
 * names from here, so the names a rig may not take (rig.ts) cannot drift from the layout. The
 * town-level agents (mayor, deacon, boot) work in directories named for their roles (identity.ts).
 */
export const TOWN_ENTRIES = {
  config: TOWN_FILE,
  gitignore: '.gitignore',
  git: '.git',
  beads: '.beads',
  mayor: 'mayor',
  deacon: 'deacon',
  boot: 'boot',
  formulas: 'formulas',
  runtime: '.runtime',
  dashboard: 'dashboard',
} as const;

export function defaultTownDir(): string {
  return process.env.GT_TOWN || join(homedir(), 'gt');
}

/** Finds the town: GT_TOWN, else the nearest ancestor of `start` holding town.toml. */
export function findTown(start = process.cwd()): Town {
  const fromEnv = process.env.GT_TOWN;
  if (fromEnv) {
    if (!existsSync(join(fromEnv, TOWN_FILE))) throw new UserError(`GT_TOWN=${fromEnv} is not a town (no ${TOWN_FILE})`, `run 'gt install ${fromEnv}'`);
    return loadTown(fromEnv);
  }
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, TOWN_FILE))) return loadTown(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const fallback = join(homedir(), 'gt');
  if (existsSync(join(fallback, TOWN_FILE))) return loadTown(fallback);
  throw new UserError('not inside a Gas Town', "run 'gt install [DIR]' first, or set GT_TOWN");
}

export function loadTown(root: string): Town {
  const abs = resolve(root);
  const path = join(abs, TOWN_FILE);
  const config = readToml<TownConfig>(path);
  if (!config.id || !config.name) throw new UserError(`${path} lacks name or id`);
  validateRuntime(path, config.runtime);
  validateAutonomy(path, config);
  validateStore(path, config.store);
  validateMachines(path, config.machines);
  if (config.store) config.store = { url: withLocalPassword(abs, config.store.url) };
  const town = { root: abs, id: config.id, name: config.name, config, binDir: binDir() } as Town;
  town.stores = createTownStores(town);
  return town;
}

export interface InstallResult { town: Town; created: boolean }

/**
 * Creates a town at dir. Idempotent: an existing town is returned unchanged with created=false.
 * The HQ database and identities are created by the caller (identity.ts) so this module stays
 * about layout.
 */
/**
 * opts.store: the town's PostgreSQL URL (`gt install --store`); the default is SQLite per rig.
 * opts.id: the town's id when joining a town another machine installed (the same town, so the same id).
 */
export function createTownLayout(dir: string, name?: string, opts: { store?: string; id?: string } = {}): InstallResult {
  const root = resolve(dir);
  const problem = opts.store === undefined ? undefined : storeUrlProblem(opts.store);
  if (problem) throw new UserError(problem, 'gt install --store postgres://user:password@host:5432/database');
  if (existsSync(join(root, TOWN_FILE))) {
    const town = loadTown(root);
    if (opts.store !== undefined && town.config.store?.url !== opts.store) {
      // Moving a town's beads between backends is an export and an import, not a setting.
      throw new UserError(`the town at ${root} already keeps its beads ${town.config.store ? `at ${redactStoreUrl(town.config.store.url)}` : 'in SQLite'}`,
        'a new --store needs a new town (gt install <dir> --store ...); move beads with bd export / bd import');
    }
    return { town, created: false };
  }
  mkdirSync(root, { recursive: true });
  const e = TOWN_ENTRIES;
  for (const d of [e.mayor, e.deacon, e.beads]) mkdirSync(join(root, d), { recursive: true });
  // The HQ repo tracks only the town's own files; rigs are their own repos.
  writeFileAtomic(join(root, e.gitignore), ['/*', `!/${e.gitignore}`, `!/${e.config}`, `!/${e.beads}/`, `/${e.beads}/store.json`, `!/${e.mayor}/`, `!/${e.deacon}/`, ''].join('\n'));
  if (!existsSync(join(root, e.git))) gitSyncTry(root, ['init', '-q', '-b', 'main']);
  const config: TownConfig = {
    name: name ?? (root.split('/').pop() || 'gt'),
    id: opts.id ?? parseInt(randomHex(4), 16).toString(36).padStart(6, '0').slice(0, 6), // node:crypto on use: every gt start loads this file
    runtime: { mode: 'tmux' },
    agents: { default: 'claude' },
  };
  if (opts.store !== undefined) {
    // town.toml is tracked by the town's git: it gets the URL without its password. The password
    // stays on this machine, in the HQ's owner-only, git-ignored store.json (written here, before
    // town.toml), or comes from PGPASSWORD / ~/.pgpass, which the client reads when the URL has none.
    config.store = { url: withoutPassword(opts.store) };
    writeStorePointer(join(root, e.beads), { kind: 'postgres', url: opts.store, namespace: 'hq' });
  }
  // town.toml is written last: a town exists exactly when it does.
  writeToml(join(root, TOWN_FILE), config);
  return { town: loadTown(root), created: true };
}

/** The URL with no password at all (what town.toml records). */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * town.toml's password-less URL, with the password this machine keeps in the HQ's store.json when
 * that file names the same server, user and database; else as it is (PGPASSWORD / ~/.pgpass apply).
 */
function withLocalPassword(root: string, url: string): string {
  if (new URL(url).password) return url; // a town.toml written before passwords were kept out of it
  try {
    const p = readStorePointer(join(root, TOWN_ENTRIES.beads));
    return p && withoutPassword(p.url) === withoutPassword(url) ? p.url : url;
  } catch {
    return url; // an unreadable pointer: the server will say what is missing
  }
}

/** A store URL without its password, for messages. */
function redactStoreUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured store';
  }
}
