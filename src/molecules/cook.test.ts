import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../lib/errors.js';
import { cook, parseVarArgs, resolveVars, substitute } from './cook.js';
import { parseFormula } from './formula.js';

const formula = parseFormula(`
formula = "release"
description = "Cut release {{version}}"
[vars.version]
description = "the version to cut"
required = true
[vars.channel]
default = "stable"
[vars.note]
required = false
[[steps]]
id = "tag"
title = "Tag v{{version}}"
needs = ["bump"]
[[steps]]
id = "bump"
title = "Bump to {{ version }} on {{channel}}"
description = "{{note}}"
`, 'release.formula.toml');

test('cook fills every template and keeps the steps in formula order with their needs', () => {
  const p = cook(formula, { version: '1.2' });
  assert.deepEqual(p, {
    formula: 'release',
    title: 'release: Cut release 1.2',
    description: 'Cut release 1.2',
    vars: { version: '1.2', channel: 'stable', note: '' },
    steps: [
      { id: 'tag', title: 'Tag v1.2', needs: ['bump'] },
      { id: 'bump', title: 'Bump to 1.2 on stable', needs: [] }, // an empty description is left out
    ],
  });
  assert.equal(cook(formula, { version: '2', channel: 'beta' }).steps[1]!.title, 'Bump to 2 on beta');
});

test('missing required and unknown variables are refused by name', () => {
  assert.throws(() => cook(formula, {}), (e: unknown) => e instanceof UserError && e.message === 'formula "release" needs variable "version" (the version to cut)');
  assert.throws(() => resolveVars(formula, { version: '1', verison: '2' }), (e: unknown) => e instanceof UserError && /has no variable "verison"/.test(e.message) && /version, channel, note/.test(e.hint!));
});

test('a title that substitutes to nothing is refused', () => {
  const f = parseFormula('formula = "e"\n[vars.t]\nrequired = false\n[[steps]]\nid = "a"\ntitle = "{{t}}"\n', 'e.formula.toml');
  assert.throws(() => cook(f), /step "a" has an empty title/);
});

test('--var parsing: name=value, value may hold "=", a later value wins, no name is an error', () => {
  assert.deepEqual(parseVarArgs(['a=1', 'b=x=y', 'a=2', 'c=']), { a: '2', b: 'x=y', c: '' });
  assert.throws(() => parseVarArgs(['novalue']), /invalid --var "novalue"/);
  assert.throws(() => parseVarArgs(['=v']), /invalid --var/);
});

test('substitute leaves what is not a placeholder alone', () => {
  assert.equal(substitute('{{a}}{ {a} }{{ b}}', { a: 'x', b: 'y' }), 'x{ {a} }y');
});

test('for_each repeats a step per item of a list variable; whoever needed it needs every copy', () => {
  const f = parseFormula(`formula = "fe"
[vars.services]
required = true
[[steps]]
id = "plan"
title = "Plan"
[[steps]]
id = "deploy"
title = "Deploy {{item}}"
for_each = "services"
needs = ["plan"]
[[steps]]
id = "verify"
title = "Verify"
needs = ["deploy"]
`, 'fe.formula.toml');
  const p = cook(f, { services: 'api, web\nworker' });
  assert.deepEqual(p.steps.map((s) => [s.id, s.title, s.needs]), [
    ['plan', 'Plan', []],
    ['deploy-1', 'Deploy api', ['plan']], ['deploy-2', 'Deploy web', ['plan']], ['deploy-3', 'Deploy worker', ['plan']],
    ['verify', 'Verify', ['deploy-1', 'deploy-2', 'deploy-3']],
  ]);
  // An empty list drops the step; its dependents take its needs.
  assert.deepEqual(cook(f, { services: '' }).steps.map((s) => [s.id, s.needs]), [['plan', []], ['verify', ['plan']]]);
});

test('condition drops a step when false and wires its needs through; var, !var, == and !=', () => {
  const f = parseFormula(`formula = "c"
[vars.env]
default = "staging"
[vars.skip_tests]
default = ""
[[steps]]
id = "build"
title = "Build"
[[steps]]
id = "test"
title = "Test"
needs = ["build"]
condition = "!skip_tests"
[[steps]]
id = "approve"
title = "Approve"
needs = ["test"]
condition = "env == 'prod'"
[[steps]]
id = "deploy"
title = "Deploy to {{env}}"
needs = ["approve"]
condition = "env != none"
`, 'c.formula.toml');
  assert.deepEqual(cook(f).steps.map((s) => [s.id, s.needs]), [['build', []], ['test', ['build']], ['deploy', ['test']]]);
  assert.deepEqual(cook(f, { env: 'prod', skip_tests: 'yes' }).steps.map((s) => [s.id, s.needs]), [['build', []], ['approve', ['build']], ['deploy', ['approve']]]);
  assert.deepEqual(cook(f, { env: 'none', skip_tests: '1' }).steps.map((s) => s.id), ['build']);
  const bad = parseFormula(`formula = "b"\n[[steps]]\nid = "a"\ntitle = "A"\ncondition = "nope"\n`, 'b.formula.toml');
  assert.throws(() => cook(bad), /b\.formula\.toml: step "a" condition uses "nope", which is not a declared variable/);
});

test('Go-template {{.var}} fields are filled from the variables; actions and unknown fields are left for the prompt', () => {
  assert.equal(substitute('{{.problem}} / {{ .scope }} / {{.leg.id}} / {{if .x}}y{{end}} / {{- .problem -}}', { problem: 'p', scope: 's' }), 'p / s / {{.leg.id}} / {{if .x}}y{{end}} / p');
});
