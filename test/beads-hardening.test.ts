// The data plane under rough conditions, each through real processes: a write that cannot get
// the lock says who holds it; a writer killed mid-export leaves no temp file for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bd, repoRoot, runAsync, tempDir, testEnv } from './support/cli.js';
import { until } from './support/wait.js';
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
      assert.match(r.stderr, new RegExp(`^bd: busy: beads-worker hold \\S+ holder .* by pid ${pid} since \\d+ s; try again`));
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

const git = (cwd: string, args: string[]) => {
  const r = runSync('git', args, { cwd, env: testEnv() });
  assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

test('bd sync refuses to commit a JSONL that does not import (truncated line, conflict markers), and a remote one that does not', () => {
  const { dir, cleanup } = tempDir('beads-sync-bad-');
  try {
    const env = testEnv({ BD_ACTOR: 'tester' });
    const remote = join(dir, 'remote.git');
    git(dir, ['init', '-q', '--bare', remote]);
    const clone = (name: string) => {
      const c = join(dir, name);
      git(dir, ['init', '-q', '-b', 'main', c]);
      git(c, ['remote', 'add', 'origin', remote]);
      for (const args of [['init', '--prefix', 'sy'], ['config', 'set', 'sync.remote', 'origin']]) assert.equal(bd(args, { cwd: c, env }).code, 0);
      return c;
    };
    const a = clone('a');
    assert.equal(bd(['create', 'shared'], { cwd: a, env }).code, 0);
    assert.equal(bd(['sync'], { cwd: a, env }).code, 0, 'a good file syncs');
    const tip = git(a, ['rev-parse', 'beads-sync']);
    const jsonl = join(a, '.beads', 'issues.jsonl');
    const good = readFileSync(jsonl, 'utf8');
    for (const [bad, why] of [
      [good + '{"id":"sy-cut","title":"trunc', /issues\.jsonl:2: malformed JSON/],
      [`<<<<<<< HEAD\n${good}=======\n${good.replace('shared', 'theirs')}>>>>>>> other\n`, /issues\.jsonl:1: git conflict marker/],
    ] as const) {
      writeFileSync(jsonl, bad);
      const r = bd(['sync'], { cwd: a, env });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^bd: refusing to commit .*issues\.jsonl to beads-sync: /);
      assert.match(r.stderr, why);
      assert.equal(git(a, ['rev-parse', 'beads-sync']), tip, 'the branch did not move');
      assert.equal(git(remote, ['rev-parse', 'beads-sync']), tip, 'nothing was pushed');
    }
    writeFileSync(jsonl, good);

    // A bad file pushed by something else (a plain git merge, a hand edit): the next clone refuses to take it in.
    const w = join(dir, 'w');
    git(dir, ['clone', '-q', '-b', 'beads-sync', remote, w]);
    writeFileSync(join(w, '.beads', 'issues.jsonl'), good + '{"id":"sy-cut","title":"trunc\n');
    git(w, ['commit', '-qam', 'broken by hand']);
    git(w, ['push', '-q', 'origin', 'beads-sync']);
    const b = clone('b');
    assert.equal(bd(['create', 'mine'], { cwd: b, env }).code, 0);
    const before = readFileSync(join(b, '.beads', 'issues.jsonl'), 'utf8');
    const r = bd(['sync'], { cwd: b, env });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^bd: cannot take in origin\/beads-sync: .*issues\.jsonl:2: malformed JSON/);
    assert.equal(readFileSync(join(b, '.beads', 'issues.jsonl'), 'utf8'), before);
  } finally {
    cleanup();
  }
});

test('bd init on a fresh clone takes the prefix of the project\'s issues (work tree JSONL, or the sync branch), not the directory\'s name', () => {
  const { dir, cleanup } = tempDir('beads-init-prefix-');
  try {
    const env = testEnv({ BD_ACTOR: 'tester' });
    const line = (id: string) => `{"id":"${id}","title":"t","status":"open","priority":2,"issue_type":"task","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`;
    // A checkout whose .beads/issues.jsonl came with the clone.
    const withFile = join(dir, 'someproject');
    git(dir, ['init', '-q', '-b', 'main', withFile]);
    runSync('mkdir', ['-p', join(withFile, '.beads')]);
    writeFileSync(join(withFile, '.beads', 'issues.jsonl'), [line('my-app-a1'), line('my-app-a1.1'), line('my-app-b2')].join('\n') + '\n');
    const init = bd(['init', '--json'], { cwd: withFile, env });
    assert.equal(init.code, 0, init.stderr);
    assert.equal(JSON.parse(init.stdout).prefix, 'my-app');
    const created = bd(['create', 'new', '--silent'], { cwd: withFile, env });
    assert.match(created.stdout, /^my-app-[0-9a-z]+\n$/);

    // A clone whose issues live only on the remote's beads-sync branch.
    const remote = join(dir, 'remote.git');
    git(dir, ['init', '-q', '--bare', remote]);
    const a = join(dir, 'origin-side');
    git(dir, ['init', '-q', '-b', 'main', a]);
    git(a, ['remote', 'add', 'origin', remote]);
    for (const args of [['init', '--prefix', 'qq'], ['create', 'one'], ['sync', '--remote', 'origin']]) {
      const r = bd(args, { cwd: a, env });
      assert.equal(r.code, 0, r.stderr);
    }
    const fresh = join(dir, 'fresh-clone');
    git(dir, ['init', '-q', '-b', 'main', fresh]);
    git(fresh, ['remote', 'add', 'origin', remote]);
    git(fresh, ['fetch', '-q', 'origin']);
    const r = bd(['init', '--json'], { cwd: fresh, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).prefix, 'qq');
  } finally {
    cleanup();
  }
});

test('two clones create different issues under one id: bd sync keeps both, re-ids the later one and says so', () => {
  const { dir, cleanup } = tempDir('beads-sync-dup-');
  try {
    const env = testEnv({ BD_ACTOR: 'tester' });
    const remote = join(dir, 'remote.git');
    git(dir, ['init', '-q', '--bare', remote]);
    const ok = (cwd: string, args: string[]) => {
      const r = bd(args, { cwd, env });
      assert.equal(r.code, 0, `bd ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const clone = (name: string) => {
      const c = join(dir, name);
      git(dir, ['init', '-q', '-b', 'main', c]);
      git(c, ['remote', 'add', 'origin', remote]);
      ok(c, ['init', '--prefix', 'sy']);
      ok(c, ['config', 'set', 'sync.remote', 'origin']);
      return c;
    };
    const a = clone('a'), b = clone('b');
    ok(a, ['create', 'made in a', '--id', 'sy-dup']);
    ok(b, ['create', 'made in b', '--id', 'sy-dup']);
    ok(b, ['create', 'waits on b\'s', '--id', 'sy-w', '--deps', 'blocks:sy-dup']);
    ok(a, ['sync']);
    const out = ok(b, ['sync']);
    const m = /sy-dup -> (sy-[0-9a-z]+): this clone had created a different issue under sy-dup \("made in b"\); both kept/.exec(out);
    assert.ok(m, out);
    const moved = m[1]!;
    ok(a, ['sync']);
    for (const c of [a, b]) {
      const all = new Map((JSON.parse(ok(c, ['list', '--all', '--json'])) as { id: string; title: string; dependencies?: { depends_on_id: string }[] }[]).map((i) => [i.id, i]));
      assert.equal(all.get('sy-dup')?.title, 'made in a');
      assert.equal(all.get(moved)?.title, 'made in b');
      assert.deepEqual(all.get('sy-w')?.dependencies?.map((d) => d.depends_on_id), [moved], 'b\'s edge follows b\'s issue');
    }
  } finally {
    cleanup();
  }
});
