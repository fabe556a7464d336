// Pour, squash and burn against a real store in a temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type BeadStore } from '../beads/store.js';
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

function withStore(fn: (s: BeadStore, dir: string) => void) {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'mol-pour-'));
    const s = openStore(join(dir, '.beads'), { create: true, prefix: 'mm' });
    try {
      fn(s, join(dir, '.beads'));
    } finally {
      s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const exported = (s: BeadStore, dir: string) => {
  s.flush();
  const file = join(dir, 'issues.jsonl');
  if (!existsSync(file)) return []; // nothing exported yet
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; status: string; issue_type: string; digest_of?: string });
};

test('pour: a molecule root, children <root>.N in step order, blocks edges from needs; only the first step is ready', withStore((s, dir) => {
  const { root, steps: poured } = pour(s, cook(formula, { version: '1.2' }), { actor: 'me' });
  assert.deepEqual(poured.map((p) => [p.step, p.title]), [['bump', 'Bump to 1.2'], ['publish', 'Publish 1.2'], ['tag', 'Tag v1.2']]);
  const steps = poured.map((p) => s.mustGet(p.id));
  assert.equal(root.issue_type, 'molecule');
  assert.equal(root.title, 'release: Cut 1.2');
  assert.deepEqual(root.fields, { formula: 'release', formula_vars: { version: '1.2' } });
  assert.deepEqual(steps.map((b) => b.id), [`${root.id}.1`, `${root.id}.2`, `${root.id}.3`]);
  assert.deepEqual(steps.map((b) => b.fields.mol_step), ['bump', 'publish', 'tag']);
  const edges = (b: (typeof steps)[number]) => b.dependencies.map((d) => `${d.type}:${d.depends_on_id}`).sort();
  assert.deepEqual(edges(steps[1]!), [`blocks:${root.id}.3`, `parent-child:${root.id}`]); // publish needs tag (a later step)
  assert.deepEqual(edges(steps[2]!), [`blocks:${root.id}.1`, `parent-child:${root.id}`]);
  assert.deepEqual(s.ready().map((b) => b.id), [`${root.id}.1`]);
  assert.deepEqual(readMolecule(s, root.id).steps.map((b) => b.id), steps.map((b) => b.id));
  assert.equal(exported(s, dir).length, 4);
  assert.deepEqual(s.doctor(), { ok: true, problems: [] }, 'the bulk insert leaves the blocked state the graph implies');
}));

test('a step that needs a later one is blocked; closing steps unblocks in order (blocked state from the bulk insert)', withStore((s) => {
  const { steps } = pour(s, cook(formula, { version: '1' }), { actor: 'me' });
  const [bump, publish, tag] = steps.map((p) => p.id);
  assert.deepEqual(s.blocked().map((b) => b.issue.id).sort(), [publish, tag].sort());
  s.closeIssues([bump!], undefined, 'me');
  assert.deepEqual(s.ready().map((b) => b.id), [tag]);
  s.closeIssues([tag!], undefined, 'me');
  assert.deepEqual(s.ready().map((b) => b.id), [publish]);
}));

test('createChildren refuses a cycle among the new beads and creates nothing', withStore((s) => {
  const parent = s.create({ title: 'p' }, 'me');
  const kids = [{ title: 'a' }, { title: 'b' }, { title: 'c' }];
  assert.throws(() => s.createChildren(parent.id, kids, [{ from: 0, to: 1, type: 'blocks' }, { from: 1, to: 2, type: 'blocks' }, { from: 2, to: 0, type: 'blocks' }], 'me'),
    (e: unknown) => e instanceof UserError && /would form a dependency cycle: a -> b -> c/.test(e.message));
  assert.deepEqual(s.list().map((i) => i.id), [parent.id]);
  // A child under a blocked parent inherits the block.
  const gate = s.create({ title: 'gate' }, 'me');
  s.addDependency(parent.id, gate.id, 'blocks', 'me');
  const [kid] = s.createChildren(parent.id, [{ title: 'k' }], [], 'me');
  assert.equal(kid, `${parent.id}.1`);
  assert.deepEqual(s.explain(kid!), [`its parent chain is blocked at ${parent.id}`]);
  assert.deepEqual(s.doctor(), { ok: true, problems: [] });
}));

test('pour is one transaction: a failure part-way leaves nothing', withStore((s) => {
  const proto = cook(formula, { version: '1' });
  proto.steps[2]!.title = ' '; // the store refuses an empty title on the last step
  assert.throws(() => pour(s, proto, { actor: 'me' }), UserError);
  assert.deepEqual(s.list({ includeEphemeral: true }), []);
}));

test('squash a poured molecule: open steps and root closed with the summary; again is a no-op', withStore((s) => {
  const { root, steps } = pour(s, cook(formula, { version: '1' }), { actor: 'me' });
  s.closeIssues([steps[0]!.id], 'bumped', 'me');
  const r = squash(s, root.id, { summary: 'released', actor: 'me' });
  assert.deepEqual(r.closed, [steps[1]!.id, steps[2]!.id, root.id]);
  assert.equal(r.digest, undefined);
  for (const b of [...steps.slice(1), root]) assert.equal(s.mustGet(b.id).close_reason, 'released');
  assert.equal(s.mustGet(steps[0]!.id).close_reason, 'bumped');
  assert.equal(squash(s, root.id, { actor: 'me' }).already, true);
  assert.throws(() => burn(s, root.id, 'me'), /is not a wisp/);
}));

test('squash a wisp: one exported, closed digest; the wisp is gone; again names the digest', withStore((s, dir) => {
  const { root, steps } = pour(s, cook(formula, { version: '3' }), { actor: 'me', ephemeral: true });
  assert.ok(steps.every((b) => s.mustGet(b.id).ephemeral));
  assert.deepEqual(s.ready(), [], 'wisps are never ready work');
  assert.deepEqual(exported(s, dir), [], 'a wisp is never exported');
  s.closeIssues([steps[0]!.id], 'bumped', 'me');
  const r = squash(s, root.id, { actor: 'me' });
  assert.equal(r.summary, 'squashed with 1/3 steps done');
  const digest = s.mustGet(r.digest!);
  assert.equal(digest.status, 'closed');
  assert.equal(digest.ephemeral, undefined);
  assert.equal(digest.fields.digest_of, root.id);
  assert.match(digest.description!, /- \[x\] bump: Bump to 3 \(bumped\)/);
  assert.match(digest.description!, /- \[ \] tag: Tag v3 \(left open\)/);
  assert.deepEqual(exported(s, dir).map((l) => [l.id, l.digest_of]), [[digest.id, root.id]]);
  assert.equal(s.getExact(root.id), undefined);
  assert.equal(s.list({ includeEphemeral: true }).length, 1);
  assert.deepEqual(r.deleted, [root.id, ...steps.map((b) => b.id)]);
  assert.deepEqual(squash(s, root.id, { actor: 'me' }), { root: root.id, wisp: true, summary: r.summary, closed: [], deleted: [], digest: digest.id, already: true });
}));

test('burn a wisp: deleted without a trace; a step id is not a molecule', withStore((s, dir) => {
  const { root, steps } = pour(s, cook(formula, { version: '3' }), { actor: 'me', ephemeral: true });
  assert.throws(() => burn(s, steps[0]!.id, 'me'), /is not a molecule \(it is a task\)/);
  assert.deepEqual(burn(s, root.id, 'me').deleted, [root.id, ...steps.map((b) => b.id)]);
  assert.deepEqual(s.list({ includeEphemeral: true }), []);
  assert.deepEqual(exported(s, dir), []);
}));
