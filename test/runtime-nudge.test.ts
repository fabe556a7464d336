// nudgeAgent as the witness uses it: a busy agent past a short timeout gets nothing typed and a
// plain { delivered: false, idle: false }; an idle one gets the text; sessions that take no typed
// input (headless, dead, none) throw NotNudgeableError with a reason. Real tmux, real processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, type TownFixture } from './support/town-fixture.js';
import { sleep, sweepTown, until } from './support/claude.js';
import { loadTown } from '../src/town/town.js';
import { forgetStore } from '../src/town/stores.js';
import { launchAgent, nudgeAgent, providerFor, stopAgent, NotNudgeableError } from '../src/runtime/launch.js';
import { getAgent } from '../src/town/identity.js';

let f: TownFixture;
const echo = 'echo READY; while read l; do echo "got:$l"; echo READY; done';
before(() => {
  f = makeTown();
  appendFileSync(join(f.town, 'town.toml'), [
    '',
    // Same program; one adapter sees it idle at READY, the other never does (always busy).
    '[agents.custom.idler]', 'command = "sh"', `args = ["-c", ${JSON.stringify(echo)}]`, 'idle_pattern = "^READY$"',
    '[agents.custom.busy]', 'command = "sh"', `args = ["-c", ${JSON.stringify(echo)}]`, 'idle_pattern = "^NEVER-IDLE$"',
    '',
  ].join('\n'));
  for (const name of ['idle', 'busy', 'quiet']) f.gtJson(['crew', 'add', name, '--rig', 'demo']);
});
after(() => {
  sweepTown(f.town);
  forgetStore(join(f.town, '.beads'));
  forgetStore(join(f.town, 'demo', '.beads'));
  f.cleanup();
});

const screen = (address: string) => {
  const town = loadTown(f.town);
  const s = getAgent(town, address)!.sessions.at(-1)!;
  return providerFor(town, s.mode).capture(s.session_name, 50);
};

test('idle agent: the nudge is typed; busy agent past a short timeout: nothing typed, delivered false', async () => {
  const town = loadTown(f.town);
  await launchAgent(town, 'demo/crew/idle', { adapter: 'idler' });
  await launchAgent(town, 'demo/crew/busy', { adapter: 'busy' });
  await until('both prompts', () => screen('demo/crew/idle').includes('READY') && screen('demo/crew/busy').includes('READY'));

  const ok = await nudgeAgent(town, 'demo/crew/idle', 'hello idle', { timeoutMs: 5000 });
  assert.equal(ok.delivered, true);
  assert.equal(ok.idle, true);
  await until('the typed nudge', () => screen('demo/crew/idle').includes('got:hello idle'));

  const r = await nudgeAgent(town, 'demo/crew/busy', 'hello busy', { timeoutMs: 300, pollMs: 50 });
  assert.deepEqual({ delivered: r.delivered, idle: r.idle }, { delivered: false, idle: false });
  await sleep(500);
  assert.doesNotMatch(screen('demo/crew/busy'), /got:hello busy/, 'nothing typed into a busy session');

  const forced = await nudgeAgent(town, 'demo/crew/busy', 'typed anyway', { timeoutMs: 0, typeWhenBusy: true });
  assert.deepEqual({ delivered: forced.delivered, idle: forced.idle }, { delivered: true, idle: false });
  await until('the forced nudge', () => screen('demo/crew/busy').includes('got:typed anyway'));
});

test('no session, a dead session, a headless session: NotNudgeableError with its reason', async () => {
  let town = loadTown(f.town);
  const reason = (r: string) => (e: unknown) => e instanceof NotNudgeableError && e.reason === r && e.address === 'demo/crew/quiet';
  await assert.rejects(nudgeAgent(town, 'demo/crew/quiet', 'x', { timeoutMs: 0 }), reason('no-session'));

  await launchAgent(town, 'demo/crew/quiet', { adapter: 'idler' });
  const s = getAgent(town, 'demo/crew/quiet')!.sessions.at(-1)!;
  await providerFor(town, s.mode).stop(s.session_name); // dies without the runtime recording an end
  await assert.rejects(nudgeAgent(town, 'demo/crew/quiet', 'x', { timeoutMs: 0 }), reason('not-running'));

  const path = join(f.town, 'town.toml');
  writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'headless' } }));
  town = loadTown(f.town);
  await launchAgent(town, 'demo/crew/quiet', { adapter: 'idler' });
  await assert.rejects(nudgeAgent(town, 'demo/crew/quiet', 'x', { timeoutMs: 0 }), (e: unknown) => reason('headless')(e) && /headless and takes no typed input/.test((e as Error).message));
  await stopAgent(town, 'demo/crew/quiet');
});
