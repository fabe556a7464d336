// nudgeAgent as the witness uses it: a busy agent past a short timeout gets nothing typed and a
// plain { delivered: false, idle: false }; an idle one gets the text; sessions that take no typed
// input (headless, dead, none) throw NotNudgeableError with a reason. Real tmux, real processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, type TownFixture, sweepTown } from './support/town-fixture.js';
import { sleep, until } from './support/wait.js';
import { closeTown, loadTown as openTown, type Town } from '../src/town/town.js';
import { launchAgent, nudgeAgent, providerFor, stopAgent, NotNudgeableError } from '../src/runtime/launch.js';
import { getAgent } from '../src/town/identity.js';

let f: TownFixture;
// Town handles the tests open: their stores are closed (and flushed) before the directory goes.
const towns: Town[] = [];
const loadTown = (root: string) => { const t = openTown(root); towns.push(t); return t; };
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
after(async () => {
  sweepTown(f.town);
  for (const t of towns) await closeTown(t);
  f.cleanup();
});

let screenTown: Town | undefined;
const screen = async (address: string) => {
  const town = (screenTown ??= loadTown(f.town));
  const s = (await getAgent(town, address))!.sessions.at(-1)!;
  return providerFor(town, s.mode).capture(s.session_name, 50);
};

test('idle agent: the nudge is typed; busy agent past a short timeout: nothing typed, delivered false', async () => {
  const town = loadTown(f.town);
  await launchAgent(town, 'demo/crew/idle', { adapter: 'idler' });
  await launchAgent(town, 'demo/crew/busy', { adapter: 'busy' });
  await until('both prompts', async () => (await screen('demo/crew/idle')).includes('READY') && (await screen('demo/crew/busy')).includes('READY'));

  const ok = await nudgeAgent(town, 'demo/crew/idle', 'hello idle', { timeoutMs: 5000 });
  assert.equal(ok.delivered, true);
  assert.equal(ok.idle, true);
  await until('the typed nudge', async () => (await screen('demo/crew/idle')).includes('got:hello idle'));

  const r = await nudgeAgent(town, 'demo/crew/busy', 'hello busy', { timeoutMs: 300, pollMs: 50 });
  assert.deepEqual({ delivered: r.delivered, idle: r.idle }, { delivered: false, idle: false });
  await sleep(500);
  assert.doesNotMatch((await screen('demo/crew/busy')), /got:hello busy/, 'nothing typed into a busy session');

  const forced = await nudgeAgent(town, 'demo/crew/busy', 'typed anyway', { timeoutMs: 0, typeWhenBusy: true });
  assert.deepEqual({ delivered: forced.delivered, idle: forced.idle }, { delivered: true, idle: false });
  await until('the forced nudge', async () => (await screen('demo/crew/busy')).includes('got:typed anyway'));
});

test('gt mail send --nudge: a subject with \\r, ESC and ^C types one clean line, submits nothing early, interrupts nothing', async () => {
  const subject = 'hi\rtouch pwned\x1b[2J\x1b]0;owned\x07\x03 end\n';
  const r = f.gt(['mail', 'send', 'demo/crew/idle', '-s', subject, '--nudge']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Sent \S+ to demo\/crew\/idle \(nudged\)\n$/);
  assert.equal(r.stderr, '');
  await until('the typed nudge', async () => /got:You have mail[^\n]*\n(?:[^\n]*\n)*READY/.test((await screen('demo/crew/idle'))));
  // The terminal echoes the typed line, then the agent prints what it read: one line, read once.
  const lines = (await screen('demo/crew/idle')).split('\n').filter((l) => l.includes('touch pwned'));
  assert.equal(lines.filter((l) => l.startsWith('got:')).length, 1, `one line submitted once: ${JSON.stringify(lines)}`);
  assert.match(lines.find((l) => l.startsWith('got:'))!, /^got:You have mail from \S+: "hi touch pwned end ?"\. Run `gt mail inbox`\.$/);
  assert.ok(lines.every((l) => l.includes('You have mail')), `nothing split off the line: ${JSON.stringify(lines)}`);
  const town = loadTown(f.town);
  const s = (await getAgent(town, 'demo/crew/idle'))!.sessions.at(-1)!;
  assert.equal(providerFor(town, s.mode).get(s.session_name)?.alive, true, 'no ^C reached the agent');

  const empty = f.gt(['nudge', 'demo/crew/idle', '\x1b[2J\x03\r']);
  assert.equal(empty.code, 1);
  assert.equal(empty.stdout, '', 'nothing claimed on stdout');
  assert.match(empty.stderr, /^gt: not delivered to demo\/crew\/idle: the message has nothing to type/);
});

test('gt mail send --nudge says so when nothing was typed (busy agent): mail sent, warning on stderr', async () => {
  const r = f.gt(['mail', 'send', 'demo/crew/busy', '-s', 'while you work', '--nudge', '--nudge-timeout', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const sent = JSON.parse(r.stdout);
  assert.match(sent.nudged, /^not nudged: demo\/crew\/busy stayed busy/);
  assert.match(r.stderr, /^gt: not nudged: demo\/crew\/busy stayed busy for \ds \(the mail waits in its inbox\)\n$/);
  const text = f.gt(['mail', 'send', 'demo/crew/busy', '-s', 'again', '--nudge', '--nudge-timeout', '1']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Sent \S+ to demo\/crew\/busy\n$/, 'stdout does not claim a nudge');
  assert.match(text.stderr, /not nudged/);
  assert.doesNotMatch((await screen('demo/crew/busy')), /got:You have mail/, 'nothing was typed');
});

test('no session, a dead session, a headless session: NotNudgeableError with its reason', async () => {
  let town = loadTown(f.town);
  const reason = (r: string) => (e: unknown) => e instanceof NotNudgeableError && e.reason === r && e.address === 'demo/crew/quiet';
  await assert.rejects(nudgeAgent(town, 'demo/crew/quiet', 'x', { timeoutMs: 0 }), reason('no-session'));

  await launchAgent(town, 'demo/crew/quiet', { adapter: 'idler' });
  const s = (await getAgent(town, 'demo/crew/quiet'))!.sessions.at(-1)!;
  await providerFor(town, s.mode).stop(s.session_name); // dies without the runtime recording an end
  await assert.rejects(nudgeAgent(town, 'demo/crew/quiet', 'x', { timeoutMs: 0 }), reason('not-running'));

  const path = join(f.town, 'town.toml');
  writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'headless' } }));
  town = loadTown(f.town);
  await launchAgent(town, 'demo/crew/quiet', { adapter: 'idler' });
  await assert.rejects(nudgeAgent(town, 'demo/crew/quiet', 'x', { timeoutMs: 0 }), (e: unknown) => reason('headless')(e) && /headless and takes no typed input/.test((e as Error).message));
  await stopAgent(town, 'demo/crew/quiet');
});
