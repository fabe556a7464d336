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
