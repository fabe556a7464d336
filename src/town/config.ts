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

export interface TownConfig {
  name: string;
  id: string;
  runtime?: { mode?: RuntimeMode };
  agents?: AgentsConfig;
}

export interface RigConfig {
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

export function validateRuntime(path: string, r: { mode?: string } | undefined): void {
  if (r?.mode !== undefined && !MODES.has(r.mode)) {
    throw new UserError(`${path}: runtime.mode must be "tmux" or "headless", not "${r.mode}"`);
  }
}
