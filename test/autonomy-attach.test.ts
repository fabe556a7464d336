// `gt mayor attach` and `gt crew attach`, as a user types them: on a terminal (here a pane of a
// tmux server of the test's own, standing in for the user's terminal) attach starts the session
// when it is not running and attaches to it; C-b d detaches and the session runs on. Without a
// terminal, attach is one clear line and starts nothing. Real tmux; the agent is `sleep`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, type TownFixture, sweepTown, townId } from './support/town-fixture.js';
import { gtBin } from './support/cli.js';
import { until } from './support/wait.js';
import { capturePane, killServer, newSession } from '../src/lib/tmux.js';
import { runSync } from '../src/lib/proc.js';

let f: TownFixture;
const outer = `a11-attach-${process.pid}`; // the "user's terminal"
before(() => {
  f = makeTown({ testCmd: 'true' });
  const path = join(f.town, 'town.toml');
  writeFileSync(path, stringify({
    ...parse(readFileSync(path, 'utf8')),
    runtime: { mode: 'tmux' },
    agents: { default: 'shell', custom: { sleeper: { command: 'sleep', args: ['600'] } } },
  }));
});
after(() => {
  killServer(outer);
  f.gt(['down', '--all']);
  sweepTown(f.town);
  f.cleanup();
});

/** Runs a gt command in a new window of the outer tmux server, the way a user types it; its exit code lands in a file. */
function typeInTerminal(name: string, args: string[]): string {
  const rcFile = join(f.root, `${name}.rc`);
  const script = join(f.root, `${name}.sh`);
  const env = Object.entries(f.env).filter(([k, v]) => v !== undefined && /^[A-Z_][A-Z0-9_]*$/.test(k)).map(([k, v]) => `export ${k}='${String(v).replace(/'/g, `'\\''`)}'`);
  writeFileSync(script, `#!/bin/sh\n${env.join('\n')}\ncd '${f.root}'\n'${process.execPath}' '${gtBin}' ${args.map((a) => `'${a}'`).join(' ')}\necho $? > '${rcFile}'\nsleep 600\n`);
  chmodSync(script, 0o700);
  newSession(outer, { name, cwd: f.root, command: [script] });
  return rcFile;
}

/** Sessions of the town's tmux server with a client attached. */
function attachedSessions(): string[] {
  const r = runSync('tmux', ['-L', `gt-${townId(f.town)}`, 'list-clients', '-F', '#{session_name}']);
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

test('without a terminal, attach is one clear line and starts nothing', () => {
  const r = f.gt(['mayor', 'attach', '--agent', 'sleeper']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /gt mayor attach needs a terminal .*gt mayor start/);
  assert.equal(f.gtJson(['mayor', 'status']).alive, false, 'nothing started');
  f.gtJson(['crew', 'add', 'ann', '--rig', 'demo']);
  const c = f.gt(['crew', 'attach', 'ann', '--agent', 'sleeper']);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /gt crew attach needs a terminal .*gt crew start ann/);
  assert.equal(f.gtJson<any[]>(['crew', 'list'])[0].alive, false);
});

for (const [who, args, statusOf] of [
  ['mayor', ['mayor', 'attach', '--agent', 'sleeper'], () => f.gtJson(['mayor', 'status'])],
  ['crew', ['crew', 'attach', 'ann', '--agent', 'sleeper'], () => f.gtJson<any[]>(['crew', 'list'])[0]],
] as const) {
  test(`gt ${who} attach on a terminal starts the session when it is not running, and C-b d detaches`, async () => {
    assert.equal(statusOf().alive, false);
    const rc = typeInTerminal(who, [...args]);
    const session = await until(`the ${who} session to be attached`, () => attachedSessions()[0], 30_000);
    const st = statusOf();
    assert.equal(st.alive, true, `gt ${who} attach started it`);
    assert.match(session, new RegExp(who === 'mayor' ? 'mayor' : 'crew-ann'));
    runSync('tmux', ['-L', outer, 'send-keys', '-t', `=${who}:`, 'C-b', 'd']); // as the user types it
    await until('the detach', () => { try { return readFileSync(rc, 'utf8').trim(); } catch { return undefined; } }, 30_000);
    assert.equal(readFileSync(rc, 'utf8').trim(), '0', capturePane(outer, who));
    assert.deepEqual(attachedSessions(), []);
    assert.equal(statusOf().alive, true, 'the session runs on after a detach');
  });
}

test('gt estop stops every agent session and the deacon; identities and hooks stay', () => {
  assert.equal(f.gtJson(['mayor', 'status']).alive, true);
  assert.equal(f.gt(['up']).code, 0);
  const r = f.gtJson(['estop']);
  assert.equal(r.stopped, true, 'the deacon stopped');
  assert.deepEqual([...r.agents].sort(), ['demo/crew/ann', 'mayor']);
  assert.equal(f.gtJson(['mayor', 'status']).alive, false);
  assert.deepEqual(f.gtJson<any[]>(['crew', 'list']).map((c) => [c.address, c.alive]), [['demo/crew/ann', false]]);
  assert.equal(f.gtJson(['status']).deacon.running, false, 'no deacon running');
});

test('in a town whose sessions are headless, attach on a terminal says so and starts nothing', async () => {
  const path = join(f.town, 'town.toml');
  const conf = parse(readFileSync(path, 'utf8'));
  writeFileSync(path, stringify({ ...conf, runtime: { mode: 'headless' } }));
  try {
    assert.equal(f.gtJson(['mayor', 'status']).alive, false);
    const rc = typeInTerminal('headless', ['mayor', 'attach', '--agent', 'sleeper']);
    await until('attach to give up', () => { try { return readFileSync(rc, 'utf8').trim(); } catch { return undefined; } }, 30_000);
    assert.equal(readFileSync(rc, 'utf8').trim(), '1');
    assert.match(capturePane(outer, 'headless'), /mayor's sessions are headless .*gt peek mayor/s);
    assert.equal(f.gtJson(['mayor', 'status']).alive, false, 'nothing started');
  } finally {
    writeFileSync(path, stringify(conf));
  }
});
