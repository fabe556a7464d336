// Town and rig configuration files (TOML), with validation that names the bad key.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'smol-toml';
import { UserError } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fsx.js';

export type RuntimeMode = 'tmux' | 'headless';

export interface CustomAgentConfig {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  idle_pattern?: string;
}

export interface AgentsConfig {
  /** Adapter used when no role- or sling-specific choice applies. */
  default?: string;
  /** role -> adapter name */
  roles?: Record<string, string>;
  custom?: Record<string, CustomAgentConfig>;
}

/** Autonomy settings a town sets and a rig may narrow (capacity, GUPP). */
export interface AutonomyConfig {
  /** Polecats that may exist at once (from sling until merged or decommissioned). */
  max_polecats?: number;
  /** Nudge an agent idle at its prompt with work on its hook after this many seconds. */
  gupp_nudge_sec?: number;
}

export interface TownConfig extends AutonomyConfig {
  name: string;
  id: string;
  runtime?: { mode?: RuntimeMode };
  agents?: AgentsConfig;
  /** Where the town's beads live: absent = SQLite in each `.beads` directory (the default). */
  store?: StoreConfig;
  /** `[machines]`: a town shared across machines (town/adopt.ts, refinery/remote-land.ts). */
  machines?: MachinesConfig;
}

export interface MachinesConfig {
  /** A machine whose deacon has not beaten for this long is dead: live machines adopt its polecats' beads. */
  adopt_after_sec?: number;
  /** How long a landed MR's marker ref stays on the rig's remote once the MR is closed. */
  merged_marker_keep_sec?: number;
}

/**
 * Adoption waits this long by default: two of Boot's 5-minute cron periods, so a deacon that merely
 * crashed (its sessions still working) is restarted by Boot before its work is taken from it.
 */
export const DEFAULT_ADOPT_AFTER_SEC = 600;
/** No sooner than `gt status` calls a machine dead (registry.ts MACHINE_STALE_MS): a deacon beats every 5 s. */
export const MIN_ADOPT_AFTER_SEC = 30;
export const DEFAULT_MERGED_MARKER_KEEP_SEC = 86_400;

/** `[store]` in town.toml: the town's PostgreSQL database (one namespace per rig and the HQ). */
export interface StoreConfig { url: string }

export interface RigConfig extends AutonomyConfig {
  name: string;
  prefix: string;
  source: string;
  branch: string;
  test_cmd?: string;
  test_timeout_sec?: number;
  /** Names of environment variables the test command may see (beyond the basic ones). */
  test_env?: string[];
  /** Push main to the source remote after each merge. */
  push?: boolean;
  runtime?: { mode?: RuntimeMode };
  agents?: AgentsConfig;
}

export function readToml<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read ${path}`);
  }
  try {
    return parse(text) as T;
  } catch (e) {
    throw new UserError(`${path} is not valid TOML: ${(e as Error).message.split('\n')[0]}`);
  }
}

export function writeToml(path: string, data: object): void {
  writeFileAtomic(path, stringify(data) + '\n');
}

const MODES = new Set(['tmux', 'headless']);

/** The URL `gt install --store` accepts: a PostgreSQL connection URL. */
export function storeUrlProblem(url: string): string | undefined {
  if (!/^postgres(ql)?:\/\//.test(url)) return `store URL must start with postgres:// or postgresql:// (got "${url.slice(0, 40)}")`;
  try {
    new URL(url);
  } catch {
    return 'store URL does not parse (postgres://user:password@host:5432/database)';
  }
  return undefined;
}

export function validateStore(path: string, store: StoreConfig | undefined): void {
  if (store === undefined) return;
  if (typeof store !== 'object' || typeof store.url !== 'string') throw new UserError(`${path}: [store] needs url = "postgres://..."`);
  const problem = storeUrlProblem(store.url);
  if (problem) throw new UserError(`${path}: ${problem}`);
}

export function validateMachines(path: string, m: MachinesConfig | undefined): void {
  if (m === undefined) return;
  if (typeof m !== 'object') throw new UserError(`${path}: [machines] must be a table`);
  const whole = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (m.adopt_after_sec !== undefined && !whole(m.adopt_after_sec, MIN_ADOPT_AFTER_SEC)) {
    throw new UserError(`${path}: machines.adopt_after_sec must be a whole number of seconds, at least ${MIN_ADOPT_AFTER_SEC}, not ${JSON.stringify(m.adopt_after_sec)}`);
  }
  if (m.merged_marker_keep_sec !== undefined && !whole(m.merged_marker_keep_sec, 0)) {
    throw new UserError(`${path}: machines.merged_marker_keep_sec must be a whole number of seconds (0 or more), not ${JSON.stringify(m.merged_marker_keep_sec)}`);
  }
}

export function validateRuntime(path: string, r: { mode?: string } | undefined): void {
  if (r?.mode !== undefined && !MODES.has(r.mode)) {
    throw new UserError(`${path}: runtime.mode must be "tmux" or "headless", not "${r.mode}"`);
  }
}

/** Town-wide polecat capacity when town.toml sets none: a handful of sessions one machine can carry. */
export const DEFAULT_MAX_POLECATS = 20;
/** GUPP: how long an agent may sit idle at its prompt with hooked work before it is nudged. */
export const DEFAULT_GUPP_NUDGE_SEC = 60;

/** Rejects capacity and GUPP settings that are not whole numbers of at least 1, naming the key. */
export function validateAutonomy(path: string, c: AutonomyConfig): void {
  for (const key of ['max_polecats', 'gupp_nudge_sec'] as const) {
    const v = c[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new UserError(`${path}: ${key} must be a whole number of at least 1, not ${JSON.stringify(v)}`, key === 'max_polecats' ? 'remove it for the default, or set how many polecats may run at once' : undefined);
    }
  }
}

/** Rejects rig.toml values of the wrong kind, naming the key (a string timeout became NaN, a string `push` pushed). */
export function validateRigConfig(path: string, c: RigConfig): void {
  const bad = (key: string, want: string, v: unknown) => new UserError(`${path}: ${key} must be ${want}, not ${JSON.stringify(v)}`, `edit ${path}`);
  for (const key of ['name', 'prefix', 'source', 'branch', 'test_cmd'] as const) {
    const v = c[key];
    if (v !== undefined && typeof v !== 'string') throw bad(key, 'a string', v);
  }
  const t = c.test_timeout_sec;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1)) throw bad('test_timeout_sec', 'a whole number of seconds, at least 1', t);
  if (c.push !== undefined && typeof c.push !== 'boolean') throw bad('push', 'true or false', c.push);
  if (c.test_env !== undefined && (!Array.isArray(c.test_env) || c.test_env.some((x) => typeof x !== 'string'))) throw bad('test_env', 'a list of variable names', c.test_env);
  validateAutonomy(path, c);
}
