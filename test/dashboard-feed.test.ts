// gt feed as a person uses it: typed into a shell in tmux, following the town while it changes
// through the real CLI, filtered by rig and type, stopped with Ctrl-C; --json lines for scripts;
// --problems for what needs a person. The pane is read with capture-pane and waited on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { makeTown, createRigBead, type TownFixture } from './support/town-fixture.js';
import { gtBin } from './support/cli.js';
import { until } from './support/wait.js';
import { capturePane, killServer, newSession, sendText } from '../src/lib/tmux.js';

let f: TownFixture;
const socket = `gt-feed-test-${process.pid}`;
const pane = 'feed';

before(() => {
  f = makeTown();
  const env = Object.entries({ ...f.env, PS1: '$ ' }).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  newSession(socket, { name: pane, cwd: f.root, command: ['env', '-i', ...env, 'bash', '--norc', '--noprofile'], width: 160, height: 50 });
});
after(async () => {
  killServer(socket);
  // The shell and the feed it ran die of the server's end a moment later, and may still write
  // into the town (bash its history) while it is removed: retry until nothing is left.
  if (f) await until('the town removed', () => { try { f.cleanup(); return true; } catch { return false; } }, 15_000);
});

const screen = () => capturePane(socket, pane, 500);
const waitScreen = (what: string, re: RegExp) => until(what, () => re.test(screen()) && screen(), 60_000);

test('gt feed in a terminal: follows the town\'s activity as it happens, only the kinds asked for, stops on Ctrl-C with status 0', { timeout: 120_000 }, async () => {
  // A mail from before the feed starts opens it (the recent past): once it shows, the feed has read
  // the town, and whatever happens next must come as it happens.
  f.gt(['mail', 'send', 'mayor', '-s', 'Before the feed']);
  sendText(socket, pane, `node ${gtBin} feed --type convoy --type mail`);
  await waitScreen('the feed to open with the recent past', /mail overseer -> mayor: Before the feed/);
  const bead = await createRigBead(f.town, 'Feed me', 'x');
  const convoy = f.gtJson<{ id: string }>(['convoy', 'create', 'Feed convoy', bead]);
  f.gt(['mail', 'send', 'mayor', '-s', 'Seen in the feed']);
  const shown = await waitScreen('the mail line', /mail overseer -> mayor: Seen in the feed/);
  assert.match(shown, new RegExp(`convoy +convoy ${convoy.id} "Feed convoy" created, 0/1`));
  assert.doesNotMatch(shown, /\d\d:\d\d:\d\d (agent|mr|rig) /, 'no other kinds were asked for');
  execFileSync('tmux', ['-L', socket, 'send-keys', '-t', `=${pane}:`, 'C-c']);
  sendText(socket, pane, 'echo "feed exited with $?"');
  await waitScreen('the exit status', /feed exited with 0/);
});

test('gt feed --json: one object per line a script can parse; --no-follow stops after the recent past', () => {
  f.gt(['mail', 'send', 'overseer', '-s', 'For the script']);
  const r = f.gt(['feed', '--json', '--no-follow', '--type', 'mail']);
  assert.equal(r.code, 0, r.stderr);
  const items = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; text: string; at: string });
  assert.ok(items.length >= 1 && items.every((i) => i.type === 'mail' && i.at), r.stdout);
  assert.ok(items.some((i) => i.text === 'mail overseer -> overseer: For the script'), r.stdout);
});

test('gt feed --problems: a convoy whose bead nobody works is stranded; mistakes are one clear line', async () => {
  const bead = await createRigBead(f.town, 'Nobody works me', 'x');
  const convoy = f.gtJson<{ id: string }>(['convoy', 'create', 'Stranded convoy', bead]);
  const r = f.gt(['feed', '--problems', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const problems = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; id: string; text: string });
  const p = problems.find((x) => x.id === convoy.id);
  assert.equal(p?.kind, 'stranded-convoy', r.stdout);
  assert.match(p!.text, new RegExp(bead));
  assert.ok(problems.some((x) => x.kind === 'dead-agent' && x.id === 'deacon'), 'no deacon runs in this town');
  for (const [args, code, re] of [[['feed', '--type', 'bogus'], 2, /unknown --type bogus/], [['feed', '--rig', 'nope'], 1, /nope/]] as const) {
    const bad = f.gt([...args]);
    assert.equal(bad.code, code, bad.stderr);
    assert.match(bad.stderr, re);
    assert.equal(bad.stderr.trim().split('\n').length <= 2, true, bad.stderr);
  }
});
