// Whole-process cost of the gt commands agents run most (gt prime at every session start, gt hook,
// gt mail inbox, gt status), in a town with one rig and a few hundred beads, beside bare `node -e 0`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installTown } from '../src/town/install.js';
import { addRig } from '../src/town/rig.js';
import { closeTown, loadTown } from '../src/town/town.js';
import { median } from './support/timing.js';
import { sling } from '../src/work/sling.js';

const gtBin = fileURLToPath(new URL('../bin/gt.js', import.meta.url));
const RUNS = 15;

function time(argv: string[], env: NodeJS.ProcessEnv): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(samples);
}

const root = mkdtempSync(join(tmpdir(), 'gt-bench-'));
try {
  const project = join(root, 'project');
  execFileSync('git', ['init', '-q', '-b', 'main', project]);
  execFileSync('git', ['-C', project, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '--allow-empty', '-m', 'init']);
  process.env.GT_TOWN = join(root, 'town');
  await closeTown((await installTown(process.env.GT_TOWN)).town);
  const town = loadTown(process.env.GT_TOWN);
  const rig = await addRig(town, 'proj', project);
  const store = await town.stores.rig(rig);
  await store.transaction(async (tx) => {
    for (let i = 0; i < 300; i++) await tx.create({ title: `bead ${i}`, description: 'x'.repeat(200) }, 'bench');
  });
  const first = (await store.list({ type: 'task' }))[0]!.id;
  const { hooked } = await sling(town, [first], 'proj', { start: false, actor: 'bench' });
  // Flush and close every store this process opened before timing the children.
  await closeTown(town);
  const env = { ...process.env, GT_AGENT: hooked[0]!.agent };

  const base = time([process.execPath, '-e', '0'], env);
  console.log(`node -e 0                 ${base.toFixed(1)} ms (median of ${RUNS})`);
  for (const args of [['--version'], ['prime'], ['hook', '--json'], ['mail', 'inbox', '--json'], ['status', '--json']]) {
    const ms = time([process.execPath, gtBin, ...args], env);
    console.log(`gt ${args.join(' ').padEnd(22)} ${ms.toFixed(1)} ms  (${(ms / base).toFixed(2)}x node)`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
