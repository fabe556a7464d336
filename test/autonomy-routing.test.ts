// Routing is the same for agents as for people: inside an agent's session, `bd` files where the
// directory says (a rig's directory -> that rig, the town root -> HQ), and a town-level (HQ) bead
// slung to a rig is worked, handed in and merged end to end. Real tmux session, shell agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTown, withStore, type TownFixture, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { bd } from './support/cli.js';

let f: TownFixture;
before(() => {
  f = makeTown({ testCmd: 'true', shellAgents: true });
});
after(() => {
  sweepTown(f.town);
  f.cleanup();
});

test('an HQ bead slung to a rig is worked end to end; bd in the session files by directory', { timeout: 120_000 }, async () => {
  // The work itself files two beads from inside the polecat's session, as the Mayor would.
  const script = [
    'rig_id=$(cd "$GT_TOWN/demo" && bd create "filed from a session in the rig dir" --silent)',
    'hq_id=$(cd "$GT_TOWN" && bd create "filed from a session in the town root" --silent)',
    'printf "%s\\n%s\\n" "$rig_id" "$hq_id" > filed.txt',
  ].join('\n');
  const made = bd(['create', 'town-level work', '-d', `Works from HQ.\n\n\`\`\`sh\n${script}\n\`\`\`\n`, '--silent'], { cwd: f.town, env: f.env });
  assert.equal(made.code, 0, made.stderr);
  const hqBead = made.stdout.trim();
  assert.match(hqBead, /^hq-/);

  const slung = f.gtJson(['sling', hqBead, 'demo']);
  assert.equal(slung.hooked[0].session, 'started', JSON.stringify(slung.hooked));
  await until('the HQ bead to merge and close', () => {
    const p = f.gt(['patrol']);
    assert.equal(p.code, 0, p.stderr);
    return bdStatus(hqBead) === 'closed';
  }, 90_000);

  const [rigId, hqId] = f.git(join(f.town, 'demo', '.repo.git'), ['show', 'main:filed.txt']).split('\n');
  assert.match(rigId!, /^de-/, 'cd <rig> && bd create files into the rig');
  assert.match(hqId!, /^hq-/, 'cd <town> && bd create files into HQ');
  await withStore(join(f.town, 'demo', '.beads'), (rig) => withStore(join(f.town, '.beads'), async (hq) => {
    assert.equal((await rig.get(rigId!))?.title, 'filed from a session in the rig dir');
    assert.equal((await hq.get(hqId!))?.title, 'filed from a session in the town root');
    const mr = (await rig.list({ type: 'merge-request', includeClosed: true })).find((m) => m.fields.source_bead === hqBead);
    assert.equal(mr?.fields.mr_state, 'merged', 'the MR for the HQ bead merged');
    const agent = (await rig.list({ type: 'agent', includeClosed: true })).find((a) => a.fields.address === slung.hooked[0].agent);
    assert.equal(agent?.fields.restarts ?? 0, 0, 'the polecat was never restarted');
  }));
});

test('bd --rig files into a named rig from anywhere in the town; an unknown rig is one clear line', () => {
  const r = bd(['--rig', 'demo', 'create', 'filed by rig name', '--silent'], { cwd: f.town, env: f.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), /^de-/);
  const bad = bd(['--rig', 'nope', 'create', 'x'], { cwd: f.town, env: f.env });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /rig not found: nope/);
});

function bdStatus(id: string): string | undefined {
  const r = bd(['show', id, '--json'], { cwd: f.town, env: f.env });
  return r.code === 0 ? (JSON.parse(r.stdout) as { status: string }[])[0]?.status : undefined;
}
