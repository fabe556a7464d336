// Refinery throughput: N independent MRs (each adding its own file) through the engine with a
// test command that sleeps, one at a time and in batches, beside the floor: a plain bash loop
// doing the same git commands per MR (reset, clean, rebase, test, update-ref).
//   node dist/bench/refinery-throughput.js [--mrs 50] [--sleep 1] [--batch 8] [--service]
// --service also runs the full service (MR beads in a real town's SQLite store) both ways.
// Targets (issue 5): one-at-a-time within 1.3x of the floor; batched >= 3x faster than one-at-a-time.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tempDir } from '../test/support/cli.js';
import { FileQueue, independentMrs, mainSubjects, makeRigRepo, type RigFixture } from '../test/support/refinery-fixture.js';
import { drainQueue } from '../src/refinery/drain.js';
import { prepareWorktree } from '../src/refinery/worktree.js';
import { run } from '../src/lib/proc.js';
import { gitEnv } from '../src/lib/git.js';

const { values } = parseArgs({ options: { mrs: { type: 'string', default: '50' }, sleep: { type: 'string', default: '1' }, batch: { type: 'string', default: '8' }, service: { type: 'boolean', default: false } } });
const mrs = Number(values.mrs);
const sleep = values.sleep!;
const batch = Number(values.batch);
const testCmd = `sleep ${sleep}`;

async function fixture(dir: string): Promise<{ f: RigFixture; queue: FileQueue; branches: string[] }> {
  const f = makeRigRepo(join(dir, 'rig'), testCmd, 600_000);
  const items = independentMrs(f.repo.repoDir, mrs);
  await prepareWorktree(f.repo); // the worktree exists in steady state; creating it is not per-MR work
  return { f, queue: FileQueue.create(join(dir, 'q.json'), items), branches: items.map((i) => i.branch) };
}

function check(f: RigFixture, label: string): void {
  const landed = mainSubjects(f.repo.repoDir).length - 1;
  if (landed !== mrs) throw new Error(`${label}: only ${landed} of ${mrs} MRs landed`);
}

process.stdout.write(`refinery throughput: ${mrs} independent MRs, test command '${testCmd}', git ${(await run('git', ['--version'])).stdout.trim().split(' ')[2]}\n`);

// The floor: the same git work per MR, in one bash process (fixture setup excluded from timing).
async function runFloor(): Promise<number> {
  const t = tempDir('gt-bench-refinery-');
  try {
    const { f, branches } = await fixture(t.dir);
    const script = `set -e
cd "${f.repo.worktree}"
for b in ${branches.join(' ')}; do
  git reset -q --hard
  git clean -q -ffd
  old=$(git rev-parse refs/heads/main)
  git rebase -q refs/heads/main "$(git rev-parse "refs/heads/$b")"
  new=$(git rev-parse HEAD)
  ${testCmd}
  git update-ref refs/heads/main "$new" "$old"
done`;
    const start = process.hrtime.bigint();
    const r = await run('bash', ['-c', script], { env: gitEnv() });
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.code !== 0) throw new Error(`floor script failed: ${r.stderr}`);
    check(f, 'floor');
    process.stdout.write(`  ${'floor (bash loop, same git work)'.padEnd(34)} ${s.toFixed(2).padStart(7)} s   ${(s / mrs * 1000).toFixed(0).padStart(5)} ms/MR\n`);
    return s;
  } finally {
    t.cleanup();
  }
}

async function runEngine(label: string, size: number): Promise<number> {
  const t = tempDir('gt-bench-refinery-');
  try {
    const { f, queue } = await fixture(t.dir);
    const start = process.hrtime.bigint();
    const report = await drainQueue(f.repo, f.stateDir, queue, { batch: size });
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    check(f, label);
    process.stdout.write(`  ${label.padEnd(34)} ${s.toFixed(2).padStart(7)} s   ${(s / mrs * 1000).toFixed(0).padStart(5)} ms/MR   (${report.rounds} rounds, ${report.testRuns} test runs)\n`);
    return s;
  } finally {
    t.cleanup();
  }
}

/** The same MRs as MR beads in a real town, through runRefinery (beads bookkeeping included). */
async function runService(label: string, size: number): Promise<number> {
  const { makeTown } = await import('../test/support/town-fixture.js');
  const { closeTown, loadTown } = await import('../src/town/town.js');
  const { loadRig } = await import('../src/town/rig.js');
  const { fileMergeRequest } = await import('../src/work/merge-request.js');
  const { runRefinery } = await import('../src/refinery/service.js');
  const { commitFiles, rev } = await import('../test/support/refinery-fixture.js');
  const f = makeTown({ testCmd });
  let town: Awaited<ReturnType<typeof loadTown>> | undefined;
  try {
    town = loadTown(f.town);
    const rig = loadRig(town, 'demo');
    const store = await town.stores.rig(rig);
    const main = rev(rig.repoDir, 'refs/heads/main');
    for (let i = 1; i <= mrs; i++) {
      const src = await store.create({ title: `change ${i}` }, 'bench');
      commitFiles(rig.repoDir, `mr/${i}`, { [`m${i}.txt`]: `${i}\n` }, `MR ${i}`, main);
      await fileMergeRequest(store, { rig: rig.name, branch: `mr/${i}`, target: rig.mainBranch, source_bead: src.id }, 'bench');
    }
    const { prepareWorktree } = await import('../src/refinery/worktree.js');
    const { refineryRepo } = await import('../src/refinery/service.js');
    await prepareWorktree(refineryRepo(rig).repo);
    const start = process.hrtime.bigint();
    const report = await runRefinery(town, rig, { batch: size });
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    if (report.merged.length !== mrs) throw new Error(`${label}: only ${report.merged.length} of ${mrs} merged`);
    process.stdout.write(`  ${label.padEnd(34)} ${s.toFixed(2).padStart(7)} s   ${(s / mrs * 1000).toFixed(0).padStart(5)} ms/MR   (${report.rounds} rounds, ${report.testRuns} test runs)\n`);
    return s;
  } finally {
    if (town) await closeTown(town);
    f.cleanup();
  }
}

const floorS = await runFloor();
const singleS = await runEngine('engine, one at a time', 1);
const batchS = await runEngine(`engine, --batch ${batch}`, batch);
const ratio = singleS / floorS;
const speedup = singleS / batchS;
process.stdout.write(`one-at-a-time / floor: ${ratio.toFixed(3)}x (target <= 1.3x) ${ratio <= 1.3 ? 'OK' : 'MISSED'}\n`);
process.stdout.write(`one-at-a-time / batch ${batch}: ${speedup.toFixed(2)}x faster (target >= 3x) ${speedup >= 3 ? 'OK' : 'MISSED'}\n`);
if (values.service) {
  const svcSingle = await runService('service (beads), one at a time', 1);
  const svcBatch = await runService(`service (beads), --batch ${batch}`, batch);
  process.stdout.write(`service one-at-a-time / floor: ${(svcSingle / floorS).toFixed(3)}x; service batch speedup: ${(svcSingle / svcBatch).toFixed(2)}x\n`);
}
