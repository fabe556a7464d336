// Landing through the rig's remote (a town shared across machines), on real git without beads:
// two refineries ("machines") with their own bare repos and one shared remote. A landing is one
// atomic push of main plus a marker per MR; a refinery that finds an MR's marker records it as
// merged instead of merging it again (its holder died between the push and the bookkeeping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from './support/cli.js';
import { FileQueue, independentMrs, mainSubjects, makeRigRepo, rev, tryRev } from './support/refinery-fixture.js';
import { drainQueue } from '../src/refinery/drain.js';
import { markerRef, pushLanding } from '../src/refinery/remote-land.js';
import { gitSync } from '../src/lib/git.js';
import type { RefineryRepo } from '../src/refinery/worktree.js';

function machines(dir: string) {
  const a = makeRigRepo(join(dir, 'a'));
  const remote = join(dir, 'remote.git');
  gitSync(dir, ['clone', '--quiet', '--bare', a.repo.repoDir, remote]);
  const bDir = join(dir, 'b');
  gitSync(dir, ['clone', '--quiet', '--bare', remote, join(bDir, '.repo.git')]);
  const shared = (repo: RefineryRepo): RefineryRepo => ({ ...repo, remote, landOnRemote: true });
  return {
    remote,
    a: { stateDir: a.stateDir, repo: shared(a.repo) },
    b: { stateDir: join(bDir, 'refinery'), repo: shared({ ...a.repo, repoDir: join(bDir, '.repo.git'), worktree: join(bDir, 'refinery', 'rig') }) },
  };
}

test('an MR another machine already landed on the remote is recorded as merged, not merged again', async () => {
  const t = tempDir('gt-remote-land-');
  try {
    const m = machines(t.dir);
    const items = independentMrs(m.a.repo.repoDir, 3);
    // gt done pushed the polecats' branches to the remote; machine b has none of them locally.
    for (const i of items) gitSync(m.a.repo.repoDir, ['push', '--quiet', m.remote, `refs/heads/${i.branch}:refs/heads/${i.branch}`]);
    // Machine a lands mr-001 and "dies" before recording it: b's queue still has it queued.
    const qa = FileQueue.create(join(t.dir, 'qa.json'), items.slice(0, 1));
    assert.deepEqual((await drainQueue(m.a.repo, m.a.stateDir, qa)).merged, ['mr-001']);
    const landedAs = rev(m.remote, markerRef('mr-001'));
    assert.equal(rev(m.remote, 'main'), landedAs);
    const qb = FileQueue.create(join(t.dir, 'qb.json'), items);
    const r = await drainQueue(m.b.repo, m.b.stateDir, qb);
    assert.deepEqual(r.recovered, ['mr-001']);
    assert.deepEqual(r.merged, ['mr-002', 'mr-003']);
    assert.deepEqual(qb.byId().get('mr-001')!.outcomes, [{ kind: 'merged', commit: landedAs, testedCommit: landedAs, stackedWith: 0, already: true }]);
    assert.deepEqual(mainSubjects(m.remote), ['initial', 'MR 1', 'MR 2', 'MR 3'], 'each MR on the one main once');
    assert.equal(rev(m.b.repo.repoDir, 'main'), rev(m.remote, 'main'), "b's main follows the remote's");
    for (const id of ['mr-001', 'mr-002', 'mr-003']) assert.ok(tryRev(m.remote, markerRef(id)), `${id} has its marker`);
  } finally {
    t.cleanup();
  }
});

test('a landing is all or nothing: a stale base or an MR already marked refuses the whole push', async () => {
  const t = tempDir('gt-remote-land-');
  try {
    const m = machines(t.dir);
    const [one, two] = independentMrs(m.a.repo.repoDir, 2);
    const base = rev(m.remote, 'main');
    const c1 = rev(m.a.repo.repoDir, `refs/heads/${one!.branch}`);
    const c2 = rev(m.a.repo.repoDir, `refs/heads/${two!.branch}`);
    assert.deepEqual(await pushLanding(m.a.repo, c1, base, [{ id: one!.id, commit: c1 }]), { ok: true });
    // Another machine tested mr-002 on the old main: its landing is refused, nothing moves.
    const stale = await pushLanding(m.a.repo, c2, base, [{ id: two!.id, commit: c2 }]);
    assert.equal(stale.ok, false);
    assert.equal(rev(m.remote, 'main'), c1);
    assert.equal(tryRev(m.remote, markerRef(two!.id)), undefined, 'no marker without its landing');
    // Landing mr-001 a second time (on the right base) is refused too: its marker exists.
    const again = await pushLanding(m.a.repo, c2, c1, [{ id: one!.id, commit: c2 }]);
    assert.equal(again.ok, false);
    assert.equal(rev(m.remote, 'main'), c1, 'main did not move');
  } finally {
    t.cleanup();
  }
});
