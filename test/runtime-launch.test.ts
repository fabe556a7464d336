// launchAgent's choice of agent CLI on a relaunch (the witness restarts with only a prompt), and
// sling's agent checks: a bad agent name is refused before anything changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, type TownFixture, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { openStore } from '../src/beads/open.js';
import { closeTown, loadTown as openTown, type Town } from '../src/town/town.js';
import { getAgent, listAgents } from '../src/town/identity.js';
import { isAgentAlive, launchAgent } from '../src/runtime/launch.js';
import { killGroup } from '../src/lib/proc.js';

let f: TownFixture;
// Town handles the tests open: their stores are closed (and flushed) before the directory goes.
const towns: Town[] = [];
const loadTown = (root: string) => { const t = openTown(root); towns.push(t); return t; };
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
after(async () => {
  sweepTown(f.town);
  for (const t of towns) await closeTown(t);
  f.cleanup();
});

test("a relaunch with only a prompt (witness restart) keeps the polecat's agent CLI", async () => {
  const s = await openStore({ kind: 'sqlite', beadsDir: join(f.town, 'demo', '.beads') });
  const id = (await s.create({ title: 'long task', description: 'Takes a while.' }, 'overseer')).id;
  await s.close();
  const slung = f.gtJson(['sling', id, 'demo', '--agent', 'sleeper']);
  const address = slung.hooked[0].agent as string;
  const town = loadTown(f.town);
  const first = (await getAgent(town, address))!.sessions.at(-1)!;
  assert.equal(first.adapter, 'sleeper');
  killGroup(first.pid, 'SIGKILL'); // the session crashes
  await until('the crash to show', async () => !(await isAgentAlive(town, address)));

  await launchAgent(town, address, { prompt: 'You are continuing after a restart.' });
  const second = (await getAgent(town, address))!.sessions.at(-1)!;
  assert.notEqual(second.pid, first.pid);
  assert.equal(second.adapter, 'sleeper', 'relaunched with the CLI it was slung with, not the town default');
  assert.equal(await isAgentAlive(town, address), true);
});

test('sling checks the agent name before changing anything; a missing binary is a launch fault on the identity', async () => {
  const s = await openStore({ kind: 'sqlite', beadsDir: join(f.town, 'demo', '.beads') });
  const id = (await s.create({ title: 'ghost work', description: 'x' }, 'overseer')).id;
  await s.close();
  const town = loadTown(f.town);
  const before = JSON.stringify(await listAgents(town, { includeRetired: true }));
  for (const [agent, re] of [['nope', /unknown agent 'nope'/], ['badidle', /idle_pattern is not a valid regular expression/]] as const) {
    const r = f.gt(['sling', id, 'demo', '--agent', agent]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  assert.equal(JSON.stringify(await listAgents(town, { includeRetired: true })), before, 'no identity touched');
  const st = await openStore({ kind: 'sqlite', beadsDir: join(f.town, 'demo', '.beads') });
  assert.equal((await st.mustGet(id)).status, 'open', 'bead untouched');
  await st.close();

  const r = f.gt(['sling', id, 'demo', '--agent', 'ghost', '--json']);
  assert.equal(r.code, 1);
  const h = JSON.parse(r.stdout).hooked[0];
  assert.equal(h.session, 'failed');
  assert.match(h.error, /agent binary 'no-such-agent-binary-xyz' not found on PATH/);
  assert.equal((await getAgent(town, h.agent))!.state, 'dead');
  assert.match(r.stderr, /session FAILED: .*not found on PATH/, 'the failure is on stderr in --json mode too');
});

test('gt sling: a session that fails to start is reported on stderr; stdout holds only the normal output', async () => {
  const s = await openStore({ kind: 'sqlite', beadsDir: join(f.town, 'demo', '.beads') });
  const id = (await s.create({ title: 'more ghost work', description: 'x' }, 'overseer')).id;
  await s.close();
  const r = f.gt(['sling', id, 'demo', '--agent', 'ghost']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^Hooked ${id} -> demo/\\S+ \\(polecat/\\S+\\)\\nConvoy \\S+ \\(new\\)\\n$`));
  assert.match(r.stderr, new RegExp(`^gt: ${id} is hooked to demo/\\S+, but its session FAILED: could not start .*agent binary 'no-such-agent-binary-xyz' not found on PATH`));
});
