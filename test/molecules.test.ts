// Formulas and molecules in a real town: a formula file in <town>/formulas/, poured into rig demo
// as real beads (ids, dependencies, readiness), worked step by step, wisps that never reach the
// JSONL until squashed into a digest, burn, slinging a molecule to an agent, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, asAgent, type TownFixture } from './support/town-fixture.js';
import { bd } from './support/cli.js';
import { openStore } from '../src/beads/open.js';

let f: TownFixture;
const rigDir = () => join(f.town, 'demo');
const rigJsonl = () => readFileSync(join(rigDir(), '.beads', 'issues.jsonl'), 'utf8');
const jsonlIds = () => rigJsonl().split('\n').filter(Boolean).map((l) => JSON.parse(l).id as string);

const RELEASE = `
formula = "release"
description = "Cut release {{version}}"
version = 1
[vars.version]
description = "the version to cut"
required = true
[vars.channel]
default = "stable"
[[steps]]
id = "bump"
title = "Bump to {{version}}"
description = "Set the version to {{version}} on {{channel}}."
[[steps]]
id = "tag"
title = "Tag v{{version}}"
needs = ["bump"]
[[steps]]
id = "publish"
title = "Publish {{version}}"
needs = ["tag"]
`;

/** Every bead of the rig's database, wisps included (to prove bad input created none). */
async function allRigBeads(): Promise<string[]> {
  const s = await openStore({ kind: 'sqlite', beadsDir: join(rigDir(), '.beads') });
  try {
    return (await s.list({ includeEphemeral: true })).map((b) => b.id);
  } finally {
    await s.close();
  }
}

function bdJson<T = any>(args: string[]): T {
  const r = bd([...args, '--json'], { cwd: rigDir(), env: f.env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

/** A one-line refusal: exit 1, one line on stderr. */
function refused(args: string[], pattern: RegExp, cwd?: string): void {
  const r = f.gt(args, { cwd });
  assert.equal(r.code, 1, `gt ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
}

before(() => {
  f = makeTown();
  mkdirSync(join(f.town, 'formulas'));
  writeFileSync(join(f.town, 'formulas', 'release.formula.toml'), RELEASE);
});
after(() => f.cleanup());

test('formula list and show: the town\'s files and the built-in ones', () => {
  const list = f.gtJson(['formula', 'list']);
  const names = list.map((e: any) => e.name);
  for (const n of ['release', 'polecat-work', 'bug-fix']) assert.ok(names.includes(n), n);
  assert.equal(list.find((e: any) => e.name === 'release').source, join(f.town, 'formulas', 'release.formula.toml'));
  const shown = f.gtJson(['formula', 'show', 'release']);
  assert.deepEqual(shown.steps.map((s: any) => [s.id, s.needs]), [['bump', []], ['tag', ['bump']], ['publish', ['tag']]]);
  assert.deepEqual(shown.vars.map((v: any) => [v.name, v.required]), [['version', true], ['channel', false]]);
  const text = f.gt(['formula', 'show', 'polecat-work']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /hand-in .*needs commit/);
});

test('pour into demo: root + <root>.N steps with blocks edges; only step 1 is ready; status follows the steps as they close', () => {
  const p = f.gtJson(['mol', 'pour', 'release', '--rig', 'demo', '--var', 'version=1.2']);
  const root = p.root.id as string;
  assert.equal(p.rig, 'demo');
  assert.equal(p.root.issue_type, 'molecule');
  assert.equal(p.root.title, 'release: Cut release 1.2');
  assert.deepEqual([p.root.fields.formula, p.root.fields.formula_vars], ['release', { version: '1.2', channel: 'stable' }]);
  const ids = [1, 2, 3].map((n) => `${root}.${n}`);
  assert.deepEqual(p.steps.map((s: any) => s.id), ids);
  assert.deepEqual(p.steps.map((s: any) => [s.step, s.title]), [['bump', 'Bump to 1.2'], ['tag', 'Tag v1.2'], ['publish', 'Publish 1.2']]);
  const beads = ids.map((id) => bdJson(['show', id])[0]);
  assert.equal(beads[0].description, 'Set the version to 1.2 on stable.');
  // bd show --json gives dependencies as Beads does: the related issues, each with its dependency_type.
  const blocks = (s: any) => s.dependencies.filter((d: any) => d.dependency_type === 'blocks').map((d: any) => d.id);
  assert.deepEqual(beads.map(blocks), [[], [ids[0]], [ids[1]]]);
  assert.ok(beads.every((s: any) => s.dependencies.some((d: any) => d.dependency_type === 'parent-child' && d.id === root)));
  assert.ok([root, ...ids].every((id) => jsonlIds().includes(id)), 'a poured molecule is exported');

  const readyOfRoot = () => bdJson(['ready']).map((b: any) => b.id).filter((id: string) => id.startsWith(`${root}.`));
  assert.deepEqual(readyOfRoot(), [ids[0]]);
  assert.deepEqual(bdJson(['mol', 'current', root]).current.id, ids[0], 'bd mol current: the step to work now');
  let st = f.gtJson(['mol', 'status', root]);
  assert.deepEqual([st.done, st.total, st.current], [0, 3, ids[0]]);
  assert.deepEqual(st.steps[2].blockedBy, [ids[1]]);
  for (let i = 0; i < 3; i++) {
    assert.equal(bd(['close', ids[i]!], { cwd: rigDir(), env: f.env }).code, 0);
    st = f.gtJson(['mol', 'status', root]);
    assert.equal(st.done, i + 1);
    assert.equal(st.current, ids[i + 1]);
    assert.deepEqual(readyOfRoot(), ids.slice(i + 1, i + 2));
  }
  const text = f.gt(['mol', 'status', root]);
  assert.match(text.stdout, /3\/3 steps done/);
  assert.equal(bd(['mol', 'current', root], { cwd: rigDir(), env: f.env }).stdout.trim(), `${root}: all 3 steps done`);
  assert.deepEqual(f.gtJson(['mol', 'squash', root, '-m', 'shipped']).closed, [root]);
  assert.equal(bdJson(['show', root])[0].close_reason, 'shipped');
});

test('--rig defaults to the rig of the current directory, else HQ', () => {
  const inRig = f.gtJson(['mol', 'pour', 'release', '--var', 'version=2'], { cwd: join(rigDir(), '.beads') });
  assert.equal(inRig.rig, 'demo');
  const hq = f.gtJson(['mol', 'pour', 'release', '--var', 'version=3'], { cwd: f.town });
  assert.equal(hq.rig, 'hq');
  assert.match(hq.root.id, /^hq-/);
  assert.equal(f.gtJson(['mol', 'status', hq.root.id]).total, 3);
});

test('a wisp is never exported; squashing it leaves one exported digest and deletes it', async () => {
  const w = f.gtJson(['mol', 'wisp', 'release', '--rig', 'demo', '--var', 'version=9']);
  const root = w.root.id as string;
  assert.equal(w.wisp, true);
  assert.ok(w.steps.every((s: any) => bdJson(['show', s.id])[0].ephemeral));
  const st = f.gtJson(['mol', 'status', root]);
  assert.deepEqual([st.wisp, st.total, st.current], [true, 3, `${root}.1`]);
  assert.ok(!rigJsonl().includes(root), 'not in the rig\'s issues.jsonl');
  assert.equal(bd(['close', `${root}.1`], { cwd: rigDir(), env: f.env }).code, 0);

  const sq = f.gtJson(['mol', 'squash', root, '-m', 'patrol finished']);
  assert.deepEqual(sq.deleted, [root, `${root}.1`, `${root}.2`, `${root}.3`]);
  const digestLine = rigJsonl().split('\n').find((l) => l.includes(`"id":"${sq.digest}"`));
  assert.ok(digestLine, 'the digest is exported');
  const digest = JSON.parse(digestLine!);
  assert.deepEqual([digest.status, digest.close_reason, digest.digest_of], ['closed', 'patrol finished', root]);
  assert.match(digest.description, /1\/3 steps done/);
  assert.ok(!rigJsonl().includes(`"id":"${root}`), 'the wisp itself never reaches the JSONL');
  assert.ok(!(await allRigBeads()).includes(root), 'and is gone from the database');
  const again = f.gtJson(['mol', 'squash', root]);
  assert.deepEqual([again.already, again.digest], [true, sq.digest]);
});

test('burn deletes a wisp without a trace; a poured molecule is refused', async () => {
  const before = rigJsonl();
  const w = f.gtJson(['mol', 'wisp', 'release', '--rig', 'demo', '--var', 'version=10']);
  const root = w.root.id as string;
  const b = f.gtJson(['mol', 'burn', root]);
  assert.equal(b.deleted.length, 4);
  assert.ok(!(await allRigBeads()).some((id) => id === root || id.startsWith(`${root}.`)));
  assert.equal(rigJsonl(), before);
  refused(['mol', 'status', root], /not found/);
  const p = f.gtJson(['mol', 'pour', 'release', '--rig', 'demo', '--var', 'version=11']);
  refused(['mol', 'burn', p.root.id], /is not a wisp/);
  assert.ok((await allRigBeads()).includes(p.root.id));
});

test('a poured molecule slung to a polecat or a crew member: the hook holds the root, prime shows step 1', () => {
  const p = f.gtJson(['mol', 'pour', 'polecat-work', '--rig', 'demo', '--var', 'issue=de-feature']);
  const root = p.root.id as string;
  const slung = f.gtJson(['sling', root, 'demo', '--no-start']);
  const polecat = slung.hooked[0].agent as string;
  assert.equal(f.gtJson(['hook'], { env: asAgent(f, polecat) }).bead.id, root);
  const primed = f.gt(['prime'], { env: asAgent(f, polecat) });
  assert.equal(primed.code, 0, primed.stderr);
  assert.match(primed.stdout, new RegExp(`On your hook: ${root}`));
  assert.match(primed.stdout, new RegExp(`step 1 of 5 — ${root.replace('.', '\\.')}\\.1 Understand de-feature`));

  assert.equal(f.gt(['crew', 'add', 'ann', '--rig', 'demo']).code, 0);
  const q = f.gtJson(['mol', 'pour', 'release', '--rig', 'demo', '--var', 'version=4']);
  f.gtJson(['sling', q.root.id, 'demo/crew/ann', '--no-start']);
  const crew = f.gt(['prime'], { env: asAgent(f, 'demo/crew/ann') });
  assert.match(crew.stdout, new RegExp(`step 1 of 3 — ${q.root.id}\\.1 Bump to 4`));

  // A wisp is worked from a hook the same way, and never reaches the JSONL.
  assert.equal(f.gt(['crew', 'add', 'bob', '--rig', 'demo']).code, 0);
  const w = f.gtJson(['mol', 'wisp', 'release', '--rig', 'demo', '--var', 'version=5']);
  f.gtJson(['sling', w.root.id, 'demo/crew/bob', '--no-start']);
  const bob = f.gt(['prime'], { env: asAgent(f, 'demo/crew/bob') });
  assert.match(bob.stdout, new RegExp(`step 1 of 3 — ${w.root.id}\\.1 Bump to 5`));
  assert.ok(!rigJsonl().includes(`"id":"${w.root.id}`));
});

test('when a molecule\'s MR merges, its steps left open close with it (no stray ready work)', () => {
  const p = f.gtJson(['mol', 'pour', 'polecat-work', '--rig', 'demo', '--var', 'issue=de-merge']);
  const root = p.root.id as string;
  const h = f.gtJson(['sling', root, 'demo', '--no-start']).hooked[0];
  writeFileSync(join(h.workdir, 'molecule.txt'), 'done in one go\n');
  f.git(h.workdir, ['add', '-A']);
  f.git(h.workdir, ['commit', '-qm', 'molecule work']);
  assert.equal(f.gt(['done'], { env: asAgent(f, h.agent) }).code, 0);
  const run = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
  assert.equal(run.merged.length, 1, JSON.stringify(run));
  const st = f.gtJson(['mol', 'status', root]);
  assert.equal(st.done, st.total, JSON.stringify(st));
  const ready = JSON.parse(bd(['ready', '--json'], { cwd: join(f.town, 'demo'), env: f.env }).stdout) as { id: string }[];
  assert.ok(!ready.some((i) => i.id.startsWith(`${root}.`)), 'no step of the merged molecule is ready work');
});

test('bad input: one line, exit 1, no bead created', async () => {
  writeFileSync(join(f.town, 'formulas', 'loop.formula.toml'), 'formula = "loop"\n[[steps]]\nid = "a"\ntitle = "A"\nneeds = ["b"]\n[[steps]]\nid = "b"\ntitle = "B"\nneeds = ["a"]\n');
  writeFileSync(join(f.town, 'formulas', 'typo.formula.toml'), 'formula = "typo"\n[[steps]]\nid = "a"\ntitle = "A {{who}}"\n');
  writeFileSync(join(f.town, 'formulas', 'needsx.formula.toml'), 'formula = "needsx"\n[[steps]]\nid = "a"\ntitle = "A"\n[[steps]]\nid = "b"\ntitle = "B"\nneeds = ["a", "zz"]\n');
  writeFileSync(join(f.town, 'formulas', 'keyx.formula.toml'), 'formula = "keyx"\n[[steps]]\nid = "a"\ntitle = "A"\nneed = ["b"]\n');
  writeFileSync(join(f.town, 'formulas', 'humanx.formula.toml'), 'formula = "humanx"\n\n[[steps]]\nid = "a"\ntitle = "A"\ntype = "human"\n');
  const beadsBefore = (await allRigBeads());
  const jsonlBefore = rigJsonl();
  refused(['mol', 'pour', 'nope', '--rig', 'demo'], /formula not found: nope/);
  refused(['mol', 'pour', 'release', '--rig', 'demo'], /formula "release" needs variable "version"/);
  refused(['mol', 'wisp', 'release', '--rig', 'demo', '--var', 'version=1', '--var', 'verison=2'], /has no variable "verison"/);
  refused(['mol', 'pour', 'release', '--rig', 'demo', '--var', 'version'], /invalid --var "version"/);
  refused(['mol', 'pour', 'loop', '--rig', 'demo'], /loop\.formula\.toml:2: steps form a cycle through needs: a -> b -> a/);
  refused(['mol', 'pour', 'typo', '--rig', 'demo'], /typo\.formula\.toml:4: step "a" title uses \{\{who\}\}, which is not a declared variable/);
  refused(['mol', 'pour', 'needsx', '--rig', 'demo'], /needsx\.formula\.toml:5: step "b" needs unknown step "zz"/);
  refused(['mol', 'wisp', 'keyx', '--rig', 'demo'], /keyx\.formula\.toml:5: unknown key "need" in step "a"/);
  refused(['mol', 'pour', 'humanx', '--rig', 'demo'], /humanx\.formula\.toml:6: step "a" has unknown type the string "human"/);
  refused(['mol', 'pour', 'release', '--rig', 'nowhere', '--var', 'version=1'], /rig not found: nowhere/);
  refused(['formula', 'show', 'release', '--dir', join(f.root, 'missing')], /formula directory not found/);
  refused(['mol', 'status', `${beadsBefore.find((id) => id.includes('.'))}`], /is not a molecule/);
  assert.deepEqual((await allRigBeads()), beadsBefore);
  assert.equal(rigJsonl(), jsonlBefore);
  // A broken file is listed with its problem rather than hidden.
  const broken = f.gtJson(['formula', 'list']).find((e: any) => e.name === 'loop');
  assert.match(broken.error, /cycle/);
});

test('protomolecules: gt formula cook freezes a formula with its variables; list --protos; a pour from the proto', () => {
  const c = f.gtJson(['formula', 'cook', 'release', '--rig', 'demo', '--var', 'version=7.1']);
  const id = c.proto.id as string;
  assert.equal(c.steps, 3);
  assert.ok(f.gtJson(['formula', 'list', '--protos']).some((p: any) => p.id === id && p.rig === 'demo' && p.formula === 'release'));
  assert.equal(bdJson(['ready', '-n', '0']).filter((b: any) => b.id === id).length, 0, 'a proto is not work');
  const p = f.gtJson(['mol', 'pour', id, '--rig', 'demo']);
  assert.deepEqual(p.steps.map((s: any) => s.title), ['Bump to 7.1', 'Tag v7.1', 'Publish 7.1']);
  assert.equal(p.formula, 'release');
  refused(['mol', 'pour', id, '--rig', 'demo', '--var', 'version=8'], /is a protomolecule: its variables were fixed when it was cooked/);
});

test('--dir formulas come before the town\'s', () => {
  const dir = join(f.root, 'more');
  mkdirSync(dir);
  writeFileSync(join(dir, 'release.formula.toml'), 'formula = "release"\n[[steps]]\nid = "only"\ntitle = "Only step"\n');
  assert.equal(f.gtJson(['formula', 'show', 'release', '--dir', dir]).steps.length, 1);
  assert.equal(f.gtJson(['formula', 'show', 'release']).steps.length, 3);
  assert.ok(existsSync(join(f.town, 'formulas', 'release.formula.toml')));
});
