// The refinery's git engine on real git: bare rig repo, refinery worktree, rebase, test gate,
// compare-and-swap of main, batching with bisection, and crash recovery (kill -9 mid-test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './support/cli.js';
import { FileQueue, commitFiles, independentMrs, mainSubjects, makeRigRepo, rev, tryRev } from './support/refinery-fixture.js';
import { drainQueue } from '../src/refinery/drain.js';
import { RefineryBusyError, acquireLock, takeOverStaleLock } from '../src/refinery/journal.js';
import { gitSync, gitSyncTry } from '../src/lib/git.js';
import { UserError } from '../src/lib/errors.js';
import { until } from './support/wait.js';

/** Test command that logs every tested commit and fails when any mods/ file says BAD. */
const gate = (log: string, extra = '') =>
  `${extra}git rev-parse HEAD >> ${log}; if grep -l BAD mods/*; then echo "FAIL: BAD marker found"; exit 1; fi; echo ok`;

function worktreeIsClean(wt: string): boolean {
  return existsSync(join(wt, '.git')) && gitSync(wt, ['status', '--porcelain']) === '';
}

test('clean merges land in priority then FIFO order, one at a time, each tested on main', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const log = join(t.dir, 'tested.log');
    const f = makeRigRepo(join(t.dir, 'rig'), gate(log));
    const items = independentMrs(f.repo.repoDir, 3);
    items[2]!.priority = 0; // MR 3 is urgent: it goes first
    const q = FileQueue.create(join(t.dir, 'queue.json'), items);
    const r = await drainQueue(f.repo, f.stateDir, q);
    assert.deepEqual(r.merged, ['mr-003', 'mr-001', 'mr-002']);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'MR 3', 'MR 1', 'MR 2']);
    assert.equal(r.testRuns, 3);
    // Every landed commit was the commit under test, in order.
    const tested = readFileSync(log, 'utf8').trim().split('\n');
    const byId = q.byId();
    assert.deepEqual(tested, ['mr-003', 'mr-001', 'mr-002'].map((id) => (byId.get(id)!.outcomes[0] as { commit: string }).commit));
    assert.equal(rev(f.repo.repoDir, 'main'), tested[2]);
    // The refinery's worktree is detached and clean; main is not checked out anywhere.
    assert.equal(gitSync(f.repo.worktree, ['rev-parse', '--abbrev-ref', 'HEAD']), 'HEAD');
    assert.ok(worktreeIsClean(f.repo.worktree));
    // MR branches themselves are untouched (the rebase works on detached copies).
    assert.equal(tryRev(f.repo.repoDir, 'refs/heads/mr/1') !== undefined, true);
    assert.equal(existsSync(join(f.stateDir, 'refinery.lock')), false, 'lock released');
  } finally {
    t.cleanup();
  }
});

test('a test command that dirties the worktree (edits, build output) does not disturb the next MR', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const f = makeRigRepo(join(t.dir, 'rig'), 'echo scribble >> README; mkdir -p out; date > out/build.log; echo ok');
    const q = FileQueue.create(join(t.dir, 'q.json'), independentMrs(f.repo.repoDir, 3));
    const r = await drainQueue(f.repo, f.stateDir, q, { batch: 2 });
    assert.deepEqual(r.merged, ['mr-001', 'mr-002', 'mr-003']);
    assert.equal(gitSync(f.repo.repoDir, ['show', 'main:README']), 'fixture', 'test scribbles never reach main');
  } finally {
    t.cleanup();
  }
});

test('a conflicting MR bounces naming the conflicting files; main keeps the first one', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const f = makeRigRepo(join(t.dir, 'rig'), 'true');
    const main0 = rev(f.repo.repoDir, 'main');
    commitFiles(f.repo.repoDir, 'a', { 'mods/base.txt': 'from a\n', 'a.txt': 'a\n' }, 'A', main0);
    commitFiles(f.repo.repoDir, 'b', { 'mods/base.txt': 'from b\n', 'b.txt': 'b\n' }, 'B', main0);
    const q = FileQueue.create(join(t.dir, 'q.json'), [
      { id: 'mr-a', branch: 'a', priority: 2, createdAt: '1' },
      { id: 'mr-b', branch: 'b', priority: 2, createdAt: '2' },
    ]);
    const r = await drainQueue(f.repo, f.stateDir, q);
    assert.deepEqual(r.merged, ['mr-a']);
    assert.deepEqual(r.bounced, ['mr-b']);
    const b = q.byId().get('mr-b')!;
    assert.equal(b.state, 'bounced');
    const o = b.outcomes[0]!;
    assert.equal(o.kind, 'conflict');
    assert.deepEqual(o.kind === 'conflict' && o.files, ['mods/base.txt']);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'A']);
    assert.equal(gitSync(f.repo.repoDir, ['show', 'main:mods/base.txt']), 'from a');
    assert.equal(gitSync(f.repo.worktree, ['status', '--porcelain']), '', 'no half-done rebase left behind');
    assert.equal(existsSync(gitSync(f.repo.worktree, ['rev-parse', '--git-path', 'rebase-merge'])), false);
  } finally {
    t.cleanup();
  }
});

test('a red MR bounces with the failing test output and main stays green', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const log = join(t.dir, 'tested.log');
    const f = makeRigRepo(join(t.dir, 'rig'), gate(log));
    const items = independentMrs(f.repo.repoDir, 3, new Set([2]));
    const q = FileQueue.create(join(t.dir, 'q.json'), items);
    const r = await drainQueue(f.repo, f.stateDir, q);
    assert.deepEqual(r.merged, ['mr-001', 'mr-003']);
    assert.deepEqual(r.bounced, ['mr-002']);
    const o = q.byId().get('mr-002')!.outcomes[0]!;
    assert.equal(o.kind, 'red');
    assert.match(o.kind === 'red' ? o.tail : '', /FAIL: BAD marker found/);
    assert.match(o.kind === 'red' ? o.tail : '', /mods\/m2\.txt/);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'MR 1', 'MR 3']);
    assert.equal(gitSync(f.repo.repoDir, ['ls-tree', '--name-only', 'main', 'mods/']).includes('m2'), false);
  } finally {
    t.cleanup();
  }
});

test('main red on its own: nothing is bounced for it, an MR that fixes main lands, then the waiting ones', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const log = join(t.dir, 'tested.log');
    const f = makeRigRepo(join(t.dir, 'rig'), gate(log));
    commitFiles(f.repo.repoDir, 'main', { 'mods/base.txt': 'BAD base\n' }, 'break main');
    const [one, , three] = independentMrs(f.repo.repoDir, 3);
    // Without a fix: both MRs stay queued, main is reported red once (fresh), each tried once.
    const q = FileQueue.create(join(t.dir, 'q.json'), [one!, three!]);
    const r1 = await drainQueue(f.repo, f.stateDir, q);
    assert.deepEqual(r1.bounced, []);
    assert.deepEqual(r1.merged, []);
    assert.deepEqual(r1.deferred.sort(), ['mr-001', 'mr-003']);
    assert.equal(r1.mainRed?.fresh, true);
    assert.match(r1.mainRed?.tail ?? '', /mods\/base\.txt/);
    assert.equal(r1.testRuns, 3, 'MR 1, main alone, MR 3');
    const r2 = await drainQueue(f.repo, f.stateDir, q);
    assert.equal(r2.mainRed?.fresh, false, 'main was judged already: not re-tested, not re-reported');
    assert.equal(r2.testRuns, 2);
    // An MR that fixes main joins the queue: it lands, and the waiting MRs land after it.
    const fix = commitFiles(f.repo.repoDir, 'fix', { 'mods/base.txt': 'base\n' }, 'fix main');
    assert.ok(fix);
    const q2 = FileQueue.create(join(t.dir, 'q2.json'), [one!, three!, { id: 'mr-fix', branch: 'fix', priority: 2, createdAt: '2025-01-01T00:00:09.000Z' }]);
    const r3 = await drainQueue(f.repo, f.stateDir, q2);
    assert.deepEqual(r3.bounced, []);
    assert.deepEqual(r3.merged, ['mr-fix', 'mr-001', 'mr-003']);
    assert.equal(r3.mainRed, undefined);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'break main', 'fix main', 'MR 1', 'MR 3']);
  } finally {
    t.cleanup();
  }
});

test('a test run past the timeout is red, with the timeout in the evidence', async () => {
  const t = tempDir('gt-refinery-');
  try {
    // Only the MR hangs the tests (main alone passes, so the MR is the one blamed).
    const f = makeRigRepo(join(t.dir, 'rig'), 'if [ -e mods/m1.txt ]; then echo started; sleep 30; fi; echo ok', 500);
    const q = FileQueue.create(join(t.dir, 'q.json'), independentMrs(f.repo.repoDir, 1));
    const main0 = rev(f.repo.repoDir, 'main');
    const r = await drainQueue(f.repo, f.stateDir, q);
    assert.deepEqual(r.bounced, ['mr-001']);
    const o = q.byId().get('mr-001')!.outcomes[0]!;
    assert.equal(o.kind === 'red' && o.timedOut, true);
    assert.match(o.kind === 'red' ? o.tail : '', /started[\s\S]*timed out after 1s/);
    assert.equal(rev(f.repo.repoDir, 'main'), main0);
  } finally {
    t.cleanup();
  }
});

test('batch of 8 with 1 bad: 7 land, the bad one bounces, each good MR tested on its predecessors', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const log = join(t.dir, 'tested.log');
    const f = makeRigRepo(join(t.dir, 'rig'), gate(log));
    const main0 = rev(f.repo.repoDir, 'main');
    const q = FileQueue.create(join(t.dir, 'q.json'), independentMrs(f.repo.repoDir, 8, new Set([6])));
    const r = await drainQueue(f.repo, f.stateDir, q, { batch: 8 });
    assert.deepEqual(r.bounced, ['mr-006']);
    assert.deepEqual([...r.merged].sort(), ['mr-001', 'mr-002', 'mr-003', 'mr-004', 'mr-005', 'mr-007', 'mr-008']);
    // Round 1: full stack red, 3 probes find MR 6, MRs 1-5 land; round 2: MRs 7-8 on the new main.
    assert.equal(r.rounds, 2);
    assert.equal(r.testRuns, 1 + 3 + 1);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'MR 1', 'MR 2', 'MR 3', 'MR 4', 'MR 5', 'MR 7', 'MR 8']);
    const tested = new Set(readFileSync(log, 'utf8').trim().split('\n'));
    const byId = q.byId();
    let predecessor = main0;
    for (const subject of mainSubjects(f.repo.repoDir).slice(1)) {
      const id = `mr-00${subject.split(' ')[1]}`;
      const o = byId.get(id)!.outcomes.at(-1)!;
      assert.equal(o.kind, 'merged', id);
      if (o.kind !== 'merged') continue;
      // The MR's commit sits directly on its predecessor on main...
      assert.equal(rev(f.repo.repoDir, `${o.commit}^`), predecessor, `${id} is stacked on its predecessor`);
      // ...and a green test ran on a commit containing it and everything before it.
      assert.ok(tested.has(o.testedCommit), `${id}: its tested commit was really tested`);
      gitSync(f.repo.repoDir, ['merge-base', '--is-ancestor', o.commit, o.testedCommit]);
      gitSync(f.repo.repoDir, ['merge-base', '--is-ancestor', o.testedCommit, 'main']);
      assert.equal(gitSyncTry(f.repo.repoDir, ['grep', '-l', 'BAD', o.testedCommit, '--', 'mods']).stdout, '', 'tested commit is free of BAD');
      predecessor = o.commit;
    }
    const bad = byId.get('mr-006')!.outcomes.at(-1)!;
    assert.equal(bad.kind, 'red');
    assert.match(bad.kind === 'red' ? bad.tail : '', /m6\.txt/);
  } finally {
    t.cleanup();
  }
});

test('in a batch, an MR that clashes only with an earlier one is retried on main, then bounced', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const f = makeRigRepo(join(t.dir, 'rig'), 'true');
    const main0 = rev(f.repo.repoDir, 'main');
    commitFiles(f.repo.repoDir, 'a', { 'mods/base.txt': 'from a\n' }, 'A', main0);
    commitFiles(f.repo.repoDir, 'b', { 'mods/base.txt': 'from b\n' }, 'B', main0);
    commitFiles(f.repo.repoDir, 'c', { 'c.txt': 'c\n' }, 'C', main0);
    const q = FileQueue.create(join(t.dir, 'q.json'), ['a', 'b', 'c'].map((x, i) => ({ id: `mr-${x}`, branch: x, priority: 2, createdAt: String(i) })));
    const r = await drainQueue(f.repo, f.stateDir, q, { batch: 3 });
    assert.deepEqual(r.merged, ['mr-a', 'mr-c']);
    assert.deepEqual(r.deferred, ['mr-b']);
    assert.deepEqual(r.bounced, ['mr-b']);
    const outcomes = q.byId().get('mr-b')!.outcomes;
    assert.deepEqual(outcomes.map((o) => o.kind), ['deferred', 'conflict']);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'A', 'C']);
  } finally {
    t.cleanup();
  }
});

test('a branch already on main is recorded merged without a test; a missing branch is an error', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const f = makeRigRepo(join(t.dir, 'rig'), 'exit 1');
    const main0 = rev(f.repo.repoDir, 'main');
    gitSync(f.repo.repoDir, ['branch', 'same', main0]);
    const q = FileQueue.create(join(t.dir, 'q.json'), [
      { id: 'mr-same', branch: 'same', priority: 2, createdAt: '1' },
      { id: 'mr-gone', branch: 'no/such/branch', priority: 2, createdAt: '2' },
    ]);
    const r = await drainQueue(f.repo, f.stateDir, q);
    assert.equal(r.testRuns, 0);
    const byId = q.byId();
    assert.deepEqual(byId.get('mr-same')!.outcomes[0], { kind: 'merged', commit: main0, testedCommit: main0, stackedWith: 0, already: true });
    const gone = byId.get('mr-gone')!.outcomes[0]!;
    assert.equal(gone.kind, 'error');
    assert.match(gone.kind === 'error' ? gone.detail : '', /branch no\/such\/branch not found/);
    assert.equal(rev(f.repo.repoDir, 'main'), main0);
  } finally {
    t.cleanup();
  }
});

test('landed main is pushed to the configured remote', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const f = makeRigRepo(join(t.dir, 'rig'), 'true');
    const upstream = join(t.dir, 'upstream.git');
    gitSync(t.dir, ['clone', '--quiet', '--bare', f.repo.repoDir, upstream]);
    const q = FileQueue.create(join(t.dir, 'q.json'), independentMrs(f.repo.repoDir, 2));
    await drainQueue({ ...f.repo, remote: upstream }, f.stateDir, q);
    assert.equal(rev(upstream, 'main'), rev(f.repo.repoDir, 'main'));
    assert.deepEqual(mainSubjects(upstream), ['initial', 'MR 1', 'MR 2']);
  } finally {
    t.cleanup();
  }
});

test('pushing rigs follow the remote: fast-forward to its new commits, merge (tested) when both moved, stop clearly on a conflict', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const f = makeRigRepo(join(t.dir, 'rig'), 'test ! -e mods/red.txt');
    const upstream = join(t.dir, 'upstream.git');
    gitSync(t.dir, ['clone', '--quiet', '--bare', f.repo.repoDir, upstream]);
    const repo = { ...f.repo, remote: upstream };
    // Someone else pushes to the remote's main; our MR was made on the old main.
    commitFiles(upstream, 'main', { 'theirs.txt': 'pushed by someone else\n' }, 'upstream 1');
    const q = FileQueue.create(join(t.dir, 'q.json'), independentMrs(f.repo.repoDir, 1));
    const r1 = await drainQueue(repo, f.stateDir, q);
    assert.equal(r1.upstreamStuck, undefined);
    assert.deepEqual(r1.merged, ['mr-001']);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'upstream 1', 'MR 1'], 'fast-forwarded, then landed on top');
    assert.equal(rev(upstream, 'main'), rev(f.repo.repoDir, 'main'), 'and the push went through');

    // Both moved: a commit of ours that never reached the remote, and a new one there.
    commitFiles(f.repo.repoDir, 'main', { 'ours.txt': 'landed here\n' }, 'ours, unpushed');
    commitFiles(upstream, 'main', { 'theirs2.txt': 'more\n' }, 'upstream 2');
    const q2 = FileQueue.create(join(t.dir, 'q2.json'), [{ id: 'mr-002', branch: 'mr/2', priority: 2, createdAt: '2' }]);
    commitFiles(f.repo.repoDir, 'mr/2', { 'mods/m2.txt': 'two\n' }, 'MR 2', rev(f.repo.repoDir, 'main'));
    const r2 = await drainQueue(repo, f.stateDir, q2);
    assert.equal(r2.upstreamStuck, undefined);
    assert.deepEqual(r2.merged, ['mr-002']);
    assert.deepEqual(mainSubjects(f.repo.repoDir).slice(-3), ['ours, unpushed', "refinery: merge " + upstream + "'s main", 'MR 2']);
    assert.equal(gitSync(f.repo.repoDir, ['show', 'main:theirs2.txt']), 'more');
    assert.equal(rev(upstream, 'main'), rev(f.repo.repoDir, 'main'));

    // Both moved and the merge conflicts: main is left alone, the MR lands here, the push fails clearly.
    commitFiles(f.repo.repoDir, 'main', { 'README': 'ours\n' }, 'ours 2');
    commitFiles(upstream, 'main', { 'README': 'theirs\n' }, 'upstream 3');
    commitFiles(f.repo.repoDir, 'mr/3', { 'mods/m3.txt': 'three\n' }, 'MR 3', rev(f.repo.repoDir, 'main'));
    const q3 = FileQueue.create(join(t.dir, 'q3.json'), [{ id: 'mr-003', branch: 'mr/3', priority: 2, createdAt: '3' }]);
    const r3 = await drainQueue(repo, f.stateDir, q3);
    assert.match(r3.upstreamStuck ?? '', /merging them conflicts in README/);
    assert.deepEqual(r3.merged, ['mr-003']);
    const o = q3.byId().get('mr-003')!.outcomes[0]!;
    assert.match(o.kind === 'merged' ? o.pushError ?? '' : '', /push to .* failed/);
  } finally {
    t.cleanup();
  }
});

test("the test command sees an allow-list of the caller's environment: no secrets, only the rig's test_env names", async () => {
  const t = tempDir('gt-refinery-');
  const saved = { ...process.env };
  try {
    const log = join(t.dir, 'env.log');
    const f = makeRigRepo(join(t.dir, 'rig'), `echo "secret=\${GT_T_API_KEY:-none} listed=\${GT_T_DATABASE_URL:-none} pfx=\${GT_TP_ONE:-none} home=\${HOME:+set} path=\${PATH:+set}" > ${log}`);
    process.env.GT_T_API_KEY = 'sk-live-secret';
    process.env.GT_T_DATABASE_URL = 'postgres://test';
    process.env.GT_TP_ONE = '1';
    const q = FileQueue.create(join(t.dir, 'q.json'), independentMrs(f.repo.repoDir, 1));
    const r = await drainQueue({ ...f.repo, testEnv: ['GT_T_DATABASE_URL', 'GT_TP_'] }, f.stateDir, q);
    assert.deepEqual(r.merged, ['mr-001']);
    assert.equal(readFileSync(log, 'utf8').trim(), 'secret=none listed=postgres://test pfx=1 home=set path=set');
    // The rig's test_env reaches the engine.
    const { refineryRepo } = await import('../src/refinery/service.js');
    const rig = { name: 'r', prefix: 'r', root: t.dir, repoDir: f.repo.repoDir, beadsDir: '', mainBranch: 'main', source: '', testTimeoutSec: 60, testEnv: ['DATABASE_URL'] };
    assert.deepEqual(refineryRepo(rig).repo.testEnv, ['DATABASE_URL']);
  } finally {
    for (const k of ['GT_T_API_KEY', 'GT_T_DATABASE_URL', 'GT_TP_ONE']) if (!(k in saved)) delete process.env[k];
    t.cleanup();
  }
});

test('one refinery per rig: a live holder refuses a second, a dead one is taken over', async () => {
  const t = tempDir('gt-refinery-');
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    writeFileSync(join(t.dir, 'refinery.lock'), `${sleeper.pid}\n`);
    assert.throws(() => acquireLock(t.dir), (e: unknown) => e instanceof RefineryBusyError && e instanceof UserError && /already running \(pid \d+\)/.test(e.message));
    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.once('exit', r));
    const release = acquireLock(t.dir);
    assert.equal(readFileSync(join(t.dir, 'refinery.lock'), 'utf8').trim(), String(process.pid));
    release();
    assert.equal(existsSync(join(t.dir, 'refinery.lock')), false);
  } finally {
    sleeper.kill('SIGKILL');
    t.cleanup();
  }
});

test('stale-lock takeover never deletes a lock it did not judge stale', async () => {
  const t = tempDir('gt-refinery-');
  const dead = spawn('true');
  const live = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await new Promise((r) => dead.once('exit', r));
    const path = join(t.dir, 'refinery.lock');
    writeFileSync(path, `${dead.pid}\n`);
    const judged = { holder: dead.pid!, ino: statSync(path).ino };
    // Another starter took the dead lock over first and now holds a fresh one.
    rmSync(path);
    writeFileSync(path, `${live.pid}\n`);
    takeOverStaleLock(path, judged);
    assert.equal(readFileSync(path, 'utf8').trim(), String(live.pid), 'the fresh lock is still there');
    assert.throws(() => acquireLock(t.dir), RefineryBusyError);
    assert.deepEqual(readdirSync(t.dir), ['refinery.lock'], 'no stray aside/tmp files');
  } finally {
    live.kill('SIGKILL');
    t.cleanup();
  }
});

test('starters racing for a dead refinery lock: exactly one wins, the rest are told it is busy', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    writeFileSync(join(t.dir, 'refinery.lock'), `${dead.pid}\n`);
    const starters = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, [fixtureScript, 'lock', t.dir, '3000'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      return new Promise<string>((resolve) => child.on('close', () => resolve(out.trim())));
    });
    await new Promise((r) => setTimeout(r, 700)); // let them all load and wait for the signal
    writeFileSync(join(t.dir, 'go'), '');
    const results = (await Promise.all(starters)).sort();
    assert.deepEqual(results, ['busy', 'busy', 'busy', 'busy', 'busy', 'got']);
    assert.equal(existsSync(join(t.dir, 'refinery.lock')), false, 'the winner released it');
  } finally {
    t.cleanup();
  }
});

const fixtureScript = fileURLToPath(new URL('./support/refinery-fixture.js', import.meta.url));

/** Starts a refinery child draining the file queue, in its own process group. */
function startRefinery(cfg: object) {
  const child = spawn(process.execPath, [fixtureScript, 'drain', JSON.stringify(cfg)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, done };
}

for (const batch of [1, 4]) {
  test(`killed mid-test (batch ${batch}): main unchanged and clean; rerun lands everything`, async () => {
    const t = tempDir('gt-refinery-');
    let pgid: number | undefined;
    try {
      const log = join(t.dir, 'tested.log');
      const marker = join(t.dir, 'testing');
      // The gate announces itself, then sleeps long enough to be killed in the middle.
      const f = makeRigRepo(join(t.dir, 'rig'), gate(log, `touch ${marker}; sleep 0.3; `));
      const queuePath = join(t.dir, 'q.json');
      const q = FileQueue.create(queuePath, independentMrs(f.repo.repoDir, 6, new Set([5])));
      const main0 = rev(f.repo.repoDir, 'main');
      const cfg = { repo: f.repo, stateDir: f.stateDir, queue: queuePath, batch };

      // First run: kill -9 the whole process group while the first test is running.
      const first = startRefinery(cfg);
      pgid = first.child.pid;
      await until('the first test to start', () => existsSync(marker));
      process.kill(-pgid!, 'SIGKILL');
      await first.done;
      pgid = undefined;
      assert.equal(rev(f.repo.repoDir, 'main'), main0, 'main untouched by the killed run');
      assert.ok(q.load().some((e) => e.state === 'testing'), 'the killed run left MRs in testing');
      // Dirty the worktree the way a killed test might have.
      writeFileSync(join(f.repo.worktree, 'junk.tmp'), 'half-written');

      const second = startRefinery(cfg);
      pgid = second.child.pid;
      const res = await second.done;
      pgid = undefined;
      assert.equal(res.code, 0, res.err);
      const byId = q.byId();
      assert.deepEqual([...byId.values()].map((e) => `${e.id}:${e.state}`), [
        'mr-001:merged', 'mr-002:merged', 'mr-003:merged', 'mr-004:merged', 'mr-005:bounced', 'mr-006:merged',
      ]);
      assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'MR 1', 'MR 2', 'MR 3', 'MR 4', 'MR 6']);
      assert.equal(gitSync(f.repo.worktree, ['status', '--porcelain', '--ignored']), '');
      // Every commit main ever pointed at after the start was tested green.
      const tested = new Set(readFileSync(log, 'utf8').trim().split('\n'));
      const reflog = gitSync(f.repo.repoDir, ['rev-list', '--first-parent', `${main0}..main`]).split('\n');
      assert.ok(tested.has(reflog[0]!), 'main tip was tested');
    } finally {
      if (pgid) try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
      t.cleanup();
    }
  });
}

test('killed between the swap of main and the bookkeeping: the rerun records the landing', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const f = makeRigRepo(join(t.dir, 'rig'), 'true');
    const queuePath = join(t.dir, 'q.json');
    const items = independentMrs(f.repo.repoDir, 2);
    const q = FileQueue.create(queuePath, items);
    // Simulate the crash window by hand: MR 1 marked testing, main swapped, journal written, no record.
    const { writeJournal } = await import('../src/refinery/journal.js');
    const { prepareWorktree, rebaseOnto, casMain } = await import('../src/refinery/worktree.js');
    await prepareWorktree(f.repo);
    const main0 = rev(f.repo.repoDir, 'main');
    q.begin([items[0]!]);
    const rb = await rebaseOnto(f.repo, rev(f.repo.repoDir, 'mr/1'), main0);
    assert.equal(rb.kind, 'ok');
    const head = rb.kind === 'ok' ? rb.head : '';
    writeJournal(f.stateDir, { from: main0, to: head, landed: [{ item: items[0]!, outcome: { kind: 'merged', commit: head, testedCommit: head, stackedWith: 1 } }] });
    assert.ok(await casMain(f.repo, head, main0, 'test'));

    const r = await drainQueue(f.repo, f.stateDir, q);
    assert.deepEqual(r.recovered, ['mr-001']);
    assert.deepEqual(r.merged, ['mr-002']);
    const o = q.byId().get('mr-001')!.outcomes;
    assert.deepEqual(o.map((x) => x.kind), ['merged']);
    assert.equal(o[0]!.kind === 'merged' && o[0]!.commit, head);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'MR 1', 'MR 2']);
  } finally {
    t.cleanup();
  }
});
