// The witness keeps hooked work moving, proven on real tmux sessions driven by `gt patrol` (one
// deacon pass): GUPP nudges an agent idle at its prompt after the rig's gupp_nudge_sec, and not
// before; a polecat SIGKILLed five times (more than the three restarts that once stranded a bead)
// is restarted with back-off each time and its work lands; a session that exits at once with an
// error goes to the Mayor with its last words, and after the cool-down its bead goes to a fresh
// polecat that lands it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, withStore, type TownFixture, sweepTown, townId } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { getSession } from '../src/lib/tmux.js';
import { loadTown } from '../src/town/town.js';
import { loadRig } from '../src/town/rig.js';
import { witnessPatrol } from '../src/supervise/witness.js';
import { DEFAULT_POLICY } from '../src/supervise/assess.js';

let f: TownFixture;
before(() => {
  f = makeTown({ testCmd: 'true' });
  const path = join(f.town, 'town.toml');
  writeFileSync(path, stringify({
    ...parse(readFileSync(path, 'utf8')),
    runtime: { mode: 'tmux' },
    agents: {
      default: 'shell',
      custom: {
        // Waits at a "> " prompt; every line typed into it is appended to typed.txt next to the town.
        prompter: { command: 'bash', args: ['-c', 'while printf "> "; read -r line; do echo "$line" >> "$GT_TOWN/../typed.txt"; done'], idle_pattern: '^> ?$' },
        // Fails at once (as an agent CLI with no credentials would) until the overseer fixes it.
        flaky: { command: 'sh', args: ['-c', 'if [ -e "$GT_TOWN/../fixed" ]; then exec gt agent shell; fi; echo "error: no API key configured" >&2; exit 3'] },
      },
    },
  }));
});
after(() => {
  f.gt(['down', '--all']);
  sweepTown(f.town);
  f.cleanup();
});

const rigStore = <T>(fn: (s: import('../src/beads/api.js').Store) => Promise<T>) => withStore(join(f.town, 'demo', '.beads'), fn);
const bead = (title: string, sh: string) => rigStore(async (s) => (await s.create({ title, description: `${title}.\n\n\`\`\`sh\n${sh}\n\`\`\`\n` }, 'overseer')).id);
const patrol = () => f.gtJson(['patrol']) as { witness: { agent: string; action: { kind: string; reason?: string } }[] };
const agentBead = (address: string) => rigStore(async (s) => (await s.list({ type: 'agent', includeClosed: true })).find((a) => a.fields.address === address));
const mayorMail = () => f.gtJson<{ subject: string; body?: string; id: string }[]>(['mail', 'inbox', 'mayor']);
const socket = () => `gt-${townId(f.town)}`;

test('GUPP: an agent idle at its prompt with work on its hook is nudged after gupp_nudge_sec, not before', { timeout: 180_000 }, async () => {
  const id = await bead('wait at the prompt', 'true');
  const h = f.gtJson(['sling', id, 'demo', '--agent', 'prompter']).hooked[0];
  await until('the prompt', () => f.gt(['peek', h.agent]).stdout.includes('>'), 60_000);
  const typed = join(f.root, 'typed.txt');
  const opening = existsSync(typed) ? readFileSync(typed, 'utf8') : '';
  // Before its delay (an hour here, so no slow machine can reach it) a patrol leaves it alone.
  const rigToml = join(f.town, 'demo', 'rig.toml');
  const saved = readFileSync(rigToml, 'utf8');
  writeFileSync(rigToml, `${saved}\ngupp_nudge_sec = 3600\n`);
  assert.deepEqual(patrol().witness.filter((w) => w.agent === h.agent), [], 'no nudge before the GUPP delay');

  writeFileSync(rigToml, `${saved}\ngupp_nudge_sec = 2\n`);
  const nudged = await until('a GUPP nudge', () => patrol().witness.find((w) => w.agent === h.agent && w.action.kind === 'nudge'), 60_000);
  assert.match(nudged.action.reason!, new RegExp(`no activity for \\d+ s with ${id} on its hook`));
  await until('the nudge typed at the prompt', () => existsSync(typed) && readFileSync(typed, 'utf8').slice(opening.length).includes('Witness check: you have work on your hook'), 30_000);
  assert.equal((await agentBead(h.agent))?.fields.agent_state, 'stuck');
  f.gtJson(['unsling', h.agent]);
  await rigStore((s) => s.closeIssues([id], 'test over', 't'));
  writeFileSync(rigToml, saved);
});

test('a polecat SIGKILLed five times is restarted with back-off each time, and its work lands once', { timeout: 300_000 }, async () => {
  const go = join(f.root, 'go-kills');
  const id = await bead('survive the kills', `while [ ! -e ${go} ]; do sleep 0.2; done\necho survived > survived.txt`);
  const h = f.gtJson(['sling', id, 'demo']).hooked[0];
  const session = `gt-${h.agent.split('/')[0]}-polecat-${h.agent.split('/').pop()}`;
  for (let kill = 1; kill <= 5; kill++) {
    const s = await until(`session alive before kill ${kill}`, () => { const x = getSession(socket(), session); return x && !x.dead && x.panePid ? x : undefined; }, 60_000);
    process.kill(-s.panePid!, 'SIGKILL');
    await until(`the witness to restart it after kill ${kill}`, () => patrol().witness.find((w) => w.agent === h.agent && w.action.kind === 'restart'), 90_000);
    assert.equal((await agentBead(h.agent))?.fields.restarts, kill);
  }
  writeFileSync(go, '');
  await until('the work to land', async () => { patrol(); return (await rigStore(async (s) => (await s.get(id))!.status)) === 'closed'; }, 120_000);
  assert.equal(f.git(join(f.town, 'demo', '.repo.git'), ['show', 'main:survived.txt']), 'survived');
  const mrs = await rigStore(async (s) => (await s.list({ type: 'merge-request', includeClosed: true })).filter((m) => m.fields.source_bead === id));
  assert.deepEqual(mrs.map((m) => m.fields.mr_state), ['merged'], 'one MR, merged');
  assert.deepEqual(mayorMail().filter((m) => m.subject.includes(h.agent)), [], 'nobody gave up on it');
});

test('a session that exits at once goes to the Mayor with its last words; after the cool-down a fresh polecat lands the bead', { timeout: 300_000 }, async () => {
  const id = await bead('needs a working agent', 'echo landed > flaky.txt');
  const slung = f.gt(['sling', id, 'demo', '--agent', 'flaky']);
  assert.equal(slung.code, 1, 'the sling sees the session fail at once');
  assert.match(slung.stderr, /exited at once with status 3: error: no API key configured/);
  const h = { agent: f.gtJson<{ address: string; hook?: string }[]>(['polecat', 'list']).find((p) => p.hook === id)!.address };
  const gaveUp = await until('the witness to give up', () => patrol().witness.find((w) => w.agent === h.agent && w.action.kind === 'give-up'), 60_000);
  assert.match(gaveUp.action.reason!, /session exited with status 3 \d+ s after it started/);
  const mail = mayorMail().find((m) => m.subject === `${h.agent} cannot continue ${id}`);
  assert.ok(mail, JSON.stringify(mayorMail()));
  const read = f.gt(['mail', 'read', mail.id, '--json'], { env: { ...f.env, GT_AGENT: 'mayor' } });
  assert.match(read.stdout, /error: no API key configured/, 'its last words');
  assert.equal((await rigStore(async (s) => (await s.get(id))!)).status, 'hooked', 'cooling down: still on its hook');
  const st = f.gt(['convoy', 'stranded', '--json']);
  assert.equal(st.code, 1, 'something is stranded');
  const stranded = JSON.parse(st.stdout) as { bead: string; reason: string }[];
  assert.deepEqual(stranded.map((x) => [x.bead, x.reason]), [[id, `hooked to ${h.agent}, which the witness gave up on; nobody works it`]]);

  writeFileSync(join(f.root, 'fixed'), ''); // the overseer fixes the cause
  // The cool-down passes (five minutes; the patrol is told the time rather than the test waiting).
  const town = loadTown(f.town);
  try {
    const r = await witnessPatrol(town, loadRig(town, 'demo'), { now: Date.now() + DEFAULT_POLICY.coolDownMs + 1_000 });
    assert.deepEqual(r.filter((x) => x.agent === h.agent).map((x) => x.action.kind), ['release']);
  } finally {
    await town.stores.closeAll();
  }
  const released = await rigStore(async (s) => (await s.get(id))!);
  assert.equal(released.status, 'open', 'released, never left hooked with nobody on it');
  assert.ok(mayorMail().some((m) => m.subject === `Released ${id} from ${h.agent}`));
  await until('a fresh polecat to land it', async () => { patrol(); return (await rigStore(async (s) => (await s.get(id))!.status)) === 'closed'; }, 120_000);
  assert.equal(f.git(join(f.town, 'demo', '.repo.git'), ['show', 'main:flaky.txt']), 'landed');
  assert.equal((await agentBead(h.agent))?.status, 'closed', 'the given-up polecat is decommissioned');
});
