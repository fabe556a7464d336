// launchAgent's choice of agent CLI on a relaunch (the witness restarts with only a prompt), and
// validateAdapter: the launch's adapter checks, callable before anything is slung.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, type TownFixture } from './support/town-fixture.js';
import { sweepTown, until } from './support/claude.js';
import { openStore } from '../src/beads/store.js';
import { loadTown } from '../src/town/town.js';
import { forgetStore } from '../src/town/stores.js';
import { getAgent, listAgents } from '../src/town/identity.js';
import { isAgentAlive, launchAgent, validateAdapter } from '../src/runtime/launch.js';
import { killGroup } from '../src/lib/proc.js';
import { UserError } from '../src/lib/errors.js';

let f: TownFixture;
before(() => {
  f = makeTown();
  const path = join(f.town, 'town.toml');
  // Town default stays claude: a relaunch that forgot the polecat's agent would pick it.
  writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'headless' } }));
  appendFileSync(path, [
    '',
    '[agents.custom.sleeper]', 'command = "sh"', 'args = ["-c", "sleep 30"]',
    '[agents.custom.ghost]', 'command = "no-such-agent-binary-xyz"',
    '[agents.custom.badidle]', 'command = "sh"', 'idle_pattern = "(unclosed"',
    '',
  ].join('\n'));
});
after(() => {
  sweepTown(f.town);
  forgetStore(join(f.town, '.beads')); // flush and close before the directory goes
  forgetStore(join(f.town, 'demo', '.beads'));
  f.cleanup();
});

test("a relaunch with only a prompt (witness restart) keeps the polecat's agent CLI", async () => {
  const s = openStore(join(f.town, 'demo', '.beads'));
  const id = s.create({ title: 'long task', description: 'Takes a while.' }, 'overseer').id;
  s.close();
  const slung = f.gtJson(['sling', id, 'demo', '--agent', 'sleeper']);
  const address = slung.hooked[0].agent as string;
  const town = loadTown(f.town);
  const first = getAgent(town, address)!.sessions.at(-1)!;
  assert.equal(first.adapter, 'sleeper');
  killGroup(first.pid, 'SIGKILL'); // the session crashes
  await until('the crash to show', () => !isAgentAlive(town, address));

  await launchAgent(town, address, { prompt: 'You are continuing after a restart.' });
  const second = getAgent(town, address)!.sessions.at(-1)!;
  assert.notEqual(second.pid, first.pid);
  assert.equal(second.adapter, 'sleeper', 'relaunched with the CLI it was slung with, not the town default');
  assert.equal(isAgentAlive(town, address), true);
});

test('validateAdapter throws the launch\'s own error for unknown or misconfigured agents, and changes nothing', () => {
  const town = loadTown(f.town);
  const before = JSON.stringify(listAgents(town, { includeRetired: true }));
  assert.throws(() => validateAdapter(town, 'demo', 'polecat', 'nope'), (e: unknown) => e instanceof UserError && /unknown agent 'nope'/.test(e.message) && /sleeper/.test(e.hint ?? ''));
  assert.throws(() => validateAdapter(town, 'demo', 'polecat', 'ghost'), (e: unknown) => e instanceof UserError && e.message === "agent binary 'no-such-agent-binary-xyz' not found on PATH");
  assert.throws(() => validateAdapter(town, undefined, 'crew', 'badidle'), (e: unknown) => e instanceof UserError && /idle_pattern is not a valid regular expression/.test(e.message));
  assert.throws(() => validateAdapter(town, 'nosuchrig', 'polecat', 'shell'), (e: unknown) => e instanceof UserError && /rig not found: nosuchrig/.test(e.message));
  validateAdapter(town, 'demo', 'polecat', 'sleeper');
  validateAdapter(town, 'demo', 'polecat', 'shell'); // built in; its binary is gt
  assert.equal(JSON.stringify(listAgents(town, { includeRetired: true })), before, 'no identity touched');

  // The same message the launch gives for that adapter (sling then reports it per bead).
  const s = openStore(join(f.town, 'demo', '.beads'));
  const id = s.create({ title: 'ghost work', description: 'x' }, 'overseer').id;
  s.close();
  const r = f.gt(['sling', id, 'demo', '--agent', 'ghost', '--json']);
  assert.match(r.stdout + r.stderr, /agent binary 'no-such-agent-binary-xyz' not found on PATH/);
});
