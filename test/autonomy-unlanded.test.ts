// A staged bead waits for its blockers' work to land on main, not for their beads to close: a
// blocker closed by hand while its MR is still queued keeps its dependent staged until the MR
// merges, and one closed after its MR bounced (nobody fixing it) leaves its dependent stranded,
// named by `gt convoy stranded`. Real CLI, real SQLite; the MRs are filed as `gt done` files them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTown, withStore, type TownFixture, sweepTown } from './support/town-fixture.js';
import type { Store } from '../src/beads/api.js';
import { fileMergeRequest, updateMergeRequest } from '../src/work/merge-request.js';

let f: TownFixture;
before(() => { f = makeTown({ testCmd: 'true' }); });
after(() => { f.gt(['down', '--all']); sweepTown(f.town); f.cleanup(); });

const withRigStore = <T>(fn: (s: Store) => Promise<T>) => withStore(join(f.town, 'demo', '.beads'), fn);

/** A blocker handed in (an MR filed for it) then closed by hand, and a bead that waits for it. */
async function closedBlocker(mrState: 'queued' | 'bounced'): Promise<{ blocker: string; dependent: string; mr: string }> {
  return withRigStore(async (s) => {
    const blocker = (await s.create({ title: `blocker (${mrState})` }, 'overseer')).id;
    const dependent = (await s.create({ title: `after the ${mrState} blocker`, deps: [{ type: 'blocks', id: blocker }] }, 'overseer')).id;
    const { mr } = await fileMergeRequest(s, { rig: 'demo', branch: `polecat/x/${blocker}`, target: 'main', source_bead: blocker }, 'demo/polecats/x');
    if (mrState === 'bounced') await updateMergeRequest(s, mr.id, { state: 'bounced', attempt: { attempt: 1, at: new Date().toISOString(), outcome: 'red' } }, 'demo/refinery');
    await s.closeIssues([blocker], 'closed by hand', 'overseer');
    return { blocker, dependent, mr: mr.id };
  });
}

test('a blocker closed before its MR merged keeps its dependent staged; it is slung once the MR lands', async () => {
  const { blocker, dependent, mr } = await closedBlocker('queued');
  const slung = f.gtJson(['sling', dependent, 'demo', '--no-start']);
  assert.deepEqual(slung.hooked, [], 'not slung while its blocker\'s work is not on main');
  assert.deepEqual(slung.staged, [{ bead: dependent, reason: `waiting for ${blocker} to land (its MR ${mr})` }]);
  assert.match(f.gt(['convoy', 'status', slung.convoy]).stdout, new RegExp(`staged: waiting for ${blocker} to land`));
  const none = f.gt(['convoy', 'stranded', slung.convoy]);
  assert.equal(none.code, 0, 'on its way, not stranded');

  await withRigStore((s) => updateMergeRequest(s, mr, { state: 'merged', merge_commit: 'abc' }, 'demo/refinery'));
  const c = f.gtJson(['convoy', 'status', slung.convoy]);
  assert.equal(c.staged[0].reason, 'ready: the deacon slings it at its next patrol');
  f.gtJson(['patrol']);
  const hooked = await withRigStore(async (s) => (await s.get(dependent))!);
  assert.equal(hooked.status, 'hooked', 'the feeder slung it once the MR landed');
  f.gtJson(['unsling', hooked.assignee!]);
  await withRigStore((s) => s.closeIssues([dependent], 'test over', 't'));
});

test('a blocker closed after its MR bounced, with nobody fixing it: the dependent is staged, never slung, and stranded says why', async () => {
  const { blocker, dependent, mr } = await closedBlocker('bounced');
  const slung = f.gtJson(['sling', dependent, 'demo', '--no-start']);
  const why = `blocked by ${blocker}, closed but its work never merged (its MR ${mr} bounced)`;
  assert.deepEqual(slung.hooked, []);
  assert.deepEqual(slung.staged, [{ bead: dependent, reason: why }]);
  f.gtJson(['patrol']);
  assert.equal((await withRigStore(async (s) => (await s.get(dependent))!)).status, 'open', 'the feeder leaves it');
  const stranded = f.gt(['convoy', 'stranded', '--json']);
  assert.equal(stranded.code, 1);
  assert.deepEqual(JSON.parse(stranded.stdout).map((x: { bead: string; reason: string }) => [x.bead, x.reason]), [[dependent, why]]);
  assert.match(f.gt(['convoy', 'stranded']).stdout, new RegExp(why.replace(/[()]/g, '\\$&')));
});
