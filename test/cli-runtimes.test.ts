// How the launchers run bd and gt: the compiled CLI (dist/bin/native) when the build made one, else
// the bundles under the installed Bun, else Node. The rest of the suite runs every command through
// the launchers (so on the compiled CLI) and the CLI-heavy files again on Node; this file covers
// what is particular to each path: the compiled CLI finds the files shipped beside it (built-in
// formulas, its own flusher) and, like the Bun path, ignores a project's bunfig.toml and .env; the
// bundles under Bun still work when no compiled CLI is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, repoRoot, tempDir, testEnv } from './support/cli.js';
import { until } from './support/wait.js';

const built = (() => {
  try {
    return JSON.parse(readFileSync(join(binDir, 'runtime.json'), 'utf8')) as { bun: string | null; native?: boolean };
  } catch {
    return { bun: null };
  }
})();
const noNative = built.native ? false : 'the build made no compiled CLI (no Bun binary installed with the package)';
const noBun = built.bun ? false : 'no Bun binary installed with the package';

function run(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(bin, args, { cwd, env: { ...testEnv(), BD_ACTOR: 'tester', ...env }, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A project directory whose bunfig.toml preloads a script that leaves a mark, and whose .env points bd elsewhere. */
function hostileProject(dir: string, decoy: string): string {
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'mark.ts'), `require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'PRELOAD-RAN'))}, 'x');\n`);
  writeFileSync(join(project, 'bunfig.toml'), 'preload = ["./mark.ts"]\n');
  writeFileSync(join(project, '.env'), `BEADS_DIR=${decoy}\n`);
  return project;
}

/** Every command a tracker user runs first, through one launcher: init, create, ready, show, close. */
function roundTrip(bd: string, cwd: string, env: NodeJS.ProcessEnv): void {
  assert.equal(run(bd, ['init', '--prefix', 'rt'], cwd, env).code, 0);
  const created = run(bd, ['create', 'through the launcher', '--silent'], cwd, env);
  assert.equal(created.code, 0, created.stderr);
  const id = created.stdout.trim();
  const ready = run(bd, ['ready', '--json'], cwd, env);
  assert.deepEqual((JSON.parse(ready.stdout) as { id: string }[]).map((i) => i.id), [id]);
  assert.match(run(bd, ['show', id], cwd, env).stdout, /through the launcher/);
  assert.equal(run(bd, ['close', id], cwd, env).code, 0);
  assert.match(readFileSync(join(cwd, '.beads', 'issues.jsonl'), 'utf8'), /"status":"closed"/);
}

test('the compiled CLI: bd round trip, a project\'s bunfig.toml and .env are ignored, a bad first word is refused', { skip: noNative }, () => {
  const t = tempDir('cli-native-');
  try {
    const project = hostileProject(t.dir, join(t.dir, 'decoy', '.beads'));
    roundTrip(join(binDir, 'bd'), project, { GT_RUNTIME: '' });
    assert.equal(existsSync(join(t.dir, 'PRELOAD-RAN')), false, 'the project\'s bunfig.toml preload ran');
    assert.equal(existsSync(join(t.dir, 'decoy')), false, 'the project\'s .env was loaded');
    const bare = run(join(binDir, 'native'), ['bx', 'version'], project);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /^native: the first argument must be bd, gt or flusher, not 'bx'/);
    assert.equal(bare.stderr.trim().split('\n').length, 1);
  } finally {
    t.cleanup();
  }
});

test('the compiled CLI finds what ships beside it: the built-in formulas and its own JSONL flusher', { skip: noNative }, async () => {
  const t = tempDir('cli-native-files-');
  try {
    const town = join(t.dir, 'town');
    const install = run(join(binDir, 'gt'), ['install', town], t.dir);
    assert.equal(install.code, 0, install.stderr);
    const list = run(join(binDir, 'gt'), ['formula', 'list', '--json'], town, { GT_TOWN: town });
    assert.equal(list.code, 0, list.stderr);
    const names = (JSON.parse(list.stdout) as { name: string }[]).map((f) => f.name);
    const shipped = spawnSync('ls', [join(binDir, 'formulas')], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((f) => f.replace(/\.formula\.toml$/, ''));
    assert.ok(shipped.length > 0 && shipped.every((n) => names.includes(n)), `${names} lacks one of ${shipped}`);

    // Once the JSONL exists, every write hands its export to the detached flusher (inline limit
    // 0): the compiled CLI starts itself as the flusher, which brings the file up to date.
    const project = join(t.dir, 'p');
    mkdirSync(project);
    const env = { BD_JSONL_INLINE_BYTES: '0' };
    assert.equal(run(join(binDir, 'bd'), ['init', '--prefix', 'fl'], project, env).code, 0);
    assert.equal(run(join(binDir, 'bd'), ['create', 'exported in the command (no file yet)'], project, env).code, 0);
    const log = join(project, '.beads', 'beads.db-flusher.log');
    assert.equal(existsSync(log), false, 'a flusher started before the file existed');
    const created = run(join(binDir, 'bd'), ['create', 'exported by the flusher', '--silent'], project, env);
    assert.equal(created.code, 0, created.stderr);
    const jsonl = join(project, '.beads', 'issues.jsonl');
    await until('the flusher to export the new bead', () => readFileSync(jsonl, 'utf8').includes(created.stdout.trim()));
    assert.equal(readFileSync(log, 'utf8'), '', 'the flusher logged a failure');
  } finally {
    t.cleanup();
  }
});

test('without a compiled CLI the launcher runs the bundle under Bun, with the same guards', { skip: noBun }, () => {
  const t = tempDir('cli-bunjs-');
  try {
    // A copy of dist/bin without the compiled CLI, beside node_modules as in the package.
    const pkg = join(t.dir, 'pkg');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    cpSync(binDir, join(pkg, 'dist', 'bin'), { recursive: true, filter: (src) => !src.endsWith('/native') });
    symlinkSync(join(repoRoot, 'node_modules'), join(pkg, 'node_modules'));
    const project = hostileProject(t.dir, join(t.dir, 'decoy', '.beads'));
    roundTrip(join(pkg, 'dist', 'bin', 'bd'), project, { GT_RUNTIME: 'bun' });
    assert.equal(existsSync(join(t.dir, 'PRELOAD-RAN')), false, 'the project\'s bunfig.toml preload ran');
    assert.equal(existsSync(join(t.dir, 'decoy')), false, 'the project\'s .env was loaded');
  } finally {
    t.cleanup();
  }
});
