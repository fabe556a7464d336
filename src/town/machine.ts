// This machine's place in a town shared across machines (a town whose beads live in PostgreSQL):
// its name (GT_MACHINE, else `machine` in the town's local.toml, which `gt up --machine` writes,
// else the hostname), and which agents are its own. local.toml is the town's per-machine config:
// it sits at the town root, which the town's git ignores, so each machine keeps its own.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { readToml, writeToml } from './config.js';
import type { Town } from './town.js';

export const LOCAL_FILE = 'local.toml';

export interface LocalConfig { machine?: string }

/** A machine name: what a session name, a heartbeat row and an agent's field can carry. */
export function machineNameProblem(name: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name) ? undefined : `invalid machine name "${name.slice(0, 70)}": use letters, digits, _ . - (at most 63, starting with a letter or digit)`;
}

/** The hostname made into a machine name (a hostname may hold characters a name may not). */
export function hostMachineName(host = hostname()): string {
  const n = host.split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return n || 'machine';
}

export function readLocalConfig(townRoot: string): LocalConfig {
  const path = join(townRoot, LOCAL_FILE);
  return existsSync(path) ? readToml<LocalConfig>(path) : {};
}

export function writeLocalConfig(townRoot: string, patch: LocalConfig): void {
  writeToml(join(townRoot, LOCAL_FILE), { ...readLocalConfig(townRoot), ...patch });
}

/** This machine's name in the town. */
export function machineName(town: Pick<Town, 'root'>): string {
  const fromEnv = process.env.GT_MACHINE;
  const name = fromEnv || readLocalConfig(town.root).machine || hostMachineName();
  const problem = machineNameProblem(name);
  if (problem) throw new UserError(fromEnv ? `GT_MACHINE: ${problem}` : `${join(town.root, LOCAL_FILE)}: ${problem}`);
  return name;
}

/** `gt up --machine NAME`: records this town directory's machine name (validated first). */
export function setMachineName(town: Pick<Town, 'root'>, name: string): void {
  const problem = machineNameProblem(name);
  if (problem) throw new UserError(problem, 'gt up --machine <name>');
  writeLocalConfig(town.root, { machine: name });
}

/** Is this town worked from several machines? Exactly when its beads live in PostgreSQL. */
export function isShared(town: Pick<Town, 'config'>): boolean {
  return !!town.config.store?.url;
}

/** The machine to record on an identity made here: only in a shared town (SQLite towns are unchanged). */
export function machineStamp(town: Town): string | null {
  return isShared(town) ? machineName(town) : null;
}

/**
 * Whether an agent's sessions are this machine's to run, restart and count. In a shared town an
 * agent belongs to the machine recorded on it; one with none recorded (made before machines were
 * recorded) is nobody's here, so no two machines both restart it. Outside one, every agent is local.
 */
export function ownedHere(town: Town, agent: { machine?: string }): boolean {
  if (!isShared(town)) return true;
  return agent.machine === machineName(town);
}
