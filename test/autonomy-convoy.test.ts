// The town runs itself: an epic of 24 beads in dependency chains up to 4 deep, a rig with
// max_polecats = 3, shell agents, and one bead whose work breaks the tests. The user runs
// `gt sling <epic> demo` and `gt up`, nothing else: the deacon slings staged beads as their blockers
// land and slots free, the refinery merges and bounces, the convoy lands. Sampled every 100 ms,
// never more than 3 polecat sessions are alive. Real tmux, real git, real SQLite, no model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, withStore, type TownFixture, sweepTown, townId } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { listSessions } from '../src/lib/tmux.js';

let f: TownFixture;
before(() => {
  // Red when a bead's work left broken.txt behind.
  f = makeTown({ testCmd: 'test ! -e broken.txt', shellAgents: true });
  appendFileSync(join(f.town, 'demo', 'rig.toml'), '\nmax_polecats = 3\n');
});
after(() => {
  f.gt(['down']);
  sweepTown(f.town);
  f.cleanup();
});

/** Chain k has CHAINS[k] beads, each blocked by the one before; 24 in all. */
const CHAINS = [4, 4, 4, 3, 3, 2, 2, 1, 1];
const RED = { chain: 0, step: 1 };

function fileEpic(): Promise<{ epic: string; chains: string[][] }> {
  return withStore(join(f.town, 'demo', '.beads'), async (s) => {
    const epic = (await s.create({ title: 'Build the chains', issue_type: 'epic' }, 'overseer')).id;
    const chains: string[][] = [];
    for (const [k, len] of CHAINS.entries()) {
      const ids: string[] = [];
      for (let j = 0; j < len; j++) {
        const red = k === RED.chain && j === RED.step;
        // Each step appends to its chain's file: the file's lines prove the order of the merges.
        const work = `echo "step ${j}" >> chain-${k}.txt${red ? '\ntouch broken.txt' : ''}`;
        const description = `Step ${j} of chain ${k}.\n\n\`\`\`sh\n${work}\n\`\`\`\n` + (red ? `\n\`\`\`sh fix\necho "step ${j}" >> chain-${k}.txt\n\`\`\`\n` : '');
        const deps = j ? [{ type: 'blocks', id: ids[j - 1]! }] : [];
        ids.push((await s.create({ title: `chain ${k} step ${j}`, description, parent: epic, deps }, 'overseer')).id);
      }
      chains.push(ids);
    }
    return { epic, chains };
  });
}

test('an epic of 24 chained beads lands by itself within max_polecats = 3', { timeout: 600_000 }, async () => {
  const { epic, chains } = await fileEpic();
  const all = chains.flat();
  assert.equal(all.length, 24);

  const socket = `gt-${townId(f.town)}`;
  let maxAlive = 0;
  let samples = 0;
  const sampler = setInterval(() => {
    const alive = listSessions(socket).filter((s) => s.name.startsWith('gt-demo-polecat-') && !s.dead).length;
    maxAlive = Math.max(maxAlive, alive);
    samples++;
  }, 100);
  try {
    const slung = f.gtJson(['sling', epic, 'demo']);
    assert.equal(slung.hooked.length, 3, 'three slots: three polecats now');
    assert.equal(slung.staged.length, 21, 'the rest staged on the convoy');
    assert.ok(slung.staged.some((s: any) => /^queued: capacity 3\/3$/.test(s.reason)), JSON.stringify(slung.staged));
    assert.ok(slung.staged.some((s: any) => /^blocked by /.test(s.reason)));
    const up = f.gt(['up']);
    assert.equal(up.code, 0, up.stderr);

    await until('the convoy to land', () => withStore(join(f.town, '.beads'), async (hq) => (await hq.get(slung.convoy))?.status === 'closed'), 540_000);
  } finally {
    clearInterval(sampler);
  }
  assert.ok(samples > 50, `sampled ${samples} times`);
  assert.ok(maxAlive <= 3, `at most 3 polecat sessions alive at once; saw ${maxAlive}`);
  assert.ok(maxAlive >= 2, `work ran side by side; saw ${maxAlive}`);

  await withStore(join(f.town, 'demo', '.beads'), async (s) => {
    for (const id of all) assert.equal((await s.get(id))?.status, 'closed', `${id} closed`);
    assert.equal((await s.get(epic))?.status, 'closed', 'the epic closes with its convoy');
    const mrs = await s.list({ type: 'merge-request', includeClosed: true });
    const merged = mrs.filter((m) => m.fields.mr_state === 'merged');
    const bounced = mrs.filter((m) => m.fields.mr_state === 'bounced');
    assert.equal(bounced.length, 1, 'the red bead bounced once');
    assert.equal(bounced[0]!.fields.source_bead, chains[RED.chain]![RED.step]);
    assert.equal(merged.length, 24, '23 beads + the red one\'s fix merged');
    assert.equal(new Set(merged.map((m) => m.fields.source_bead)).size, 24, 'each merged exactly once');
  });
  const repo = join(f.town, 'demo', '.repo.git');
  CHAINS.forEach((len, k) => {
    const lines = f.git(repo, ['show', `main:chain-${k}.txt`]).split('\n');
    assert.deepEqual(lines, Array.from({ length: len }, (_, j) => `step ${j}`), `chain ${k} merged in dependency order`);
  });
  assert.ok(!f.git(repo, ['ls-tree', '--name-only', 'main']).split('\n').includes('broken.txt'), 'the red work never reached main');
  assert.equal(f.git(repo, ['rev-list', '--count', 'main']), '25', 'initial commit + 24 merges');
});
