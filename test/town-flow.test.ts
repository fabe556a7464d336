// The Town's state and rules end to end, with no agent: install, rig, beads, sling, simulated
// polecat work in real worktrees, gt done, MR beads, hooks, convoys, mail, idempotency, races.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, makeProject, asAgent, withStore, type TownFixture } from './support/town-fixture.js';
import { runAsync, gtBin, bd } from './support/cli.js';

let f: TownFixture;
const rigBeads = () => join(f.town, 'demo', '.beads');

function createBead(title: string, extra: Record<string, unknown> = {}): Promise<string> {
  return withStore(rigBeads(), async (s) => (await s.create({ title, description: `Do ${title}.`, ...extra }, 'overseer')).id);
}

function beadOf(id: string) {
  return withStore(id.startsWith('hq-') ? join(f.town, '.beads') : rigBeads(), (s) => s.mustGet(id));
}

before(() => {
  f = makeTown();
});
after(() => f.cleanup());

test('install is idempotent and rig add registers a route', () => {
  const again = f.gtJson(['install', f.town]);
  assert.equal(again.created, false);
  const rigs = f.gtJson(['rig', 'list']);
  assert.equal(rigs.length, 1);
  assert.equal(rigs[0].name, 'demo');
  const routes = readFileSync(join(f.town, '.beads', 'routes.jsonl'), 'utf8');
  assert.match(routes, new RegExp(`"prefix":"${rigs[0].prefix}-"`));
  const st = f.gtJson(['status']);
  assert.deepEqual(st.agents.map((a: any) => a.address).sort(), ['boot', 'deacon', 'demo/refinery', 'demo/witness', 'mayor', 'overseer']);
});

test('three beads: sling, work in worktrees, gt done -> three MRs, hooks empty, convoy tracks them', async () => {
  const ids: string[] = [];
  for (const t of ['alpha', 'beta', 'gamma']) ids.push(await createBead(`feature ${t}`));
  const slung = f.gtJson(['sling', ...ids, 'demo', '--no-start']);
  assert.equal(slung.hooked.length, 3);
  const polecats = slung.hooked.map((h: any) => h.agent);
  assert.equal(new Set(polecats).size, 3, 'one polecat each');
  assert.ok(slung.convoy.startsWith('hq-'));

  for (const h of slung.hooked) {
    assert.ok(existsSync(h.workdir), 'worktree exists');
    assert.equal(f.git(h.workdir, ['symbolic-ref', '--short', 'HEAD']), h.branch);
    assert.equal((await beadOf(h.bead)).status, 'hooked');
    const hook = f.gtJson(['hook'], { env: asAgent(f, h.agent) });
    assert.equal(hook.bead.id, h.bead);
    // prime shows the role and the hooked bead in full
    const primed = f.gt(['prime'], { env: asAgent(f, h.agent) });
    assert.equal(primed.code, 0, primed.stderr);
    assert.match(primed.stdout, new RegExp(`On your hook: ${h.bead}`));
    assert.match(primed.stdout, /gt done/);
    // simulate the polecat's work
    writeFileSync(join(h.workdir, `${h.bead}.txt`), 'work\n');
    f.git(h.workdir, ['add', '-A']);
    f.git(h.workdir, ['commit', '-qm', `work on ${h.bead}`]);
    const done = f.gtJson(['done'], { env: asAgent(f, h.agent) });
    assert.equal(done.created, true);
    assert.equal(done.mr.source_bead, h.bead);
    assert.equal(done.mr.state, 'queued');
    // done twice files one MR
    const again = f.gtJson(['done'], { env: asAgent(f, h.agent) });
    assert.equal(again.created, false);
    assert.equal(again.mr.id, done.mr.id);
    const after = f.gtJson(['hook'], { env: asAgent(f, h.agent) });
    assert.equal(after.hook, undefined, 'hook released');
    assert.equal(after.state, 'done');
  }
  const status = f.gtJson(['status']);
  assert.equal(status.rigs[0].queue, 3, 'three MRs queued');
  const convoy = f.gtJson(['convoy', 'status', slung.convoy]);
  assert.equal(convoy.total, 3);
  assert.equal(convoy.closed, 0);
  assert.deepEqual(convoy.tracked.map((t: any) => t.id).sort(), [...ids].sort());

  // When every tracked bead closes, the convoy lands and mayor + overseer get mail.
  await withStore(rigBeads(), (s) => s.closeIssues(ids, 'merged', 'test'));
  const landed = f.gtJson(['convoy', 'status', slung.convoy]);
  assert.equal(landed.landed, true);
  assert.equal(landed.status, 'closed');
  for (const who of ['mayor', 'overseer']) {
    const box = f.gtJson(['mail', 'inbox', who]);
    assert.ok(box.some((m: any) => m.subject.includes('Convoy landed')), `${who} got landing mail`);
  }
});

test('mail: send, inbox, read, reply in thread, archive; unknown address is an error', () => {
  const sent = f.gtJson(['mail', 'send', 'mayor', '-s', 'hello', '-m', 'body text']);
  assert.equal(sent.to, 'mayor');
  assert.equal(sent.from, 'overseer');
  const box = f.gtJson(['mail', 'inbox'], { env: asAgent(f, 'mayor') });
  assert.ok(box.find((m: any) => m.id === sent.id && !m.read));
  const read = f.gtJson(['mail', 'read', sent.id], { env: asAgent(f, 'mayor') });
  assert.equal(read.read, true);
  const reply = f.gtJson(['mail', 'reply', sent.id, '-m', 'got it'], { env: asAgent(f, 'mayor') });
  assert.equal(reply.to, 'overseer');
  assert.equal(reply.thread, sent.id);
  assert.equal(f.gtJson(['mail', 'thread', sent.id]).length, 2);
  f.gtJson(['mail', 'archive', sent.id], { env: asAgent(f, 'mayor') });
  assert.ok(!f.gtJson(['mail', 'inbox'], { env: asAgent(f, 'mayor') }).some((m: any) => m.id === sent.id));

  // --nudge is a courtesy: the mayor has no live session, the mail is delivered all the same.
  const nudged = f.gtJson(['mail', 'send', 'mayor', '-s', 'ping', '--nudge']);
  assert.match(nudged.nudged, /^not nudged: /);
  assert.ok(f.gtJson(['mail', 'inbox', 'mayor']).some((m: any) => m.id === nudged.id));

  const before = readFileSync(join(f.town, '.beads', 'issues.jsonl'), 'utf8');
  const bad = f.gt(['mail', 'send', 'demo/nobody', '-s', 'x']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no such recipient: demo\/polecats\/nobody/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, 'one line');
  assert.equal(readFileSync(join(f.town, '.beads', 'issues.jsonl'), 'utf8'), before, 'nothing written');
});

test('handoff note is shown by the successor\'s prime once', () => {
  f.gtJson(['crew', 'add', 'ann', '--rig', 'demo']);
  const env = asAgent(f, 'demo/crew/ann');
  const h = f.gtJson(['handoff', '-m', 'halfway through the parser', '--no-restart'], { env });
  assert.ok(h.note);
  const p1 = f.gt(['prime'], { env });
  assert.match(p1.stdout, /Handoff from your predecessor[\s\S]*halfway through the parser/);
  const p2 = f.gt(['prime'], { env });
  assert.doesNotMatch(p2.stdout, /halfway through the parser/);
});

test('bad input: one clear line, non-zero exit, no partial state', async () => {
  const id = await createBead('guarded');
  const snapshot = () => readFileSync(join(rigBeads(), 'issues.jsonl'), 'utf8') + readFileSync(join(f.town, '.beads', 'issues.jsonl'), 'utf8');
  const before = snapshot();
  const cases: [string[], RegExp][] = [
    [['sling', id, 'nosuchrig'], /not an agent address/],
    [['sling', id, 'demo/polecats/ghost'], /agent not found/],
    [['sling', 'de-zzzzzz', 'demo'], /not found/],
    [['sling', id, 'demo', '--bogus-flag'], /unknown option/],
    [['sling', id, 'demo', '--no-start', '--convoy', id], /is a task, not a convoy/],
  ];
  for (const [args, re] of cases) {
    const r = f.gt(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, re);
  }
  assert.equal(snapshot(), before, 'no state changed');
  const r = f.gt(['rig', 'add', 'demo', f.project]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /already exists/);
  const r2 = f.gt(['rig', 'add', 'other', join(f.root, 'no-such-repo')]);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /cannot read git repository/);
  assert.ok(!existsSync(join(f.town, 'other')), 'no half-made rig');
  const r3 = f.gt(['sling', id]);
  assert.equal(r3.code, 2, 'usage error');
  // a closed bead is refused
  await withStore(rigBeads(), (s) => s.closeIssues([id], 'done', 't'));
  const r4 = f.gt(['sling', id, 'demo', '--no-start']);
  assert.equal(r4.code, 1);
  assert.match(r4.stderr, /is closed/);
});

test('gt done refuses a dirty worktree and changes nothing', async () => {
  const id = await createBead('dirty work');
  const slung = f.gtJson(['sling', id, 'demo', '--no-start']);
  const h = slung.hooked[0];
  writeFileSync(join(h.workdir, 'uncommitted.txt'), 'x');
  const r = f.gt(['done'], { env: asAgent(f, h.agent) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /uncommitted changes \(uncommitted.txt\)/);
  assert.equal(f.gtJson(['hook'], { env: asAgent(f, h.agent) }).hook, id, 'still hooked');
  const noCommit = f.gt(['done'], { env: asAgent(f, h.agent) });
  assert.equal(noCommit.code, 1);
});

test('blocked beads are staged on the convoy (refused by an agent) unless --force; slinging to an agent hooks it there', async () => {
  const blocker = await createBead('blocker');
  const blocked = await createBead('blocked one', { deps: [{ type: 'blocks', id: blocker }] });
  const r = f.gtJson(['sling', blocked, 'demo', '--no-start']);
  assert.deepEqual(r.hooked, [], 'nothing hooked while it is blocked');
  assert.deepEqual(r.staged, [{ bead: blocked, reason: `blocked by ${blocker} (still open)` }]);
  assert.equal((await beadOf(blocked)).status, 'open');
  const toAgent = f.gt(['sling', blocked, 'demo/crew/ann', '--no-start']);
  assert.equal(toAgent.code, 1);
  assert.match(toAgent.stderr, /not ready/);
  const forced = f.gtJson(['sling', blocked, 'demo', '--no-start', '--force']);
  assert.equal(forced.hooked[0].created, true);

  const crewWork = await createBead('crew task');
  const toCrew = f.gtJson(['sling', crewWork, 'demo/crew/ann', '--no-start']);
  assert.equal(toCrew.hooked[0].agent, 'demo/crew/ann');
  assert.equal(f.gtJson(['hook', 'demo/crew/ann']).hook, crewWork);
  const again = f.gtJson(['sling', crewWork, 'demo/crew/ann', '--no-start']);
  assert.equal(again.hooked[0].created, false, 'idempotent');
  const other = f.gt(['sling', crewWork, 'demo', '--no-start']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /already hooked to demo\/crew\/ann/);
  const un = f.gtJson(['unsling', 'demo/crew/ann']);
  assert.equal(un.bead, crewWork);
  assert.equal((await beadOf(crewWork)).status, 'open');
});

test('races: 10 slings of 10 beads -> 10 polecats; 5 slings of one bead -> hooked once', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push(await createBead(`race ${i}`));
  const results = await Promise.all(ids.map((id) => runAsync(gtBin, ['sling', id, 'demo', '--no-start', '--json'], { cwd: f.root, env: f.env })));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const hooked = results.map((r) => JSON.parse(r.stdout).hooked[0]);
  assert.equal(new Set(hooked.map((h: any) => h.agent)).size, 10, '10 distinct polecats');
  assert.equal(new Set(hooked.map((h: any) => h.workdir)).size, 10, '10 distinct worktrees');
  for (const h of hooked) assert.equal(f.git(h.workdir, ['symbolic-ref', '--short', 'HEAD']), h.branch);

  const one = await createBead('contended');
  const five = await Promise.all(Array.from({ length: 5 }, () => runAsync(gtBin, ['sling', one, 'demo', '--no-start', '--json'], { cwd: f.root, env: f.env })));
  for (const r of five) assert.equal(r.code, 0, r.stderr);
  const outs = five.map((r) => JSON.parse(r.stdout).hooked[0]);
  assert.equal(outs.filter((h: any) => h.created).length, 1, 'exactly one hooked it');
  assert.equal(new Set(outs.map((h: any) => h.agent)).size, 1, 'all report the same polecat');
  assert.equal(new Set(five.map((r) => JSON.parse(r.stdout).convoy)).size, 1, 'and the same convoy');
  const polecats = f.gtJson(['status']).agents.filter((a: any) => a.hook === one);
  assert.equal(polecats.length, 1);
});

test('doctor finds and repairs drift', async () => {
  const id = await createBead('drifting');
  const slung = f.gtJson(['sling', id, 'demo', '--no-start']);
  const h = slung.hooked[0];
  f.git(join(f.town, 'demo', '.repo.git'), ['worktree', 'remove', '--force', h.workdir]);
  const found = f.gt(['doctor', '--json']);
  assert.equal(found.code, 1);
  const findings = JSON.parse(found.stdout);
  assert.ok(findings.some((x: any) => x.subject === h.agent && /without a worktree/.test(x.problem)));
  const fixed = f.gtJson(['doctor', '--fix']);
  assert.ok(fixed.every((x: any) => x.fixed));
  assert.ok(existsSync(h.workdir), 'worktree recreated');
  assert.equal(f.gt(['doctor']).code, 0);
});

test('bd resolves any bead by prefix from anywhere in the town; whoami follows the cwd', async () => {
  const id = await createBead('routed');
  const b = bd(['show', id, '--json'], { cwd: f.town, env: f.env });
  assert.equal(b.code, 0, b.stderr);
  assert.equal(JSON.parse(b.stdout)[0].id, id);
  const convoy = f.gtJson(['convoy', 'create', 'routing check', id]);
  const h = bd(['show', convoy.id, '--json'], { cwd: join(f.town, 'demo', 'crew', 'ann'), env: f.env });
  assert.equal(h.code, 0, h.stderr);
  assert.equal(JSON.parse(h.stdout)[0].issue_type, 'convoy');
  // bd list shows work; identities and merge requests only when asked for.
  const listed = JSON.parse(bd(['list', '--json'], { cwd: join(f.town, 'demo'), env: f.env }).stdout) as { issue_type: string }[];
  assert.ok(listed.length > 0 && listed.every((i) => !['agent', 'merge-request', 'message'].includes(i.issue_type)));
  const agents = JSON.parse(bd(['list', '--type', 'agent', '--json'], { cwd: join(f.town, 'demo'), env: f.env }).stdout) as { issue_type: string }[];
  assert.ok(agents.length > 0 && agents.every((i) => i.issue_type === 'agent'));
  assert.equal(f.gtJson(['whoami'], { cwd: join(f.town, 'demo', 'crew', 'ann') }).address, 'demo/crew/ann');
  assert.equal(f.gtJson(['whoami'], { cwd: join(f.town, 'mayor') }).address, 'mayor');
  assert.equal(f.gtJson(['whoami']).address, 'overseer');
});

test('rig add adopts a project\'s own .beads (its prefix and records); rig remove drops it and its route', () => {
  const proj = join(f.root, 'tracked');
  makeProject(proj, { 'README.md': '# tracked\n' });
  const init = bd(['init', '--prefix', 'tk'], { cwd: proj, env: f.env });
  assert.equal(init.code, 0, init.stderr);
  assert.equal(bd(['create', 'existing work', '-p', '1'], { cwd: proj, env: f.env }).code, 0);
  f.git(proj, ['add', '-A']);
  f.git(proj, ['commit', '-qm', 'beads']);
  const rig = f.gtJson(['rig', 'add', 'tracked', proj]);
  assert.equal(rig.prefix, 'tk');
  const listed = bd(['list', '--json'], { cwd: join(f.town, 'tracked'), env: f.env });
  assert.ok(JSON.parse(listed.stdout).some((i: any) => i.title === 'existing work'));
  const removed = f.gt(['rig', 'remove', 'tracked']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.ok(!existsSync(join(f.town, 'tracked')));
  assert.doesNotMatch(readFileSync(join(f.town, '.beads', 'routes.jsonl'), 'utf8'), /"tk-"/);
});

test('prime walks a molecule: the hooked bead\'s child steps, one at a time, in order', async () => {
  const { mol, one, two } = await withStore(rigBeads(), async (s) => {
    const mol = (await s.create({ title: 'release 1.0', description: 'Three steps.' }, 'overseer')).id;
    const one = (await s.create({ title: 'write changelog', description: 'List the changes.', parent: mol }, 'overseer')).id;
    const two = (await s.create({ title: 'tag the release', parent: mol, deps: [{ type: 'blocks', id: one }] }, 'overseer')).id;
    await s.create({ title: 'announce', parent: mol, deps: [{ type: 'blocks', id: two }] }, 'overseer');
    return { mol, one, two };
  });
  const slung = f.gtJson(['sling', mol, 'demo', '--no-start']);
  const env = asAgent(f, slung.hooked[0].agent);
  assert.match(f.gt(['prime'], { env }).stdout, new RegExp(`Molecule: step 1 of 3 — ${one} write changelog\\nList the changes\\.`));
  assert.equal(bd(['close', one], { cwd: join(f.town, 'demo'), env }).code, 0);
  assert.match(f.gt(['prime'], { env }).stdout, new RegExp(`Molecule: step 2 of 3 — ${two} tag the release`));
});
