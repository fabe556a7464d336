// Slinging to a rig with staging and capacity, through the real CLI: bad input (a dependency cycle,
// max_polecats = 0, an unknown epic) is one clear line with nothing changed; queued work shows in
// gt convoy status and gt status; gt convoy stranded names what cannot progress.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, withStore, type TownFixture, sweepTown } from './support/town-fixture.js';
import type { Store } from '../src/beads/api.js';

let f: TownFixture;
before(() => { f = makeTown(); });
after(() => { sweepTown(f.town); f.cleanup(); });

const withRigStore = <T>(fn: (s: Store) => Promise<T>) => withStore(join(f.town, 'demo', '.beads'), fn);
const snapshot = () => readFileSync(join(f.town, 'demo', '.beads', 'issues.jsonl'), 'utf8') + readFileSync(join(f.town, '.beads', 'issues.jsonl'), 'utf8');

test('bad input: a cycle, max_polecats = 0, an unknown epic; one line, non-zero exit, nothing changed', async () => {
  const [a, b] = await withRigStore(async (s) => {
    const a = (await s.create({ title: 'a' }, 't')).id;
    const b = (await s.create({ title: 'b', deps: [{ type: 'blocks', id: a }] }, 't')).id;
    // bd refuses to make a cycle; one arrives through an import (a Beads export, a merge of two branches).
    const line = (await s.exportText()).split('\n').find((l) => l.includes(`"id":"${a}"`))!;
    const rec = JSON.parse(line);
    rec.dependencies = [...(rec.dependencies ?? []), { issue_id: a, depends_on_id: b, type: 'blocks', created_at: rec.created_at, created_by: 't' }];
    await s.importText(JSON.stringify(rec) + '\n', 'test', 't');
    return [a, b] as const;
  });
  const before = snapshot();
  const cyc = f.gt(['sling', a, b, 'demo', '--no-start']);
  assert.equal(cyc.code, 1);
  assert.match(cyc.stderr, new RegExp(`cannot sling: dependency cycle (${a} -> ${b} -> ${a}|${b} -> ${a} -> ${b})`));
  assert.equal(cyc.stderr.trim().split('\n').length <= 2, true, cyc.stderr);
  const unknown = f.gt(['sling', 'de-nosuch', 'demo']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /not found: de-nosuch/);
  const bad = f.gt(['sling', a, 'demo', '--max-concurrent', '0']);
  assert.equal(bad.code, 2, 'a usage error');
  assert.match(bad.stderr, /at least 1/);

  const rigToml = join(f.town, 'demo', 'rig.toml');
  const saved = readFileSync(rigToml, 'utf8');
  appendFileSync(rigToml, '\nmax_polecats = 0\n');
  const zero = f.gt(['sling', a, 'demo']);
  writeFileSync(rigToml, saved);
  assert.equal(zero.code, 1);
  assert.match(zero.stderr, /rig\.toml: max_polecats must be a whole number of at least 1, not 0/);
  assert.doesNotMatch(zero.stderr, /internal error/i);
  // A value of the wrong kind is refused by name, and gt status shows the rig left out, not gone.
  writeFileSync(rigToml, saved.replace(/^test_timeout_sec = .*$/m, 'test_timeout_sec = "ten minutes"'));
  const typed = f.gt(['sling', a, 'demo']);
  const status = f.gt(['status']);
  const statusJson = f.gtJson(['status']);
  writeFileSync(rigToml, saved);
  assert.equal(typed.code, 1);
  assert.match(typed.stderr, /rig\.toml: test_timeout_sec must be a whole number of seconds, at least 1, not "ten minutes"/);
  assert.equal(status.code, 0);
  assert.match(status.stdout, /Rigs \(0, and 1 left out\):\n {2}demo: LEFT OUT, its config does not load: .*test_timeout_sec/);
  assert.deepEqual(statusJson.broken.map((b: { rig: string }) => b.rig), ['demo']);
  assert.equal(snapshot(), before, 'nothing hooked or changed');
  await withRigStore(async (s2) => {
    await s2.removeDependency(a, b, 'blocks', 't');
    await s2.closeIssues([a, b], 'test over', 't');
  });
});

test('an epic beyond capacity: queued work shows in convoy status and gt status; stranded names an outside blocker', async () => {
  appendFileSync(join(f.town, 'demo', 'rig.toml'), '\nmax_polecats = 1\n');
  const { outside, epic, one, two, three } = await withRigStore(async (s) => {
    const outside = (await s.create({ title: 'outside work' }, 't')).id;
    const epic = (await s.create({ title: 'epic', issue_type: 'epic' }, 't')).id;
    const one = (await s.create({ title: 'one', parent: epic, priority: 1 }, 't')).id;
    const two = (await s.create({ title: 'two', parent: epic, priority: 3 }, 't')).id;
    const three = (await s.create({ title: 'three', parent: epic, deps: [{ type: 'blocks', id: outside }] }, 't')).id;
    return { outside, epic, one, two, three };
  });
  const r = f.gtJson(['sling', epic, 'demo', '--no-start']);
  assert.deepEqual(r.hooked.map((h: any) => h.bead), [one], 'the most urgent child takes the one slot');
  assert.deepEqual(r.staged.map((x: any) => [x.bead, x.reason]).sort(), [[three, `blocked by ${outside} (still open)`], [two, 'queued: capacity 1/1']].sort());
  const text = f.gt(['convoy', 'status', r.convoy]).stdout;
  assert.match(text, /queued: capacity 1\/1/);
  assert.match(f.gt(['status']).stdout, /polecats 1\/1; 2 staged \(queued: capacity 1\/1\)/);
  const stranded = f.gt(['convoy', 'stranded', '--json']);
  assert.equal(stranded.code, 1, 'something is stranded');
  assert.deepEqual(JSON.parse(stranded.stdout).map((x: any) => [x.bead, x.reason]), [[three, `blocked by ${outside}, outside the convoy and not being worked`]]);
  const unknownEpic = f.gt(['sling', `${epic}.99`, 'demo']);
  assert.equal(unknownEpic.code, 1);
  assert.match(unknownEpic.stderr, /not found/);
});

test('a convoy\'s own --max-concurrent queue shows in gt status, not only a full rig', async () => {
  const rigToml = join(f.town, 'demo', 'rig.toml');
  writeFileSync(rigToml, readFileSync(rigToml, 'utf8').replace(/\nmax_polecats = \d+\n/g, '\n'));
  const ids = await withRigStore(async (s) => {
    const out: string[] = [];
    for (const t of ['x', 'y', 'z']) out.push((await s.create({ title: t }, 't')).id);
    return out;
  });
  const r = f.gtJson(['sling', ...ids, 'demo', '--no-start', '--max-concurrent', '1']);
  assert.equal(r.hooked.length, 1);
  assert.deepEqual(r.staged.map((x: any) => x.reason), ['queued: capacity 1/1', 'queued: capacity 1/1']);
  const st = f.gtJson(['status']);
  const demo = st.rigs.find((x: any) => x.name === 'demo');
  assert.equal(demo.polecats.limit, 20, 'the rig itself has room (town default)');
  assert.equal(demo.queued, 'queued: capacity 1/1', 'the convoy\'s limit is what queues the work');
  const text = f.gt(['status']).stdout;
  assert.match(text, /polecats 2\/20; \d+ staged \(queued: capacity 1\/1\)/);
  assert.match(text, new RegExp(`${r.convoy} .*: 0/3 closed, 2 staged \\(queued: capacity 1/1\\)`));
});

test('the town\'s max_polecats holds across rigs: a rig with room of its own queues behind the town', async () => {
  const { makeProject } = await import('./support/town-fixture.js');
  const add = f.gt(['rig', 'add', 'web', makeProject(join(f.root, 'web-project'))]);
  assert.equal(add.code, 0, add.stderr);
  const townToml = join(f.town, 'town.toml');
  writeFileSync(townToml, readFileSync(townToml, 'utf8').replace(/^(id = .*)$/m, '$1\nmax_polecats = 2'));
  const st0 = f.gtJson(['status']);
  assert.equal(st0.rigs.reduce((n: number, r: any) => n + r.polecats.running, 0), 2, 'two polecats already (earlier tests)');
  const id = await withStore(join(f.town, 'web', '.beads'), async (s) => (await s.create({ title: 'web work' }, 't')).id);
  const r = f.gtJson(['sling', id, 'web', '--no-start']);
  assert.deepEqual(r.hooked, [], 'the town is full');
  assert.deepEqual(r.staged, [{ bead: id, reason: 'queued: capacity 2/2' }]);
  assert.match(f.gt(['status']).stdout, /web \[\w+\] main: .*polecats 0\/2; 1 staged \(queued: capacity 2\/2\)/);
  assert.match(f.gt(['convoy', 'status', r.convoy]).stdout, /staged: queued: capacity 2\/2/);
});
