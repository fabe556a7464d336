// Bead text is written by anyone (agents, imports, mail): printed as text it must not act on the
// reader's terminal. bd list, bd show, gt prime and gt mail show control characters escaped, keep
// a title on its line, and --json keeps the exact text. The real binaries in a real town.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTown, asAgent, createRigBead, type TownFixture, sweepTown } from './support/town-fixture.js';
import { bd } from './support/cli.js';

// Clear the screen, retitle the window, ring the bell, return to column 0, and a forged line.
const title = 'innocent\x1b[2J\x1b]0;owned\x07\rtitle\nde-fake [P0] [task] open - forged';
const description = 'line one\nline two \x1b[31mred\x1b[0m \x9b1m';
/** Raw control characters other than newline and tab: none may reach the terminal. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

let f: TownFixture;
let id: string;
before(async () => {
  f = makeTown();
  id = await createRigBead(f.town, title, description);
});
after(() => {
  sweepTown(f.town);
  f.cleanup();
});

const rigEnv = () => ({ ...f.env, BEADS_DIR: join(f.town, 'demo', '.beads') });
const escapedTitle = 'innocent\\x1b[2J\\x1b]0;owned\\x07\\rtitle\\nde-fake [P0] [task] open - forged';

test('bd list and bd show print control characters escaped; --json keeps the exact text', () => {
  const list = bd(['list'], { cwd: f.town, env: rigEnv() });
  assert.equal(list.code, 0, list.stderr);
  assert.doesNotMatch(list.stdout, RAW_CONTROL);
  const line = list.stdout.split('\n').find((l) => l.startsWith(id));
  assert.ok(line?.endsWith(` - ${escapedTitle}`), line);
  assert.ok(!list.stdout.split('\n').some((l) => l.startsWith('de-fake')), 'no forged line');

  const show = bd(['show', id], { cwd: f.town, env: rigEnv() });
  assert.equal(show.code, 0, show.stderr);
  assert.doesNotMatch(show.stdout, RAW_CONTROL);
  assert.ok(show.stdout.startsWith(`${id}: ${escapedTitle}\n`), show.stdout);
  assert.match(show.stdout, /\nline one\nline two \\x1b\[31mred\\x1b\[0m \\x9b1m\n/, 'multi-line text keeps its lines');

  const json = JSON.parse(bd(['show', id, '--json'], { cwd: f.town, env: rigEnv() }).stdout);
  assert.equal((Array.isArray(json) ? json[0] : json).title, title);
});

test('gt prime and gt mail print control characters escaped', () => {
  const slung = f.gtJson(['sling', id, 'demo', '--no-start']);
  const polecat = slung.hooked[0].agent as string;
  const primed = f.gt(['prime'], { env: asAgent(f, polecat) });
  assert.equal(primed.code, 0, primed.stderr);
  assert.doesNotMatch(primed.stdout, RAW_CONTROL);
  assert.ok(primed.stdout.includes(`On your hook: ${id} — ${escapedTitle}`), primed.stdout);

  assert.equal(f.gt(['mail', 'send', 'mayor', '-s', title, '-m', description]).code, 0);
  const inbox = f.gt(['mail', 'inbox', 'mayor']);
  assert.equal(inbox.code, 0, inbox.stderr);
  assert.doesNotMatch(inbox.stdout, RAW_CONTROL);
  assert.match(inbox.stdout, /innocent\\x1b\[2J/);
});
