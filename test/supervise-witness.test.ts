// Polecat resumption on real git and real processes: a polecat whose session died with its work
// unfinished is restarted by the Witness on the same worktree and hook, and finishes (shell agent,
// headless, no model).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify, parse } from 'smol-toml';
import { makeTown, createRigBead, type TownFixture, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';

let f: TownFixture;

before(() => {
  f = makeTown({ testCmd: 'true' });
  const path = join(f.town, 'town.toml');
  const cfg = parse(readFileSync(path, 'utf8'));
  writeFileSync(path, stringify({ ...cfg, runtime: { mode: 'headless' }, agents: { default: 'shell' } }));
});
after(() => {
  sweepTown(f.town);
  f.cleanup();
});

test('the witness restarts a dead polecat on its worktree and hook, and the work lands in one MR', async () => {
  const id = await createRigBead(f.town, 'write notes', 'Write notes.\n\n```sh\necho "second half" >> notes.txt\n```\n');
  // Hooked but never started: as if its session died at once.
  const slung = f.gtJson(['sling', id, 'demo', '--no-start']);
  const h = slung.hooked[0];
  // The predecessor got halfway and committed.
  writeFileSync(join(h.workdir, 'notes.txt'), 'first half\n');
  f.git(h.workdir, ['add', '-A']);
  f.git(h.workdir, ['commit', '-qm', 'first half']);

  const patrol = f.gtJson(['witness', 'run', 'demo']);
  const mine = patrol.find((r: any) => r.agent === h.agent);
  assert.equal(mine?.action.kind, 'restart', JSON.stringify(patrol));
  assert.equal(mine.error, undefined);

  const mr = await until('the MR', () => {
    const st = f.gtJson(['hook', h.agent]);
    return st.state === 'done' ? st : undefined;
  });
  assert.equal(mr.hook, undefined, 'hook released by gt done');
  const log = f.git(h.workdir, ['log', '--format=%s', 'main..HEAD']).split('\n');
  assert.deepEqual(log.length, 2, 'the predecessor\'s commit and the successor\'s');
  assert.equal(readFileSync(join(h.workdir, 'notes.txt'), 'utf8'), 'first half\nsecond half\n');
  const status = f.gtJson(['status']);
  assert.equal(status.rigs[0].queue, 1, 'one MR queued');
  const agent = status.agents.find((a: any) => a.address === h.agent);
  assert.equal(agent.state, 'done');
  // A second witness pass has nothing to do: done polecats are left for the refinery.
  assert.deepEqual(f.gtJson(['witness', 'run', 'demo']), []);
});
