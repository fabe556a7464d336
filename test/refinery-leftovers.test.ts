// What one refinery run leaves behind must never decide the next: files in the worktree (ignored
// ones included) and processes of a test command whose refinery was killed. Real git, real
// processes, a real rig repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/cli.js';
import { FileQueue, commitFiles, mainSubjects, makeRigRepo, rev } from './support/refinery-fixture.js';
import { drainQueue } from '../src/refinery/drain.js';
import { gitSync } from '../src/lib/git.js';

/** A rig whose test is its own tracked `check.sh`, with `build/` ignored (build output, caches). */
function rigWithCheckScript(dir: string, check: string) {
  const f = makeRigRepo(join(dir, 'rig'), 'sh check.sh');
  commitFiles(f.repo.repoDir, 'main', { '.gitignore': 'build/\n', 'check.sh': check }, 'check script');
  return f;
}

const mr = (id: string, branch: string, n: number) => ({ id, branch, priority: 2, createdAt: `2025-01-01T00:00:0${n}.000Z` });

test('an MR green only thanks to an ignored file an earlier run left is red (bounced), as on a clean checkout', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const f = rigWithCheckScript(t.dir, 'true\n');
    // MR 1 builds an artifact into the ignored build/ and checks it: green on a clean checkout.
    commitFiles(f.repo.repoDir, 'gen', { 'check.sh': 'mkdir -p build && echo made > build/gen.txt && test -s build/gen.txt\n' }, 'generate and check');
    // MR 2 drops the build step but still needs its output: red on a clean checkout.
    commitFiles(f.repo.repoDir, 'stale', { 'check.sh': 'test -s build/gen.txt || { echo "FAIL: build/gen.txt missing"; exit 1; }\n' }, 'check only', gitSync(f.repo.repoDir, ['rev-parse', 'gen']));
    const q = FileQueue.create(join(t.dir, 'q.json'), [mr('mr-gen', 'gen', 1), mr('mr-stale', 'stale', 2)]);
    const r = await drainQueue(f.repo, f.stateDir, q);
    assert.deepEqual(r.merged, ['mr-gen']);
    assert.deepEqual(r.bounced, ['mr-stale'], 'the leftover build/gen.txt must not make it green');
    const o = q.byId().get('mr-stale')!.outcomes[0]!;
    assert.equal(o.kind, 'red');
    assert.match(o.kind === 'red' ? o.tail : '', /FAIL: build\/gen.txt missing/);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'check script', 'generate and check']);
  } finally {
    t.cleanup();
  }
});

test("an ignored file a bounced MR's run left does not make main look red (no false verdict, no wedge)", async () => {
  const t = tempDir('gt-refinery-');
  try {
    // Main is green on a clean checkout; a stale build/poison breaks it (a corrupt cache, say).
    const f = rigWithCheckScript(t.dir, 'test ! -e build/poison || { echo "FAIL: stale build/poison"; exit 1; }\n');
    const main0 = rev(f.repo.repoDir, 'main');
    commitFiles(f.repo.repoDir, 'bad', { 'check.sh': 'mkdir -p build && touch build/poison; echo "FAIL: bad MR"; exit 1\n' }, 'bad MR', main0);
    commitFiles(f.repo.repoDir, 'good', { 'mods/good.txt': 'good\n' }, 'good MR', main0);
    const q = FileQueue.create(join(t.dir, 'q.json'), [mr('mr-bad', 'bad', 1), mr('mr-good', 'good', 2)]);
    const r = await drainQueue(f.repo, f.stateDir, q);
    assert.equal(r.mainRed, undefined, `main was judged red: ${r.mainRed?.tail}`);
    assert.deepEqual(r.bounced, ['mr-bad']);
    assert.deepEqual(r.merged, ['mr-good']);
    const o = q.byId().get('mr-bad')!.outcomes[0]!;
    assert.match(o.kind === 'red' ? o.tail : '', /FAIL: bad MR/);
    assert.deepEqual(mainSubjects(f.repo.repoDir), ['initial', 'check script', 'good MR']);
  } finally {
    t.cleanup();
  }
});

test('a "main is red" verdict cached before tests ran on a clean tree is judged again, so it cannot wedge the queue', async () => {
  const t = tempDir('gt-refinery-');
  try {
    const f = rigWithCheckScript(t.dir, 'true\n');
    const main0 = rev(f.repo.repoDir, 'main');
    commitFiles(f.repo.repoDir, 'bad', { 'check.sh': 'echo "FAIL: bad MR"; exit 1\n' }, 'bad MR', main0);
    // What an older refinery left: main red, as its leftovers made it look.
    mkdirSync(f.stateDir, { recursive: true });
    writeFileSync(join(f.stateDir, 'main-verdict.json'), JSON.stringify({ commit: main0, passed: false, tail: 'FAIL: stale leftovers' }));
    const q = FileQueue.create(join(t.dir, 'q.json'), [mr('mr-bad', 'bad', 1)]);
    const r = await drainQueue(f.repo, f.stateDir, q);
    assert.equal(r.mainRed, undefined, 'main was tested again, and is green');
    assert.deepEqual(r.bounced, ['mr-bad']);
    assert.equal(r.testRuns, 2, 'the MR, then main alone');
  } finally {
    t.cleanup();
  }
});
