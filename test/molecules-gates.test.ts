// Gates through the real commands: a poured molecule whose steps wait for a person, a timer, a
// bead and a command. A gated step is not ready until its gate opens; `bd ready --explain` and
// `gt mol status` say what it waits for; `gt gate approve`, `bd gate resolve` and `gt gate check`
// (the deacon's pass) open them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, asAgent, type TownFixture } from './support/town-fixture.js';
import { bd } from './support/cli.js';
import { until } from './support/wait.js';

let f: TownFixture;
const rigDir = () => join(f.town, 'demo');
function bdRun(args: string[]) {
  return bd(args, { cwd: rigDir(), env: f.env });
}
function bdJson(args: string[]): any {
  const r = bdRun([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}
const readyIds = () => bdJson(['ready', '-n', '0']).map((b: any) => b.id as string);

before(() => {
  f = makeTown();
  mkdirSync(join(f.town, 'formulas'));
});
after(() => f.cleanup());

function gatedFormula(beadId: string): string {
  return `formula = "gated"
[vars.who]
default = "the overseer"
[[steps]]
id = "plain"
title = "Plain step"
[[steps]]
id = "ship"
title = "Ship it"
gate = { type = "human", description = "{{who}} approves shipping" }
[[steps]]
id = "later"
title = "Later"
gate = { type = "timer", after = "1s" }
[[steps]]
id = "after-bead"
title = "After the bead"
gate = { type = "bead", bead = "${beadId}" }
[[steps]]
id = "after-ci"
title = "After CI"
gate = { type = "command", command = "test -f ci-green && echo CI is green" }
[[steps]]
id = "after-check"
title = "After a check that fails"
gate = { type = "command", command = "echo not yet; exit 3" }
`;
}

test('each gate type holds its step back, says why, and opens the way it should', async () => {
  const blocker = bdJson(['create', 'Upstream fix']);
  writeFileSync(join(f.town, 'formulas', 'gated.formula.toml'), gatedFormula(blocker.id));
  const p = f.gtJson(['mol', 'pour', 'gated', '--rig', 'demo']);
  const step = Object.fromEntries(p.steps.map((s: any) => [s.step, s.id as string]));
  assert.deepEqual(readyIds().filter((id: string) => id.startsWith(p.root.id)), [step.plain], 'only the ungated step is ready');

  const st = f.gtJson(['mol', 'status', p.root.id]);
  const gateOf = (name: string) => st.steps.find((s: any) => s.step === name).gate;
  assert.equal(st.total, 6, 'gate beads are not steps');
  assert.deepEqual([gateOf('ship').type, gateOf('ship').open], ['human', false]);
  assert.equal(gateOf('ship').title, 'Gate (human): the overseer approves shipping');
  assert.deepEqual(gateOf('after-bead'), { type: 'bead', id: blocker.id, open: false });
  const text = f.gt(['mol', 'status', p.root.id]).stdout;
  assert.match(text, new RegExp(`Ship it  \\(waits for human gate ${gateOf('ship').id.replace('.', '\\.')}: the overseer approves shipping\\)`));

  const explain = bdJson(['ready', '--explain', step.ship])[0];
  assert.deepEqual(explain.reasons, [`waits for gate ${gateOf('ship').id}: Gate (human): the overseer approves shipping`]);

  // human: gt gate approve; a step id is not a gate (one line, exit 1, nothing changes).
  const wrong = f.gt(['gate', 'approve', step.plain]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr.trim(), /^[^\n]*is not a gate \(it is a task\)[^\n]*$/);
  assert.equal(f.gtJson(['gate', 'approve', gateOf('ship').id]).status, 'closed');
  assert.ok(readyIds().includes(step.ship));

  // bead: closing the bead it waits for frees it.
  assert.ok(!readyIds().includes(step['after-bead']));
  assert.equal(bdRun(['close', blocker.id]).code, 0);
  assert.ok(readyIds().includes(step['after-bead']));

  // command: the check runs in the rig's directory; its output is recorded. A failing one backs off.
  writeFileSync(join(rigDir(), 'ci-green'), '');
  await until('the timer gate to open', () => {
    const checks = f.gtJson(['gate', 'check']);
    return readyIds().includes(step.later) ? checks : undefined;
  });
  assert.ok(readyIds().includes(step['after-ci']));
  const ci = bdJson(['show', gateOf('after-ci').id])[0];
  assert.equal(ci.close_reason, 'check passed: CI is green');
  const failing = bdJson(['show', gateOf('after-check').id])[0];
  assert.equal(failing.status, 'open');
  assert.equal(failing.last_output ?? failing.fields?.last_output, 'not yet');
  assert.ok(!readyIds().includes(step['after-check']));
  const again = f.gtJson(['gate', 'check']);
  assert.ok(!again.some((c: any) => c.id === gateOf('after-check').id), 'not re-run before its back-off passes');

  // bd gate resolve opens any gate by hand.
  assert.equal(bdJson(['gate', 'resolve', gateOf('after-check').id, '-r', 'checked by hand']).close_reason, 'checked by hand');
  assert.ok(readyIds().includes(step['after-check']));
});

test('the overseer is mailed once when a human gate becomes what its step waits for', () => {
  writeFileSync(join(f.town, 'formulas', 'signoff.formula.toml'), `formula = "signoff"
[[steps]]
id = "build"
title = "Build it"
[[steps]]
id = "sign"
title = "Sign it off"
needs = ["build"]
gate = { type = "human", description = "the overseer signs off" }
`);
  const p = f.gtJson(['mol', 'pour', 'signoff', '--rig', 'demo']);
  const step = Object.fromEntries(p.steps.map((s: any) => [s.step, s.id as string]));
  const gate = f.gtJson(['mol', 'status', p.root.id]).steps.find((s: any) => s.step === 'sign').gate.id as string;
  const mailAbout = () => f.gtJson(['mail', 'inbox', 'overseer', '--all']).filter((m: any) => m.subject === 'Waiting for you: Sign it off');

  // Its step still waits for "build": nobody is asked yet.
  assert.ok(!f.gtJson(['gate', 'check']).some((c: any) => c.id === gate));
  assert.equal(mailAbout().length, 0);

  assert.equal(bdRun(['close', step.build]).code, 0);
  const checked = f.gtJson(['gate', 'check']).filter((c: any) => c.id === gate);
  assert.deepEqual(checked.map((c: any) => [c.type, c.action, c.rig]), [['human', 'notified', 'demo']]);
  const mail = mailAbout();
  assert.equal(mail.length, 1);
  const body = f.gtJson(['mail', 'read', mail[0].id], { env: asAgent(f, 'overseer') }).body as string;
  assert.match(body, new RegExp(`gt gate approve ${gate.replace('.', '\\.')}`));
  assert.match(body, /the overseer signs off/);

  // Once per gate: later passes do not mail again.
  assert.ok(!f.gtJson(['gate', 'check']).some((c: any) => c.id === gate));
  assert.ok(!f.gtJson(['gate', 'check']).some((c: any) => c.id === gate));
  assert.equal(mailAbout().length, 1);
  assert.equal(f.gtJson(['gate', 'approve', gate]).status, 'closed');
  assert.ok(readyIds().includes(step.sign));
});

test('a bead gate on an HQ bead holds its rig step until that bead closes and the deacon\'s pass sees it', () => {
  const hqBead = JSON.parse(bd(['create', 'HQ decision', '--json'], { cwd: f.town, env: f.env }).stdout);
  assert.match(hqBead.id, /^hq-/);
  writeFileSync(join(f.town, 'formulas', 'waits-hq.formula.toml'), `formula = "waits-hq"
[vars.decision]
required = true
[[steps]]
id = "go"
title = "Go once decided"
gate = { type = "bead", bead = "{{decision}}" }
`);
  const p = f.gtJson(['mol', 'pour', 'waits-hq', '--rig', 'demo', '--var', `decision=${hqBead.id}`]);
  const go = p.steps[0].id as string;
  assert.ok(!readyIds().includes(go), 'held back by a bead in another store');
  const gate = f.gtJson(['mol', 'status', p.root.id]).steps[0].gate;
  assert.deepEqual([gate.type, gate.open, gate.title], ['bead', false, `Gate (bead): ${hqBead.id} closes`]);
  assert.deepEqual(bdJson(['ready', '--explain', go])[0].reasons, [`waits for gate ${gate.id}: Gate (bead): ${hqBead.id} closes`]);

  // Still open: the pass leaves it.
  assert.ok(!f.gtJson(['gate', 'check']).some((c: any) => c.id === gate.id));
  assert.ok(!readyIds().includes(go));
  assert.equal(bd(['close', hqBead.id], { cwd: f.town, env: f.env }).code, 0);
  const opened = f.gtJson(['gate', 'check']).filter((c: any) => c.id === gate.id);
  assert.deepEqual(opened.map((c: any) => [c.type, c.action, c.detail]), [['bead', 'opened', `${hqBead.id} closed`]]);
  assert.ok(readyIds().includes(go));
  assert.equal(f.gtJson(['mol', 'status', p.root.id]).steps[0].gate.open, true);
});

test('a bead gate on a bead no store has: one line, exit 1, nothing poured', () => {
  const before = bdJson(['list', '--all', '-n', '0']).length;
  const r = f.gt(['mol', 'pour', 'waits-hq', '--rig', 'demo', '--var', 'decision=hq-zzzz9']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /step "go" waits for bead hq-zzzz9, which no store of this town has/);
  const unknownPrefix = f.gt(['mol', 'pour', 'waits-hq', '--rig', 'demo', '--var', 'decision=zz-abc']);
  assert.equal(unknownPrefix.code, 1);
  assert.match(unknownPrefix.stderr, /waits for bead zz-abc, which no store of this town has/);
  assert.equal(bdJson(['list', '--all', '-n', '0']).length, before);
});
