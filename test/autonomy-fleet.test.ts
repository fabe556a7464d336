// Fleet control on real tmux, git and SQLite: the Mayor's and crew sessions started, listed and
// stopped; polecats listed, nuked (refused with unmerged commits unless --force) and collected;
// `gt down --all` in the middle of a convoy stops every session with the work kept on hooks, and
// `gt up` brings the town back: the convoy lands with every bead merged exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, createRigBead, withStore, type TownFixture, sweepTown, townId } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { listSessions } from '../src/lib/tmux.js';

let f: TownFixture;
before(() => {
  f = makeTown({ testCmd: 'true' });
  const path = join(f.town, 'town.toml');
  // `sleeper`: an agent that just stays up, for sessions whose lifecycle is under test.
  writeFileSync(path, stringify({
    ...parse(readFileSync(path, 'utf8')),
    runtime: { mode: 'tmux' },
    agents: { default: 'shell', custom: { sleeper: { command: 'sleep', args: ['600'] } } },
  }));
});
after(() => {
  f.gt(['down', '--all']);
  sweepTown(f.town);
  f.cleanup();
});

const alivePolecats = () => listSessions(`gt-${townId(f.town)}`).filter((s) => s.name.startsWith('gt-demo-polecat-') && !s.dead);

test('gt mayor start|status|stop and gt crew add|list|start|stop|remove', () => {
  assert.equal(f.gtJson(['mayor', 'status']).alive, false);
  const started = f.gtJson(['mayor', 'start', '--agent', 'sleeper']);
  assert.equal(started.started, true);
  assert.equal(started.agent.adapter, 'sleeper');
  assert.equal(f.gtJson(['mayor', 'start']).started, false, 'idempotent: already running');
  const st = f.gtJson(['mayor', 'status']);
  assert.equal(st.alive, true);
  assert.equal(st.workdir, join(f.town, 'mayor'));
  assert.equal(f.gtJson(['mayor', 'stop']).stopped, true);
  assert.equal(f.gtJson(['mayor', 'status']).alive, false);

  f.gtJson(['crew', 'add', 'ann', '--rig', 'demo']);
  assert.deepEqual(f.gtJson<any[]>(['crew', 'list']).map((r) => [r.address, r.alive]), [['demo/crew/ann', false]]);
  assert.equal(f.gtJson(['crew', 'start', 'ann', '--agent', 'sleeper']).started, true);
  assert.equal(f.gtJson<any[]>(['crew', 'list'])[0].alive, true);
  assert.equal(f.gtJson(['crew', 'stop', 'ann']).stopped, true);
  assert.equal(f.gtJson<any[]>(['crew', 'list'])[0].alive, false);
  const unknown = f.gt(['crew', 'start', 'bob']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /crew member not found: bob/);
  assert.equal(f.gtJson(['crew', 'remove', 'ann']).agent, 'demo/crew/ann');
  assert.deepEqual(f.gtJson(['crew', 'list']), []);
  assert.ok(!existsSync(join(f.town, 'demo', 'crew', 'ann')), 'its worktree is gone');
});

test('gt polecat list|nuke|gc: nuke refuses unmerged commits unless --force, and the bead goes back to its convoy', async () => {
  const id = await createRigBead(f.town, 'to be nuked', 'nothing');
  const slung = f.gtJson(['sling', id, 'demo', '--no-start']);
  const h = slung.hooked[0];
  assert.deepEqual(f.gtJson<any[]>(['polecat', 'list']).map((p) => [p.address, p.hook]), [[h.agent, id]]);
  writeFileSync(join(h.workdir, 'work.txt'), 'half done\n');
  f.git(h.workdir, ['add', '-A']);
  f.git(h.workdir, ['commit', '-qm', 'half']);
  const refused = f.gt(['polecat', 'nuke', h.agent]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /1 unmerged commit/);
  assert.equal(f.gtJson<any[]>(['polecat', 'list']).length, 1, 'nothing changed');

  const nuked = f.gtJson(['polecat', 'nuke', h.agent.split('/').pop(), '--force']);
  assert.equal(nuked.bead, id);
  assert.equal(nuked.branchKept, true);
  assert.deepEqual(f.gtJson(['polecat', 'list']), []);
  const c = f.gtJson(['convoy', 'status', slung.convoy]);
  assert.deepEqual(c.staged.map((s: any) => s.id), [id], 'staged again for a fresh polecat');
  assert.equal(c.tracked[0].status, 'open');
  assert.equal(f.git(join(f.town, 'demo', '.repo.git'), ['rev-list', '--count', `main..${h.branch}`]), '1', 'the branch is kept');

  mkdirSync(join(f.town, 'demo', 'polecats', 'leftover'), { recursive: true });
  writeFileSync(join(f.town, 'demo', 'polecats', 'leftover', 'x'), 'x');
  assert.deepEqual(f.gtJson(['polecat', 'gc']).removed, [join(f.town, 'demo', 'polecats', 'leftover')]);
  // Done with this bead: out of the way of the next test's convoy.
  await withStore(join(f.town, 'demo', '.beads'), (s) => s.closeIssues([id], 'test over', 't'));
});

test('gt down --all in the middle of a convoy keeps the work on hooks; gt up lands it', { timeout: 300_000 }, async () => {
  appendFileSync(join(f.town, 'demo', 'rig.toml'), '\nmax_polecats = 2\n');
  // e checks that its blocker's work is on the main its worktree was cut from. Every part but a
  // waits for a go file, so work is surely in flight when the town is stopped, however slow the machine.
  const go = join(f.root, 'go');
  const wait = (n: string) => (n === 'a' ? '' : `while [ ! -e ${go} ]; do sleep 0.2; done\n`);
  const work = (n: string, needs = '') => `Part ${n}.\n\n\`\`\`sh\n${needs}${wait(n)}echo "${n}" > part-${n}.txt\n\`\`\`\n`;
  const ids: string[] = [];
  for (const n of ['a', 'b', 'c', 'd']) ids.push(await createRigBead(f.town, `part ${n}`, work(n)));
  const last = await withStore(join(f.town, 'demo', '.beads'), async (s) => (await s.create({ title: 'part e', description: work('e', 'test -e part-a.txt\n'), deps: [{ type: 'blocks', id: ids[0]! }] }, 'overseer')).id);
  const all = [...ids, last];
  const slung = f.gtJson(['sling', ...all, 'demo']);
  assert.equal(slung.hooked.length, 2);
  assert.equal(f.gt(['up']).code, 0);

  // Mid-convoy: something merged, polecats at work.
  await until('a merge with polecats still working', () => withStore(join(f.town, 'demo', '.beads'), async (merged) =>
    (await merged.list({ type: 'merge-request' })).some((m) => m.fields.mr_state === 'merged') && alivePolecats().length > 0), 120_000);
  const down = f.gtJson(['down', '--all']);
  assert.equal(down.stopped, true, 'the deacon stopped');
  assert.ok(down.agents.length >= 1, JSON.stringify(down));
  assert.equal(alivePolecats().length, 0, 'no polecat session left running');
  const hooked = f.gtJson<any[]>(['polecat', 'list']).filter((p) => p.hook);
  assert.ok(hooked.length >= 1, 'the stopped work is still on hooks');
  assert.ok(hooked.every((p) => !p.alive));

  writeFileSync(go, '');
  assert.equal(f.gt(['up']).code, 0);
  await until('the convoy to land', () => withStore(join(f.town, '.beads'), async (hq) => (await hq.get(slung.convoy))?.status === 'closed'), 240_000);
  await withStore(join(f.town, 'demo', '.beads'), async (st) => {
    const merged = (await st.list({ type: 'merge-request', includeClosed: true })).filter((m) => m.fields.mr_state === 'merged' && all.includes(m.fields.source_bead as string));
    assert.deepEqual(merged.map((m) => m.fields.source_bead).sort(), [...all].sort(), 'every bead merged exactly once');
  });
  for (const n of ['a', 'b', 'c', 'd', 'e']) assert.equal(f.git(join(f.town, 'demo', '.repo.git'), ['show', `main:part-${n}.txt`]), n);
  await withStore(join(f.town, 'demo', '.beads'), async (bounced) => {
    assert.deepEqual((await bounced.list({ type: 'merge-request', includeClosed: true })).filter((m) => m.fields.mr_state === 'bounced'), [], 'nothing bounced: e was slung after a landed');
  });
});
