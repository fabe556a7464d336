// A real town in a temp dir: `gt install`, a local git project with a test script, `gt rig add`.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, gtBin, runAsync, testEnv, tempDir, type CliResult } from './cli.js';
import { openStore } from '../../src/beads/open.js';
import type { Store } from '../../src/beads/api.js';
import { parse, stringify } from 'smol-toml';
import { killServer } from '../../src/lib/tmux.js';
import { killGroup } from '../../src/lib/proc.js';

export interface TownFixture {
  root: string;
  town: string;
  project: string;
  env: NodeJS.ProcessEnv;
  gt: (args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }) => CliResult;
  /** gt with --json, parsed; throws with stderr on failure. */
  gtJson: <T = any>(args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }) => T;
  /** gt as a child process that does not block this one (agents call back into gt meanwhile). */
  gtAsync: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliResult>;
  git: (cwd: string, args: string[]) => string;
  cleanup: () => void;
}

export function makeProject(dir: string, files: Record<string, string> = { 'README.md': '# sample\n' }): string {
  mkdirSync(dir, { recursive: true });
  const env = testEnv();
  const run = (args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' });
  run(['init', '-q', '-b', 'main']);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  run(['add', '-A']);
  run(['commit', '-qm', 'initial']);
  return dir;
}

export interface TownOptions {
  rig?: string;
  testCmd?: string;
  files?: Record<string, string>;
  /** Every agent is the built-in shell agent, in tmux sessions (no model needed). */
  shellAgents?: boolean;
}

export function makeTown(opts: TownOptions = {}): TownFixture {
  const { dir, cleanup } = tempDir('gt-town-');
  const town = join(dir, 'town');
  const env = testEnv({ GT_TOWN: town, HOME: dir });
  delete env.GT_AGENT;
  delete env.BD_ACTOR;
  const project = makeProject(join(dir, 'project'), opts.files);
  const run = (args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => gt(args, { cwd: o.cwd ?? dir, env: { ...env, ...o.env } });
  const f: TownFixture = {
    root: dir,
    town,
    project,
    env,
    gt: run,
    gtJson: (args, o) => {
      const r = run([...args, '--json'], o);
      if (r.code !== 0) throw new Error(`gt ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    gtAsync: (args, e) => runAsync(gtBin, args, { cwd: dir, env: e ?? env }),
    git: (cwd, args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim(),
    cleanup,
  };
  const inst = run(['install', town]);
  if (inst.code !== 0) throw new Error(inst.stderr);
  const rigArgs = ['rig', 'add', opts.rig ?? 'demo', project];
  if (opts.testCmd) rigArgs.push('--test-cmd', opts.testCmd);
  const add = run(rigArgs);
  if (add.code !== 0) throw new Error(add.stderr);
  if (opts.shellAgents) {
    const path = join(town, 'town.toml');
    writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'tmux' }, agents: { default: 'shell' } }));
  }
  return f;
}

/** Env for acting as an agent (as its session would set it). */
export function asAgent(f: TownFixture, address: string): NodeJS.ProcessEnv {
  return { ...f.env, GT_AGENT: address, BD_ACTOR: address };
}

/** Runs fn on the SQLite store in beadsDir (a town's or a rig's `.beads`), closing it after. */
export async function withStore<T>(beadsDir: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const s = await openStore({ kind: 'sqlite', beadsDir });
  try { return await fn(s); } finally { await s.close(); }
}

/** Rig beads for e2e tests, read and written straight through the store (rig `demo` unless named), closed after each use. */
function withRigStore<T>(town: string, rig: string, fn: (s: Store) => Promise<T>): Promise<T> {
  return withStore(join(town, rig, '.beads'), fn);
}

export function createRigBead(town: string, title: string, description: string, rig = 'demo'): Promise<string> {
  return withRigStore(town, rig, async (s) => (await s.create({ title, description }, 'overseer')).id);
}

/** [adapter, mode] of an identity's latest session record. */
export function lastSessionOf(town: string, address: string, rig = 'demo'): Promise<[string, string] | undefined> {
  return withRigStore(town, rig, async (s) => {
    const sessions = (await s.list({ type: 'agent' })).find((b) => b.fields.address === address)?.fields.sessions as { adapter: string; mode: string }[] | undefined;
    const last = sessions?.at(-1);
    return last && [last.adapter, last.mode];
  });
}

/** The merge-request bead filed for a source bead, if any. */
export function mrForBead(town: string, bead: string, rig = 'demo') {
  return withRigStore(town, rig, async (s) => (await s.list({ type: 'merge-request', includeClosed: true })).find((m) => m.fields.source_bead === bead));
}

/** A check for `until`: the identity has no session in `gt session list` any more. */
export const sessionGone = (f: TownFixture, agent: string) => () => {
  const r = f.gt(['session', 'list', '--json']);
  return r.code === 0 && !(JSON.parse(r.stdout) as Array<{ agent: string }>).some((x) => x.agent === agent);
};

/** Runs fn with the rig in headless mode, restoring its rig.toml afterwards. */
export async function withHeadlessRig<T>(town: string, fn: () => Promise<T>, rig = 'demo'): Promise<T> {
  const rigToml = join(town, rig, 'rig.toml');
  const saved = readFileSync(rigToml, 'utf8');
  appendFileSync(rigToml, '\n[runtime]\nmode = "headless"\n');
  try { return await fn(); } finally { writeFileSync(rigToml, saved); }
}

/** The town's id (town.toml), which names its tmux socket: gt-<id>. */
export function townId(town: string): string {
  const m = /^id\s*=\s*"([^"]+)"/m.exec(readFileSync(join(town, 'town.toml'), 'utf8'));
  if (!m) throw new Error('town.toml has no id');
  return m[1]!;
}

/** Kills the town's tmux server and every headless session process group. */
export function sweepTown(town: string): void {
  if (!existsSync(join(town, 'town.toml'))) return;
  killServer(`gt-${townId(town)}`);
  const dir = join(town, '.runtime', 'sessions');
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (f.endsWith('.pid')) killGroup(Number(readFileSync(join(dir, f), 'utf8')), 'SIGKILL');
}
