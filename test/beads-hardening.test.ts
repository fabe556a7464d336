// The data plane under rough conditions, each through real processes: a write that cannot get
// the lock says who holds it; a writer killed mid-export leaves no temp file for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bd, repoRoot, runAsync, tempDir, testEnv } from './support/cli.js';
import { until } from './support/claude.js';
import { runSync } from '../src/lib/proc.js';

const worker = join(repoRoot, 'dist', 'test', 'support', 'beads-worker.js');

function project(prefix: string) {
  const { dir, cleanup } = tempDir('beads-hard-');
  const env = testEnv({ BD_ACTOR: 'tester' });
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => bd(args, { cwd: dir, env: { ...env, ...extra } });
  const ok = (args: string[]) => {
    const r = run(args);
    assert.equal(r.code, 0, `bd ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  ok(['init', '--prefix', prefix]);
  return { dir, env, run, ok, beadsDir: join(dir, '.beads'), cleanup };
}

test('a write that waits out its busy timeout fails in one line naming the holder (exit 1, not internal)', async () => {
  const p = project('bz');
  try {
    const ready = join(p.dir, 'ready'), go = join(p.dir, 'go');
    const holder = runAsync(worker, ['hold', p.beadsDir, 'holder', ready, go], { cwd: p.dir, env: p.env });
    try {
      await until('the holder to be inside its write transaction', () => existsSync(ready));
      const pid = readFileSync(ready, 'utf8');
      const r = p.run(['create', 'waits for the lock'], { BD_BUSY_TIMEOUT_MS: '300' });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^bd: busy: beads-worker hold .*${p.beadsDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* by pid ${pid} since \\d+ s; try again`));
      assert.doesNotMatch(r.stderr, /internal error/);
    } finally {
      writeFileSync(go, '');
    }
    const done = await holder;
    assert.equal(done.code, 0, done.stderr);
    // Once the holder commits, the same command goes through, and the holder's note is gone.
    p.ok(['create', 'after the holder']);
    assert.equal(existsSync(join(p.beadsDir, 'beads.db-writer')), false);
    assert.equal(JSON.parse(p.ok(['list', '--json'])).length, 2);
  } finally {
    p.cleanup();
  }
});

test('a writer killed between write and rename leaves a temp file; the next export removes it (a live writer\'s stays)', () => {
  const p = project('tm');
  try {
    p.ok(['create', 'one']);
    const jsonl = join(p.beadsDir, 'issues.jsonl');
    const fsx = pathToFileURL(join(repoRoot, 'dist', 'src', 'lib', 'fsx.js')).href;
    const crash = runSync(process.execPath, ['--input-type=module', '-e',
      `import { writeFileAtomic } from ${JSON.stringify(fsx)};
       writeFileAtomic(${JSON.stringify(jsonl)}, 'half of an export', { beforeRename: () => process.kill(process.pid, 'SIGKILL') });`]);
    assert.equal(crash.signal, 'SIGKILL', crash.stderr);
    const temps = () => readdirSync(p.beadsDir).filter((n) => n.startsWith('issues.jsonl.tmp-')).sort();
    assert.equal(temps().length, 1, 'the crash left its temp file');
    const live = `issues.jsonl.tmp-${process.pid}-live00`; // a writer still running (this process)
    writeFileSync(join(p.beadsDir, live), 'in progress');
    p.ok(['create', 'two']);
    assert.deepEqual(temps(), [live]);
    assert.equal(readFileSync(jsonl, 'utf8').trim().split('\n').length, 2);
  } finally {
    p.cleanup();
  }
});
