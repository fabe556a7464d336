// Pour, squash and burn against a real store in a temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from '../beads/sqlite/store.js';
import { UserError } from '../lib/errors.js';
import { burn } from './burn.js';
import { cook } from './cook.js';
import { parseFormula } from './formula.js';
import { readMolecule } from './molecule.js';
import { pour } from './pour.js';
import { squash } from './squash.js';

const formula = parseFormula(`
formula = "release"
description = "Cut {{version}}"
[vars.version]
required = true
[[steps]]
id = "bump"
title = "Bump to {{version}}"
[[steps]]
id = "publish"
title = "Publish {{version}}"
needs = ["tag"]
[[steps]]
id = "tag"
title = "Tag v{{version}}"
needs = ["bump"]
`, 'release.formula.toml');

function withStore(fn: (s: SqliteStore, dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mol-pour-'));
    const s = await openSqliteStore(join(dir, '.beads'), { create: true, prefix: 'mm' });
    try {
      await fn(s, join(dir, '.beads'));
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const exported = async (s: SqliteStore, dir: string) => {
  await s.flush();
  const file = join(dir, 'issues.jsonl');
  if (!existsSync(file)) return []; // nothing exported yet
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; status: string; issue_type: string; digest_of?: string });
};

test('pour: a molecule root, children <root>.N in step order, blocks edges from needs; only the first step is ready', withStore(async (s, dir) => {
  const { root, steps: poured } = await pour(s, cook(formula, { version: '1.2' }), { actor: 'me' });
  assert.deepEqual(poured.map((p) => [p.step, p.title]), [['bump', 'Bump to 1.2'], ['publish', 'Publish 1.2'], ['tag', 'Tag v1.2']]);
  const steps = await Promise.all(poured.map((p) => s.mustGet(p.id)));
  assert.equal(root.issue_type, 'molecule');
  assert.equal(root.title, 'release: Cut 1.2');
  assert.deepEqual(root.fields, { formula: 'release', formula_vars: { version: '1.2' } });
  assert.deepEqual(steps.map((b) => b.id), [`${root.id}.1`, `${root.id}.2`, `${root.id}.3`]);
  assert.deepEqual(steps.map((b) => b.fields.mol_step), ['bump', 'publish', 'tag']);
  const edges = (b: (typeof steps)[number]) => b.dependencies.map((d) => `${d.type}:${d.depends_on_id}`).sort();
  assert.deepEqual(edges(steps[1]!), [`blocks:${root.id}.3`, `parent-child:${root.id}`]); // publish needs tag (a later step)
  assert.deepEqual(edges(steps[2]!), [`blocks:${root.id}.1`, `parent-child:${root.id}`]);
  assert.deepEqual((await s.ready()).map((b) => b.id), [`${root.id}.1`]);
  assert.deepEqual((await readMolecule(s, root.id)).steps.map((b) => b.id), steps.map((b) => b.id));
  assert.equal((await exported(s, dir)).length, 4);
  assert.deepEqual(await s.doctor(), { ok: true, problems: [] }, 'the bulk insert leaves the blocked state the graph implies');
}));

test('a step that needs a later one is blocked; closing steps unblocks in order (blocked state from the bulk insert)', withStore(async (s) => {
  const { steps } = await pour(s, cook(formula, { version: '1' }), { actor: 'me' });
  const [bump, publish, tag] = steps.map((p) => p.id);
  assert.deepEqual((await s.blocked()).map((b) => b.issue.id).sort(), [publish, tag].sort());
  await s.closeIssues([bump!], undefined, 'me');
  assert.deepEqual((await s.ready()).map((b) => b.id), [tag]);
  await s.closeIssues([tag!], undefined, 'me');
  assert.deepEqual((await s.ready()).map((b) => b.id), [publish]);
}));

test('createChildren refuses a cycle among the new beads and creates nothing', withStore(async (s) => {
  const parent = await s.create({ title: 'p' }, 'me');
  const kids = [{ title: 'a' }, { title: 'b' }, { title: 'c' }];
  await assert.rejects(() => s.createChildren(parent.id, kids, [{ from: 0, to: 1, type: 'blocks' }, { from: 1, to: 2, type: 'blocks' }, { from: 2, to: 0, type: 'blocks' }], 'me'),
    (e: unknown) => e instanceof UserError && /would form a dependency cycle: a -> b -> c/.test(e.message));
  assert.deepEqual((await s.list()).map((i) => i.id), [parent.id]);
  // A child under a blocked parent inherits the block.
  const gate = await s.create({ title: 'gate' }, 'me');
  await s.addDependency(parent.id, gate.id, 'blocks', 'me');
  const [kid] = await s.createChildren(parent.id, [{ title: 'k' }], [], 'me');
  assert.equal(kid, `${parent.id}.1`);
  assert.deepEqual(await s.explain(kid!), [`its parent chain is blocked at ${parent.id}`]);
  assert.deepEqual(await s.doctor(), { ok: true, problems: [] });
}));

test('pour is one transaction: a failure part-way leaves nothing', withStore(async (s) => {
  const proto = cook(formula, { version: '1' });
  proto.steps[2]!.title = ' '; // the store refuses an empty title on the last step
  await assert.rejects(() => pour(s, proto, { actor: 'me' }), UserError);
  assert.deepEqual(await s.list({ includeEphemeral: true }), []);
}));

test('squash a poured molecule: open steps and root closed with the summary; again is a no-op', withStore(async (s) => {
  const { root, steps } = await pour(s, cook(formula, { version: '1' }), { actor: 'me' });
  await s.closeIssues([steps[0]!.id], 'bumped', 'me');
  const r = await squash(s, root.id, { summary: 'released', actor: 'me' });
  assert.deepEqual(r.closed, [steps[1]!.id, steps[2]!.id, root.id]);
  assert.equal(r.digest, undefined);
  for (const b of [...steps.slice(1), root]) assert.equal((await s.mustGet(b.id)).close_reason, 'released');
  assert.equal((await s.mustGet(steps[0]!.id)).close_reason, 'bumped');
  assert.equal((await squash(s, root.id, { actor: 'me' })).already, true);
  await assert.rejects(() => burn(s, root.id, 'me'), /is not a wisp/);
}));

test('squash a wisp: one exported, closed digest; the wisp is gone; again names the digest', withStore(async (s, dir) => {
  const { root, steps } = await pour(s, cook(formula, { version: '3' }), { actor: 'me', ephemeral: true });
  assert.ok((await Promise.all(steps.map((b) => s.mustGet(b.id)))).every((b) => b.ephemeral));
  assert.deepEqual(await s.ready(), [], 'wisps are never ready work');
  assert.deepEqual(await exported(s, dir), [], 'a wisp is never exported');
  await s.closeIssues([steps[0]!.id], 'bumped', 'me');
  const r = await squash(s, root.id, { actor: 'me' });
  assert.equal(r.summary, 'squashed with 1/3 steps done');
  const digest = await s.mustGet(r.digest!);
  assert.equal(digest.status, 'closed');
  assert.equal(digest.ephemeral, undefined);
  assert.equal(digest.fields.digest_of, root.id);
  assert.match(digest.description!, /- \[x\] bump: Bump to 3 \(bumped\)/);
  assert.match(digest.description!, /- \[ \] tag: Tag v3 \(left open\)/);
  assert.deepEqual((await exported(s, dir)).map((l) => [l.id, l.digest_of]), [[digest.id, root.id]]);
  assert.equal(await s.getExact(root.id), undefined);
  assert.equal((await s.list({ includeEphemeral: true })).length, 1);
  assert.deepEqual(r.deleted, [root.id, ...steps.map((b) => b.id)]);
  assert.deepEqual(await squash(s, root.id, { actor: 'me' }), { root: root.id, wisp: true, summary: r.summary, closed: [], deleted: [], digest: digest.id, already: true });
}));

test('burn a wisp: deleted without a trace; a step id is not a molecule', withStore(async (s, dir) => {
  const { root, steps } = await pour(s, cook(formula, { version: '3' }), { actor: 'me', ephemeral: true });
  await assert.rejects(() => burn(s, steps[0]!.id, 'me'), /is not a molecule \(it is a task\)/);
  assert.deepEqual((await burn(s, root.id, 'me')).deleted, [root.id, ...steps.map((b) => b.id)]);
  assert.deepEqual(await s.list({ includeEphemeral: true }), []);
  assert.deepEqual(await exported(s, dir), []);
}));
