// `gt sling <formula> <rig> --var k=v`: one command pours the formula into the rig and slings the
// molecule to a polecat. Bad input (rig, formula, variables, agent, convoy) is refused before the
// pour, so nothing is made; a sling that fails after the pour leaves no orphan (a molecule is
// closed with the reason, a wisp burned) and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, asAgent, type TownFixture } from './support/town-fixture.js';
import { openStore } from '../src/beads/open.js';

let f: TownFixture;
const rigDir = () => join(f.town, 'demo');

const RELEASE = `formula = "cut"
description = "Cut release {{version}}"
[vars.version]
required = true
[[steps]]
id = "bump"
title = "Bump to {{version}}"
[[steps]]
id = "tag"
title = "Tag v{{version}}"
needs = ["bump"]
`;

before(() => {
  f = makeTown();
  mkdirSync(join(f.town, 'formulas'));
  writeFileSync(join(f.town, 'formulas', 'cut.formula.toml'), RELEASE);
  writeFileSync(join(f.town, 'formulas', 'tidy.formula.toml'), 'formula = "tidy"\n[[steps]]\nid = "sweep"\ntitle = "Sweep"\n');
});
after(() => f.cleanup());

async function rigBeads(): Promise<{ id: string; status: string }[]> {
  const s = await openStore({ kind: 'sqlite', beadsDir: join(rigDir(), '.beads') });
  try {
    return (await s.list({ includeEphemeral: true })).map((b) => ({ id: b.id, status: b.status }));
  } finally {
    await s.close();
  }
}

function refused(args: string[], pattern: RegExp, code = 1): string {
  const r = f.gt(args);
  assert.equal(r.code, code, `gt ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
  return r.stderr;
}

test('gt sling <formula> <rig> --var: pours and slings in one command; the polecat is primed on step 1', () => {
  const r = f.gtJson(['sling', 'cut', 'demo', '--var', 'version=2.0', '--no-start']);
  assert.equal(r.molecule.formula, 'cut');
  assert.equal(r.molecule.steps, 2);
  assert.equal(r.molecule.rig, 'demo');
  assert.equal(r.hooked.length, 1);
  assert.equal(r.hooked[0].bead, r.molecule.root);
  const polecat = r.hooked[0].agent as string;
  assert.equal(f.gtJson(['hook'], { env: asAgent(f, polecat) }).bead.id, r.molecule.root);
  const primed = f.gt(['prime'], { env: asAgent(f, polecat) });
  assert.match(primed.stdout, new RegExp(`step 1 of 2 — ${r.molecule.root.replace('.', '\\.')}\\.1 Bump to 2\\.0`));
  assert.equal(f.gtJson(['mol', 'status', r.molecule.root]).total, 2);

  // A built-in formula, named without --var's help, in text: the same, said in words.
  const t = f.gt(['sling', 'polecat-work', 'demo', '--var', 'issue=de-x', '--no-start']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /^Poured molecule \S+ from polecat-work \(5 steps\) in demo\nHooked \S+ -> demo\/polecats\//);
  // A formula is recognised by its name alone (no --var), and a wisp is poured with --wisp.
  const tidy = f.gtJson(['sling', 'tidy', 'demo', '--no-start']);
  assert.equal(tidy.molecule.formula, 'tidy');
  assert.equal(tidy.hooked[0].bead, tidy.molecule.root);
  const w = f.gtJson(['sling', 'cut', 'demo', '--var', 'version=3', '--wisp', '--no-start']);
  assert.equal(w.molecule.wisp, true);
  assert.ok(!readFileSync(join(rigDir(), '.beads', 'issues.jsonl'), 'utf8').includes(`"id":"${w.molecule.root}"`));
});

test('gt sling <proto> <rig>: a cooked protomolecule is poured and slung', () => {
  const c = f.gtJson(['formula', 'cook', 'cut', '--rig', 'demo', '--var', 'version=7']);
  const r = f.gtJson(['sling', c.proto.id, 'demo', '--no-start']);
  assert.notEqual(r.molecule.root, c.proto.id);
  assert.equal(r.hooked[0].bead, r.molecule.root);
  assert.match(f.gtJson(['mol', 'status', r.molecule.root]).steps[0].title, /Bump to 7/);
});

test('bad input: one line, non-zero exit, nothing poured or slung', async () => {
  const before = await rigBeads();
  const convoysBefore = f.gtJson(['convoy', 'list', '--all']).length;
  refused(['sling', 'cut', 'demo', '--no-start'], /formula "cut" needs variable "version"/);
  refused(['sling', 'cut', 'demo', '--var', 'verison=1', '--no-start'], /has no variable "verison"/);
  refused(['sling', 'cut', 'demo', '--var', 'version', '--no-start'], /invalid --var "version"/);
  refused(['sling', 'nope', 'demo', '--var', 'a=b', '--no-start'], /formula not found: nope/);
  refused(['sling', 'cut', 'nowhere', '--var', 'version=1', '--no-start'], /nowhere is not a rig of this town/);
  refused(['sling', 'cut', 'demo', '--var', 'version=1', '--agent', 'no-such-cli', '--no-start'], /no-such-cli/);
  refused(['sling', 'cut', 'demo', '--var', 'version=1', '--convoy', 'hq-nope', '--no-start'], /not found: hq-nope/);
  refused(['sling', 'cut', 'cut', 'demo', '--var', 'version=1'], /sling one formula; got 2 names/, 2);
  assert.deepEqual(await rigBeads(), before);
  assert.equal(f.gtJson(['convoy', 'list', '--all']).length, convoysBefore);
});

test('a sling that fails after the pour leaves no orphan: the molecule is closed, a wisp burned, and the error says so', async () => {
  // A main branch that does not exist: git refuses the polecat's worktree, after the pour.
  const rigToml = join(rigDir(), 'rig.toml');
  const original = readFileSync(rigToml, 'utf8');
  writeFileSync(rigToml, original.replace(/^branch = .*$/m, '') + '\nbranch = "no-such-branch"\n');
  try {
    const msg = refused(['sling', 'cut', 'demo', '--var', 'version=8', '--no-start'], /cannot create worktree .*\(molecule (\S+) was poured and is now closed with that reason; convoy \S+ tracks it\)/);
    const root = /molecule (\S+) was poured/.exec(msg)![1]!;
    const beads = await rigBeads();
    assert.deepEqual(beads.filter((b) => b.id === root || b.id.startsWith(`${root}.`)).map((b) => b.status), ['closed', 'closed', 'closed']);
    const st = f.gtJson(['mol', 'status', root]);
    assert.equal(st.status, 'closed');

    const before = (await rigBeads()).length;
    const wmsg = refused(['sling', 'cut', 'demo', '--var', 'version=9', '--wisp', '--no-start'], /\(wisp (\S+) was burned; convoy \S+ tracks it\)/);
    const wroot = /wisp (\S+) was burned/.exec(wmsg)![1]!;
    assert.ok(!(await rigBeads()).some((b) => b.id === wroot || b.id.startsWith(`${wroot}.`)));
    assert.equal((await rigBeads()).length, before);
  } finally {
    writeFileSync(rigToml, original);
  }
});
