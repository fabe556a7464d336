// Faults at launch end in a clear error on the identity (state dead, with the reason), never a
// hang: the agent binary missing, tmux missing, a session that exits at once. And the shell agent
// (no model at all) works a bead end to end in headless mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, symlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, createRigBead, mrForBead, withStore, type TownFixture, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { binDir } from './support/cli.js';
import { which } from '../src/lib/proc.js';

let f: TownFixture;
before(() => {
  f = makeTown();
  appendFileSync(join(f.town, 'town.toml'), '\n[agents.custom.crash]\ncommand = "sh"\nargs = ["-c", "echo agent crashed on start; exit 3"]\n');
});
after(() => {
  sweepTown(f.town);
  f.cleanup();
});

const createBead = (title: string, description = `Do ${title}.`) => createRigBead(f.town, title, description);
function agentBead(address: string) {
  return withStore(join(f.town, 'demo', '.beads'), async (s) => (await s.list({ type: 'agent', includeClosed: true })).find((b) => b.fields.address === address)!);
}

async function slingFails(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  const r = f.gt(['sling', ...args, '--json'], { env });
  assert.equal(r.code, 1, `sling should fail: ${r.stdout} ${r.stderr}`);
  const h = JSON.parse(r.stdout).hooked[0] as { agent: string; session: string; error: string };
  assert.equal(h.session, 'failed');
  const bead = await agentBead(h.agent);
  assert.equal(bead.fields.agent_state, 'dead');
  // A hang is minutes; a loaded 2-core machine once took 30 s (tmux slow to report the dead pane).
  assert.ok(Date.now() - started < 60_000, `no hang (${Date.now() - started} ms)`);
  return { h, reason: String(bead.fields.state_reason) };
}

test('agent binary missing: dead with "not found on PATH"', async () => {
  // `npm test` puts node_modules/.bin (where claude is) on PATH: take it off.
  const path = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules/.bin')).join(':');
  const { reason } = await slingFails([await createBead('no claude'), 'demo'], { PATH: `${binDir}:${path}` });
  assert.match(reason, /agent binary 'claude' not found on PATH/);
});

test('tmux missing: dead with "tmux not found"', async () => {
  const bin = join(f.root, 'fakebin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['git', 'node', 'sh', 'env', 'bash']) symlinkSync(which(tool)!, join(bin, tool));
  symlinkSync('/bin/true', join(bin, 'claude'));
  const { reason } = await slingFails([await createBead('no tmux'), 'demo'], { PATH: `${binDir}:${bin}` });
  assert.match(reason, /tmux not found on PATH/);
});

test('a session that exits at once: dead with its exit status and last words', async () => {
  const { reason } = await slingFails([await createBead('crash'), 'demo', '--agent', 'crash']);
  assert.match(reason, /exited at once with status 3: agent crashed on start/);
});

test('unknown --agent: clear error, exit 1', async () => {
  const r = f.gt(['sling', await createBead('unknown agent'), 'demo', '--agent', 'nosuch', '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stdout + r.stderr, /unknown agent 'nosuch'/);
});

test('shell agent, headless: runs the sh block, commits, gt done -> MR bead; log readable with gt peek', async () => {
  const rigToml = join(f.town, 'demo', 'rig.toml');
  appendFileSync(rigToml, '\n[runtime]\nmode = "headless"\n');
  const bead = await createBead('shell work', 'Make the file:\n```sh\necho "from the shell agent" > shell.txt\n```\n');
  const r = f.gt(['sling', bead, 'demo', '--agent', 'shell', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const h = JSON.parse(r.stdout).hooked[0] as { agent: string; branch: string };
  const mr = await until('the MR bead', () => mrForBead(f.town, bead), 30_000);
  assert.equal(mr.fields.branch, h.branch);
  assert.equal(f.git(join(f.town, 'demo', '.repo.git'), ['show', `${h.branch}:shell.txt`]), 'from the shell agent');
  const peek = f.gt(['peek', h.agent]);
  assert.match(peek.stdout, /shell agent: working/);
  const sessions = f.gtJson<Array<{ mode: string; agent: string }>>(['session', 'list', '--all']);
  assert.equal(sessions.find((s) => s.agent === h.agent)?.mode, 'headless');
  assert.equal(f.gt(['nudge', h.agent, 'hi']).code, 1, 'nudging an ended or headless session is a clear error');
  void readFileSync;
});

test('bad input to runtime commands: one clear line, non-zero exit', () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['peek', 'demo/polecats/nobody'], 1, /agent not found/],
    [['nudge', 'not an address!'], 1, /not an agent address/],
    [['peek', 'mayor', '-n', 'zero'], 2, /positive integer|whole number/],
    [['seance', 'mayor', '--ask', 'hi'], 1, /no resumable sessions/],
    [['session', 'kill', 'gt-no-such-session'], 1, /session not found/],
  ];
  for (const [args, code, msg] of cases) {
    const r = f.gt(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.ok(r.stderr.trim().split('\n').length <= 3, `short error for ${args.join(' ')}: ${r.stderr}`);
  }
});
