// A real town in a temp dir: `gt install`, a local git project with a test script, `gt rig add`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, testEnv, tempDir, type CliResult } from './cli.js';

export interface TownFixture {
  root: string;
  town: string;
  project: string;
  env: NodeJS.ProcessEnv;
  gt: (args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }) => CliResult;
  /** gt with --json, parsed; throws with stderr on failure. */
  gtJson: <T = any>(args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }) => T;
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

export function makeTown(opts: { rig?: string; testCmd?: string; files?: Record<string, string> } = {}): TownFixture {
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
    git: (cwd, args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim(),
    cleanup,
  };
  const inst = run(['install', town]);
  if (inst.code !== 0) throw new Error(inst.stderr);
  const rigArgs = ['rig', 'add', opts.rig ?? 'demo', project];
  if (opts.testCmd) rigArgs.push('--test-cmd', opts.testCmd);
  const add = run(rigArgs);
  if (add.code !== 0) throw new Error(add.stderr);
  return f;
}

/** Env for acting as an agent (as its session would set it). */
export function asAgent(f: TownFixture, address: string): NodeJS.ProcessEnv {
  return { ...f.env, GT_AGENT: address, BD_ACTOR: address };
}
