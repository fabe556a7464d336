import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../lib/errors.js';
import { findNeedsCycle, parseFormula, placeholders } from './formula.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinFormulaDir } from './builtin.js';

const RELEASE = `
formula = "release"
description = "Cut release {{version}}"
version = 1
type = "workflow"
[vars.version]
description = "the version to cut"
required = true
[vars.channel]
default = "stable"
[[steps]]
id = "bump"
title = "Bump to {{version}}"
description = "Edit the version on {{ channel }}."
[[steps]]
id = "tag"
title = "Tag v{{version}}"
needs = ["bump", "bump"]
`;

/** The one-line message parseFormula throws for this text. */
function problem(text: string, name?: string): string {
  try {
    parseFormula(text, 'x.formula.toml', name);
  } catch (e) {
    assert.ok(e instanceof UserError, `a UserError, not ${String(e)}`);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    assert.match(e.message, /^x\.formula\.toml(:\d+)?: /, 'names the file');
    return e.message.replace(/^x\.formula\.toml(:\d+)?: /, '');
  }
  assert.fail('expected a problem');
}

const step = (id: string, extra = '') => `[[steps]]\nid = "${id}"\ntitle = "do ${id}"\n${extra}\n`;

test('a valid formula parses into vars and steps in file order', () => {
  const f = parseFormula(RELEASE, 'release.formula.toml', 'release');
  assert.equal(f.name, 'release');
  assert.equal(f.version, 1);
  assert.deepEqual(f.vars, [
    { name: 'version', required: true, description: 'the version to cut' },
    { name: 'channel', required: false, default: 'stable' },
  ]);
  assert.deepEqual(f.steps.map((s) => [s.id, s.needs]), [['bump', []], ['tag', ['bump']]]);
  assert.equal(f.steps[0]!.description, 'Edit the version on {{ channel }}.');
  assert.equal(f.source, 'release.formula.toml');
});

test('variables as Gas Town reads them: a bare default string; required only with required = true; a default wins over required', () => {
  const f = parseFormula(`formula = "v"\n[vars]\na = "x"\n[vars.b]\nrequired = true\n[vars.c]\n[vars.d]\nrequired = true\ndefault = "deacon"\n[inputs.e]\nrequired_unless = ["a"]\n${step('s')}`, 'v');
  assert.deepEqual(f.vars, [{ name: 'a', required: false, default: 'x' }, { name: 'b', required: true }, { name: 'c', required: false }, { name: 'd', required: false, default: 'deacon' }, { name: 'e', required: false, requiredUnless: ['a'] }]);
});

test('structural problems are named', () => {
  assert.match(problem(step('a', 'needs = ["nope"]')), /^missing `formula/);
  assert.match(problem(`formula = "x"\n${step('a', 'needs = ["nope"]')}`), /step "a" needs unknown step "nope"/);
  assert.match(problem(`formula = "x"\n${step('a')}${step('a')}`), /duplicate step id "a"/);
  assert.match(problem(`formula = "x"\n${step('a', 'needs = ["b"]')}${step('b', 'needs = ["c"]')}${step('c', 'needs = ["a"]')}`), /cycle through needs: a -> b -> c -> a/);
  assert.match(problem(`formula = "x"\n${step('a', 'needs = ["a"]')}`), /cycle through needs: a -> a/);
  assert.match(problem(`formula = "x"`), /no steps/);
  assert.match(problem(`formula = "x"\nsteps = []`), /no steps/);
  assert.match(problem(`formula = "y"\n${step('a')}`, 'x'), /named "y" but the file is x\.formula\.toml/);
  assert.match(problem(`formula = "x"\n[[steps]]\ntitle = "t"`), /steps\[1\] has no id/);
  assert.match(problem(`formula = "x"\n[[steps]]\nid = "a"`), /step "a" has no title/);
});

test('unknown variables in templates are refused, wherever they are', () => {
  assert.match(problem(`formula = "x"\n${step('a', 'description = "see {{ticket}}"')}`), /step "a" description uses \{\{ticket\}\}, which is not a declared variable/);
  assert.match(problem(`formula = "x"\ndescription = "{{v}}"\n${step('a')}`), /^description uses \{\{v\}\}/);
  assert.match(problem(`formula = "x"\n[[steps]]\nid = "a"\ntitle = "{{v}}"`), /step "a" title uses \{\{v\}\}/);
});

test('wrong types, unknown keys and bad TOML are one line each', () => {
  assert.match(problem(`formula = 3\n${step('a')}`), /formula must be a string \(got the number 3\)/);
  assert.match(problem(`formula = "x"\nversion = "1"\n${step('a')}`), /version must be a whole number \(got the string "1"\)/);
  assert.match(problem(`formula = "x"\n${step('a', 'needs = "b"')}`), /step "a" needs must be an array of step ids/);
  assert.match(problem(`formula = "x"\n${step('a', 'needs = [1]')}`), /step "a" needs must be an array of step ids/);
  assert.match(problem(`formula = "x"\n[[steps]]\nid = 7\ntitle = "t"`), /steps\[1\]\.id must be a string/);
  assert.match(problem(`formula = "x"\n${step('a', 'need = ["b"]')}`), /unknown key "need" in step "a"/);
  assert.match(problem(`formula = "x"\nstep = 1\n${step('a')}`), /unknown key "step" in the formula/);
  assert.match(problem(`formula = "x"\n[vars.v]\nrequired = "yes"\n${step('a')}`), /vars\.v\.required must be true or false/);
  assert.match(problem(`formula = "x"\nvars = 1\n${step('a')}`), /vars must be a table/);
  assert.match(problem(`formula = "x"\nsteps = "a"`), /steps must be an array/);
  assert.match(problem(`formula = "x"\n[[steps]\n`), /invalid TOML at line 2, column \d+/);
  assert.match(problem(`formula = "bad name"\n${step('a')}`), /invalid formula name "bad name"/);
});

test('placeholders and cycles, as pure helpers', () => {
  assert.deepEqual(placeholders('{{a}} {{ b }} {{a}} {{not valid}} {c}'), ['a', 'b']);
  assert.equal(findNeedsCycle([{ id: 'a', needs: [] }, { id: 'b', needs: ['a'] }]), undefined);
  assert.deepEqual(findNeedsCycle([{ id: 'a', needs: ['b'] }, { id: 'b', needs: ['a'] }]), ['a', 'b', 'a']);
});

test('the built-in formulas are real files shipped with the package, and valid', () => {
  const dir = builtinFormulaDir();
  const names = readdirSync(dir).filter((f) => f.endsWith('.formula.toml')).map((f) => f.slice(0, -'.formula.toml'.length)).sort();
  assert.deepEqual(names, ['bug-fix', 'code-review', 'polecat-work', 'release', 'shiny', 'towers-of-hanoi']);
  for (const name of names) {
    const f = parseFormula(readFileSync(join(dir, `${name}.formula.toml`), 'utf8'), name, name);
    assert.ok(f.steps.length >= 3, name);
  }
});

/** The line the message names (file:line: ...). */
function lineOfProblem(text: string): number {
  try {
    parseFormula(text, 'x.formula.toml');
  } catch (e) {
    const m = /^x\.formula\.toml:(\d+): /.exec((e as Error).message);
    assert.ok(m, `a line in: ${(e as Error).message}`);
    return Number(m[1]);
  }
  assert.fail('expected a problem');
}

test('unknown keys and unknown step types name the file and the line', () => {
  const text = `formula = "x"\ndescription = """\nneed = 1 inside a string is not a key\n"""\n${step('a')}${step('b', 'need = ["a"]')}`;
  assert.equal(lineOfProblem(text), 12, 'not line 3, inside the string');
  assert.match(problem(text), /unknown key "need" in step "b"/);
  const human = `formula = "x"\n${step('a')}${step('b', 'type = "human"')}`;
  assert.equal(lineOfProblem(human), 9);
  assert.match(problem(human), /step "b" has unknown type the string "human" \(known: task, bug, feature, chore, epic, parallel\); a step that waits for a person is `gate = \{ type = "human" \}`/);
  assert.equal(lineOfProblem(`formula = "x"\n\n[vars.v]\ndefault = "1"\nrequird = true\n${step('a')}`), 5);
  assert.equal(lineOfProblem(`formula = "x"\n${step('a')}${step('b', 'gate = { type = "robot" }')}`), 9);
  assert.equal(lineOfProblem(`formula = "x"\nflavour = "y"\n${step('a')}`), 2);
  assert.equal(lineOfProblem(`formula = "x"\n${step('a')}${step('b', 'needs = ["zz"]')}`), 6, 'an unknown need names its step');
  assert.match(problem(`formula = "x"\ntype = "pipeline"\n${step('a')}`), /unknown formula type the string "pipeline"/);
});

test('gates: the four kinds and Gas Town\'s conditional, each checked for what it needs', () => {
  const f = parseFormula(`formula = "g"\n${step('a', 'gate = { type = "human" }')}${step('b', 'gate = { type = "timer", after = "30m" }')}${step('c', 'gate = { type = "bead", bead = "gt-abc" }')}${step('d', 'gate = { type = "command", command = "test -f ok" }')}${step('e', 'gate = { type = "conditional", condition = "no_response" }')}`, 'g');
  assert.deepEqual(f.steps.map((s) => s.gate), [{ type: 'human' }, { type: 'timer', after: '30m' }, { type: 'bead', bead: 'gt-abc' }, { type: 'command', command: 'test -f ok' }, { type: 'conditional', condition: 'no_response' }]);
  assert.match(problem(`formula = "x"\n${step('a', 'gate = { type = "timer" }')}`), /step "a" has a timer gate without `after`/);
  assert.match(problem(`formula = "x"\n${step('a', 'gate = { type = "timer", after = "soon" }')}`), /gate after must be a duration/);
  assert.match(problem(`formula = "x"\n${step('a', 'gate = { type = "command" }')}`), /command gate without `command`/);
});
