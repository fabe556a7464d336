// Chaos: polecat sessions are killed (SIGKILL to the whole process group) in the middle of their
// work. Nothing is lost: the Witness finds each dead polecat from persisted state, restarts it on
// the same worktree and hook, and the convoy still lands with every bead merged exactly once.
// Real tmux, real git, the built-in shell agent (no model).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, withStore, type TownFixture, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';

let f: TownFixture;
before(() => {
  f = makeTown({ testCmd: 'true', shellAgents: true });
});
after(() => {
  sweepTown(f.town);
  f.cleanup();
});

test('killed polecats are restarted by the witness and the convoy lands', { timeout: 120_000 }, async () => {
  // Each bead's work waits for a go signal, so the kills below land in the middle of it however
  // slowly the sessions start (a fixed sleep let early ones finish first on a loaded machine).
  const go = join(f.root, 'go');
  const ids = await withStore(join(f.town, 'demo', '.beads'), async (s) => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await s.create({ title: `part ${i}`, description: `Write part ${i}.\n\n\`\`\`sh\nwhile [ ! -e ${go} ]; do sleep 0.2; done\necho "part ${i}" > part-${i}.txt\n\`\`\`\n` }, 'overseer')).id);
    }
    return ids;
  });
  const slung = f.gtJson(['sling', ...ids, 'demo']);
  assert.ok(slung.hooked.every((h: any) => h.session === 'started'), JSON.stringify(slung.hooked));

  // Kill half of them mid-work, the whole process group, as a crash would.
  const sessions = f.gtJson<any[]>(['session', 'list']);
  const victims = slung.hooked.slice(0, 3).map((h: any) => h.agent);
  for (const v of victims) {
    const row = sessions.find((r) => r.agent === v);
    assert.ok(row?.pid, `a live session for ${v}`);
    process.kill(-row.pid, 'SIGKILL');
  }
  writeFileSync(go, '');

  // Patrol until the convoy lands: witness restarts, refinery merges.
  const landed = await until('the convoy to land', () => {
    const p = f.gt(['patrol', '--json']);
    assert.equal(p.code, 0, p.stderr);
    const c = f.gtJson(['convoy', 'status', slung.convoy]);
    return c.landed && c;
  }, 90_000);
  assert.equal(landed.closed, 6);

  await withStore(join(f.town, 'demo', '.beads'), async (st) => {
    const agents = await st.list({ type: 'agent' });
    for (const v of victims) {
      const a = agents.find((b) => b.fields.address === v)!;
      assert.equal(a.fields.restarts, 1, `${v} was restarted once by the witness`);
    }
    const mrs = await st.list({ type: 'merge-request' });
    assert.equal(mrs.length, 6, 'one MR per bead, none duplicated');
    assert.ok(mrs.every((m) => m.fields.mr_state === 'merged'));
  });
  const repo = join(f.town, 'demo', '.repo.git');
  for (let i = 0; i < 6; i++) assert.equal(f.git(repo, ['show', `main:part-${i}.txt`]), `part ${i}`);
  assert.equal(f.git(repo, ['rev-list', '--count', 'main']), '7', 'initial commit + 6 merges');
});
