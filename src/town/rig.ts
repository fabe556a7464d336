// Rigs: git projects under management. Layout under <town>/<rig>/:
//   rig.toml        the rig's config (written last: a rig exists exactly when it does)
//   .repo.git/      bare clone of the project; every worktree hangs off it
//   .beads/         the rig's beads database (prefix from rig.toml)
//   polecats/<n>/   polecat worktrees; refinery/rig/ the refinery's worktree; crew/<n>/; witness/
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { NotFoundError, UserError } from '../lib/errors.js';
import { git, gitErrorLine, gitTry } from '../lib/git.js';
import { readFileOr, writeFileAtomic } from '../lib/fsx.js';
import { readToml, writeToml, validateRigConfig, validateRuntime, type RigConfig, type AgentsConfig, type RuntimeMode } from './config.js';
import { HQ_PREFIX, TOWN_ENTRIES, type Town } from './town.js';
import { isValidName, TOWN_ROLES } from './address.js';
import { recordRigSyncTarget } from './beads-sync.js';
import { DEFAULT_SYNC_BRANCH } from '../beads/branch-sync.js';
import { isShared, machineName } from './machine.js';

export interface Rig {
  name: string;
  prefix: string;
  root: string;
  repoDir: string;
  beadsDir: string;
  mainBranch: string;
  source: string;
  testCmd?: string;
  testTimeoutSec: number;
  /** Environment variable names passed through to the test command (secrets stay out otherwise). */
  testEnv: string[];
  /** Where main is pushed after each merge, when configured. */
  remote?: string;
  runtime?: { mode?: RuntimeMode };
  agents?: AgentsConfig;
  /** This rig's own polecat capacity (the town's also applies). */
  maxPolecats?: number;
  /** GUPP nudge delay for this rig's agents, seconds (else the town's). */
  guppNudgeSec?: number;
}

/**
 * Names a rig may not take: a rig's directory sits at the town root beside the town's own entries,
 * and its name leads agent addresses and session names. From the layout itself, so it cannot drift.
 */
const RESERVED_RIG_NAMES: ReadonlyMap<string, string> = new Map([
  ...Object.values(TOWN_ENTRIES).map((n): [string, string] => [n, `the town's own '${n}' entry at its root`]),
  ...TOWN_ROLES.map((r): [string, string] => [r, `the town-level agent '${r}'`]),
  ['dogs', "the deacon's dogs' addresses (dogs/<name>)"],
  ['town', "the town-level session names (gt-town-<role>)"],
  [HQ_PREFIX, "the town's HQ"],
]);
const RIG_FILE = 'rig.toml';

export function rigRoot(town: Town, name: string): string {
  return join(town.root, name);
}

export function loadRig(town: Town, name: string): Rig {
  const root = rigRoot(town, name);
  const path = join(root, RIG_FILE);
  if (!isValidName(name) || !existsSync(path)) throw new NotFoundError('rig', name, "see 'gt rig list'");
  const c = readToml<RigConfig>(path);
  validateRuntime(path, c.runtime);
  validateRigConfig(path, c);
  return {
    name,
    prefix: c.prefix,
    root,
    repoDir: join(root, '.repo.git'),
    beadsDir: join(root, '.beads'),
    mainBranch: c.branch || 'main',
    source: c.source,
    testCmd: c.test_cmd || undefined,
    testTimeoutSec: c.test_timeout_sec ?? 600,
    testEnv: c.test_env ?? [],
    remote: c.push ? 'origin' : undefined,
    runtime: c.runtime,
    agents: c.agents,
    maxPolecats: c.max_polecats,
    guppNudgeSec: c.gupp_nudge_sec,
  };
}

/** A rig whose rig.toml does not load: left out of listRigs, reported, never the whole town's end. */
export interface BrokenRig { rig: string; error: Error }

// Commands resolve many bead ids to rigs; read the rig configs once per town object.
const rigCache = new WeakMap<Town, { rigs: Rig[]; broken: BrokenRig[] }>();

function readRigs(town: Town): { rigs: Rig[]; broken: BrokenRig[] } {
  let read = rigCache.get(town);
  if (!read) {
    read = { rigs: [], broken: [] };
    const names = readdirSync(town.root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(town.root, e.name, RIG_FILE)))
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      try {
        read.rigs.push(loadRig(town, name));
      } catch (e) {
        read.broken.push({ rig: name, error: e as Error });
      }
    }
    rigCache.set(town, read);
  }
  return read;
}

/**
 * Makes this town handle read its rigs' configs again at the next listRigs (a long-lived handle,
 * the dashboard's, after a rig was added or removed by another process).
 */
export function rereadRigs(town: Town): void {
  rigCache.delete(town);
}

/** The town's rigs whose config loads (see brokenRigs for the others). */
export function listRigs(town: Town): Rig[] {
  return readRigs(town).rigs;
}

/** Rigs whose rig.toml does not load, with why: the patrol and `gt doctor` report them. */
export function brokenRigs(town: Town): BrokenRig[] {
  return readRigs(town).broken;
}

/** The rig whose prefix owns a bead id, or undefined for HQ ids. The store holding a bead: town.stores.forBead. */
export function rigForBead(town: Town, id: string): Rig | undefined {
  const rigs = listRigs(town);
  return rigs.find((r) => id.startsWith(`${r.prefix}-`));
}

export interface AddRigOptions {
  prefix?: string;
  testCmd?: string;
  branch?: string;
  push?: boolean;
  /**
   * The rig exists in the town's shared database (another machine added it): clone it here and use
   * its namespace as it is, adopting nothing from the project's own .beads.
   */
  attach?: boolean;
}

function derivePrefix(name: string, taken: Set<string>): string {
  const letters = name.replace(/[^a-z0-9]/g, '');
  for (const len of [2, 3, 4]) {
    const p = letters.slice(0, len);
    if (p.length === len && !taken.has(p)) return p;
  }
  for (let i = 2; ; i++) if (!taken.has(`${letters.slice(0, 2)}${i}`)) return `${letters.slice(0, 2)}${i}`;
}

/** First record's prefix in a tracked .beads/issues.jsonl, if the project has one. */
async function projectBeadsPrefix(repoDir: string, branch: string): Promise<{ prefix?: string; jsonl?: string }> {
  const r = await gitTry(repoDir, ['show', `${branch}:.beads/issues.jsonl`]);
  if (r.code !== 0 || !r.stdout.trim()) return {};
  const first = r.stdout.split('\n').find((l) => l.trim());
  try {
    const id = JSON.parse(first ?? '{}').id as string | undefined;
    const m = id?.match(/^(.+?)-[^-]+$/);
    return { prefix: m?.[1], jsonl: r.stdout };
  } catch {
    return { jsonl: r.stdout };
  }
}

/**
 * Adds a rig: bare clone, beads database (adopting the project's own .beads/issues.jsonl if it has
 * one), route registration. On any failure the half-made rig directory is removed.
 */
export async function addRig(town: Town, name: string, source: string, opts: AddRigOptions = {}): Promise<Rig> {
  if (!isValidName(name)) throw new UserError(`invalid rig name '${name}'`, 'use lowercase letters, digits, - and _, starting with a letter or digit');
  const reservedFor = RESERVED_RIG_NAMES.get(name);
  if (reservedFor) throw new UserError(`rig name '${name}' is reserved: the town uses it for ${reservedFor}`, 'choose another rig name');
  const root = rigRoot(town, name);
  if (existsSync(join(root, RIG_FILE))) throw new UserError(`rig '${name}' already exists`, `see 'gt rig show ${name}'`);
  if (existsSync(root)) throw new UserError(`${root} already exists and is not a rig`, 'choose another name or remove the directory');
  const existing = listRigs(town);
  const taken = new Set([HQ_PREFIX, ...existing.map((r) => r.prefix)]);
  // The branch reaches git argv as a positional (worktree add ... <branch>): never an option.
  if (opts.branch !== undefined && (!opts.branch || opts.branch.startsWith('-'))) {
    throw new UserError(`invalid branch name '${opts.branch}'`, 'a branch name cannot be empty or start with -');
  }
  if (opts.prefix !== undefined) {
    if (!/^[a-z][a-z0-9]{0,9}$/.test(opts.prefix)) throw new UserError(`invalid prefix '${opts.prefix}'`, 'use 1-10 lowercase letters or digits, starting with a letter');
    if (taken.has(opts.prefix)) throw new UserError(`prefix '${opts.prefix}' is already used in this town`);
  }
  const src = isAbsolute(source) || /^[a-z+]+:\/\//.test(source) || source.includes('@') ? source : resolve(source);
  // The source goes after `--` in every git call: a source like `--upload-pack=<cmd>` must be
  // read as a (nonexistent) repository, never as an option that runs a command.
  const probe = await gitTry(town.root, ['ls-remote', '--symref', '--', src, 'HEAD']);
  if (probe.code !== 0) throw new UserError(`cannot read git repository '${source}'`, gitErrorLine(probe.stderr));

  mkdirSync(root, { recursive: true });
  try {
    const repoDir = join(root, '.repo.git');
    await git(town.root, ['clone', '--bare', '--quiet', '--', src, repoDir]);
    // A bare clone maps remote branches straight onto local ones; keep origin fetchable for later.
    await git(repoDir, ['config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
    const head = probe.stdout.match(/^ref: refs\/heads\/(\S+)\s+HEAD/m)?.[1];
    const branch = opts.branch ?? head ?? 'main';
    if ((await gitTry(repoDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).code !== 0) {
      throw new UserError(`branch '${branch}' not found in '${source}'`, 'pass --branch with an existing branch');
    }
    if (!(await gitTry(repoDir, ['config', 'user.name'])).stdout.trim()) {
      // Agents commit in worktrees of this repo; give it an identity if the user has none.
      await git(repoDir, ['config', 'user.name', 'Gas Town']);
      await git(repoDir, ['config', 'user.email', 'gastown@localhost']);
    }
    const adopted = await projectBeadsPrefix(repoDir, branch);
    const prefix = opts.prefix ?? (adopted.prefix && !taken.has(adopted.prefix) ? adopted.prefix : derivePrefix(name, taken));
    for (const d of ['polecats', 'crew', 'refinery', 'witness']) mkdirSync(join(root, d), { recursive: true });
    const store = await town.stores.rig(name, { create: true, prefix });
    // The clone brought the project's beads-sync branch as a local one, but this database has not
    // taken it in: drop it, so the first sync fetches it from origin and merges it.
    await gitTry(repoDir, ['update-ref', '-d', `refs/heads/${DEFAULT_SYNC_BRANCH}`]);
    await recordRigSyncTarget(store, { remote: opts.push ? 'origin' : undefined });
    // Named as before (when the text went through a temporary file), so a bad record is reported the same way.
    if (adopted.jsonl && !opts.attach) await store.importText(adopted.jsonl, join(root, '.beads', 'adopted.jsonl'), 'import');
    const config: RigConfig = { name, prefix, source: src, branch, test_timeout_sec: 600, push: !!opts.push };
    if (opts.testCmd) config.test_cmd = opts.testCmd;
    writeToml(join(root, RIG_FILE), config);
    rigCache.delete(town);
    registerRoute(town, prefix, name);
    return loadRig(town, name);
  } catch (e) {
    await town.stores.forget(name);
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
}

/** Removes a rig's directory and route. Refuses while it has live polecats unless forced. */
export async function removeRig(town: Town, name: string): Promise<void> {
  const rig = loadRig(town, name);
  // A shared town's record first: when the database cannot be reached nothing here has changed yet.
  if (isShared(town)) {
    const { withRegistry } = await import('./registry.js');
    await withRegistry(town.config.store!.url, (reg) => reg.removeRig(rig.name, machineName(town)));
  }
  await town.stores.forget(rig.name);
  rigCache.delete(town);
  unregisterRoute(town, rig.prefix);
  rmSync(rig.root, { recursive: true, force: true });
}

// Routes: the HQ's .beads/routes.jsonl maps each prefix to the directory holding its .beads/, so
// `bd show <id>` works from anywhere in the town. Paths are relative to the town root.
function routesPath(town: Town): string {
  return join(town.root, '.beads', 'routes.jsonl');
}

interface Route { prefix: string; path: string }

export function readRoutes(town: Town): Route[] {
  return readFileOr(routesPath(town), '')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Route);
}

function writeRoutes(town: Town, routes: Route[]): void {
  writeFileAtomic(routesPath(town), routes.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

export function registerRoute(town: Town, prefix: string, rigName: string): void {
  const routes = readRoutes(town).filter((r) => r.prefix !== `${prefix}-`);
  if (!routes.some((r) => r.prefix === `${HQ_PREFIX}-`)) routes.unshift({ prefix: `${HQ_PREFIX}-`, path: '.' });
  routes.push({ prefix: `${prefix}-`, path: relative(town.root, rigRoot(town, rigName)) || '.' });
  writeRoutes(town, routes);
}

export function unregisterRoute(town: Town, prefix: string): void {
  writeRoutes(town, readRoutes(town).filter((r) => r.prefix !== `${prefix}-`));
}
