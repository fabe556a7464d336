// `gt rig add` with hostile or clashing input, through the real command: a source that git would
// read as an option must not run anything, and a name the town uses for itself is refused. Either
// way: one clear error, a non-zero exit, and nothing created.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, type TownFixture } from './support/town-fixture.js';
import { TOWN_ENTRIES } from '../src/town/town.js';
import { TOWN_ROLES } from '../src/town/address.js';

let f: TownFixture;
const townState = () => ({
  entries: readdirSync(f.town).sort(),
  routes: readFileSync(join(f.town, '.beads', 'routes.jsonl'), 'utf8'),
});

before(() => {
  f = makeTown();
});
after(() => f.cleanup());

test('a source after -- that looks like a git option is a repository name, never a command', () => {
  const marker = join(f.root, 'pwned');
  const before = townState();
  for (const source of [`--upload-pack=touch ${marker} @x`, `--upload-pack=touch ${marker}`]) {
    const r = f.gt(['rig', 'add', 'r', '--', source]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!existsSync(marker), `git ran the command smuggled in '${source}'`);
    assert.match(r.stderr, /cannot read git repository '--upload-pack=/);
    assert.doesNotMatch(r.stderr, /internal error/i);
  }
  const r = f.gt(['rig', 'add', 'r', f.project, '--branch=--upload-pack=touch']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /invalid branch name '--upload-pack=touch'/);
  assert.deepEqual(townState(), before, 'nothing created');
});

test('a rig name the town uses for itself is refused with one clear line; nothing created', () => {
  const before = townState();
  const taken = [...Object.values(TOWN_ENTRIES), ...TOWN_ROLES, 'dogs', 'town', 'hq'].filter((n) => /^[a-z0-9][a-z0-9_-]*$/.test(n));
  assert.ok(taken.includes('formulas') && taken.includes('mayor'));
  for (const name of taken) {
    const r = f.gt(['rig', 'add', name, f.project]);
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`rig name '${name}' is reserved`));
  }
  assert.deepEqual(townState(), before, 'nothing created');
});

test('a name that is not a valid rig name is a user error too', () => {
  const r = f.gt(['rig', 'add', '.beads', f.project]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /invalid rig name '\.beads'/);
});
