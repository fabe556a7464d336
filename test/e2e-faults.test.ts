// Faults at launch end in a clear error on the identity (state dead, with the reason), never a
// hang: the agent binary missing, tmux missing, a session that exits at once. And the shell agent
// (no model at all) works a bead end to end in headless mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, symlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, type TownFixture } from './support/town-fixture.js';
import { sweepTown, until } from './support/claude.js';
import { binDir } from './support/cli.js';
import { openStore } from '../src/beads/store.js';
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

const beads = () => openStore(join(f.town, 'demo', '.beads'));
function createBead(title: string, description = `Do ${title}.`): string {
  const s = beads();
  try { return s.create({ title, description }, 'overseer').id; } finally { s.close(); }
}
function agentBead(address: string) {
  const s = beads();
  try { return s.list({ type: 'agent', includeClosed: true }).find((b) => b.fields.address === address)!; } finally { s.close(); }
}

function slingFails(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  const r = f.gt(['sling', ...args, '--json'], { env });
  assert.equal(r.code, 1, `sling should fail: ${r.stdout} ${r.stderr}`);
  const h = JSON.parse(r.stdout).hooked[0] as { agent: string; session: string; error: string };
  assert.equal(h.session, 'failed');
  const bead = agentBead(h.agent);
  assert.equal(bead.fields.agent_state, 'dead');
  assert.ok(Date.now() - started < 20_000, 'no hang');
  return { h, reason: String(bead.fields.state_reason) };
}

test('agent binary missing: dead with "not found on PATH"', () => {
  // `npm test` puts node_modules/.bin (where claude is) on PATH: take it off.
  const path = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules/.bin')).join(':');
  const { reason } = slingFails([createBead('no claude'), 'demo'], { PATH: `${binDir}:${path}` });
  assert.match(reason, /agent binary 'claude' not found on PATH/);
});

test('tmux missing: dead with "tmux not found"', () => {
  const bin = join(f.root, 'fakebin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['git', 'node', 'sh', 'env', 'bash']) symlinkSync(which(tool)!, join(bin, tool));
  symlinkSync('/bin/true', join(bin, 'claude'));
  const { reason } = slingFails([createBead('no tmux'), 'demo'], { PATH: `${binDir}:${bin}` });
  assert.match(reason, /tmux not found on PATH/);
});

test('a session that exits at once: dead with its exit status and last words', () => {
  const { reason } = slingFails([createBead('crash'), 'demo', '--agent', 'crash']);
  assert.match(reason, /exited at once with status 3: agent crashed on start/);
});

test('unknown --agent: clear error, exit 1', () => {
  const r = f.gt(['sling', createBead('unknown agent'), 'demo', '--agent', 'nosuch', '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stdout + r.stderr, /unknown agent 'nosuch'/);
});

test('shell agent, headless: runs the sh block, commits, gt done -> MR bead; log readable with gt peek', async () => {
  const rigToml = join(f.town, 'demo', 'rig.toml');
  appendFileSync(rigToml, '\n[runtime]\nmode = "headless"\n');
  const bead = createBead('shell work', 'Make the file:\n```sh\necho "from the shell agent" > shell.txt\n```\n');
  const r = f.gt(['sling', bead, 'demo', '--agent', 'shell', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const h = JSON.parse(r.stdout).hooked[0] as { agent: string; branch: string };
  const mr = await until('the MR bead', () => {
    const s = beads();
    try { return s.list({ type: 'merge-request', includeClosed: true }).find((m) => m.fields.source_bead === bead); } finally { s.close(); }
  }, 30_000);
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
