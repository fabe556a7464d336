// An agent working in a project that tracks its own .beads/ (a Beads user's repo: issues.jsonl in
// git, no database in the checkout) still reaches the rig's database with plain `bd` calls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, makeProject, type TownFixture, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { bd } from './support/cli.js';

let f: TownFixture;
before(() => {
  f = makeTown();
  const path = join(f.town, 'town.toml');
  writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'headless' }, agents: { default: 'shell' } }));
});
after(() => {
  sweepTown(f.town);
  f.cleanup();
});

test('bd inside a polecat worktree of a Beads-tracked project uses the rig database', async () => {
  const proj = makeProject(join(f.root, 'beadsy'), { 'README.md': '# beadsy\n' });
  assert.equal(bd(['init', '--prefix', 'bz'], { cwd: proj, env: f.env }).code, 0);
  f.git(proj, ['add', '-A']);
  f.git(proj, ['commit', '-qm', 'track beads']);
  f.gtJson(['rig', 'add', 'beadsy', proj]);
  const created = bd(['create', 'show yourself', '-d', '```sh\nbd show "$(gt hook --json | node -e \'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>console.log(JSON.parse(d).bead.id))\')" --json > shown.json\nbd list --json > listed.json\nbd comment "$(node -e \'console.log(require("./shown.json")[0].id)\')" "seen from the worktree"\n```', '--json'], { cwd: join(f.town, 'beadsy'), env: f.env });
  assert.equal(created.code, 0, created.stderr);
  const id = JSON.parse(created.stdout).id ?? JSON.parse(created.stdout)[0]?.id;
  const slung = f.gtJson(['sling', id, 'beadsy']);
  const h = slung.hooked[0];
  await until('the polecat to hand in', () => f.gtJson(['hook', h.agent]).state === 'done', 30_000);
  assert.equal(JSON.parse(f.git(h.workdir, ['show', 'HEAD:shown.json']))[0].id, id, 'bd show worked in the worktree');
  const comments = JSON.parse(bd(['comments', id, '--json'], { cwd: join(f.town, 'beadsy'), env: f.env }).stdout);
  assert.ok(comments.some((c: { text: string; author: string }) => c.text === 'seen from the worktree' && c.author === h.agent), 'written to the rig db as the polecat');
  assert.ok(JSON.parse(f.git(h.workdir, ['show', 'HEAD:listed.json'])).some((i: { id: string }) => i.id === id), 'bd list (no id to route by) reads the rig db');
  assert.equal(existsSync(join(h.workdir, '.beads', 'beads.db')), false, 'no stray database made in the checkout');
});
