// A molecule walked the way an agent walks it: one `bd close <step>` process per step, in order,
// over a Towers of Hanoi molecule (10 disks: 1,025 steps), beside bare `node -e 0` (and `bun -e 0`)
// in the same run. `bd` is the launcher agents have on PATH (dist/bin/bd: Bun when installed);
// WALK_NODE=1 walks a second molecule with GT_RUNTIME=node as well. Also the cost of
// `bd mol current` (the agent's "where am I" before each close).
// WALK_DISKS=10 (default) sets the size; the targets are at most 1.3x node per close, under 30 s in all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/beads/open.js';
import { cook } from '../src/molecules/cook.js';
import { parseFormula } from '../src/molecules/formula.js';
import { pour } from '../src/molecules/pour.js';
import { binDir, testEnv } from '../test/support/cli.js';
import { readFileSync } from 'node:fs';
import { hanoiFormula } from '../test/support/hanoi.js';

const disks = Number(process.env.WALK_DISKS ?? 10);
const bdLauncher = join(binDir, 'bd');
const bunRel = (JSON.parse(readFileSync(join(binDir, 'runtime.json'), 'utf8')) as { bun: string | null }).bun;
const bun = bunRel ? join(binDir, bunRel) : undefined;
const root = mkdtempSync(join(tmpdir(), 'gt-bench-walk-'));
try {
  const walks: [string, NodeJS.ProcessEnv][] = [[bun ? 'bd on Bun (the launcher\'s default)' : 'bd on Node (no Bun installed)', {}]];
  if (process.env.WALK_NODE === '1' && bun) walks.push(['bd on Node (GT_RUNTIME=node)', { GT_RUNTIME: 'node' }]);
  const run = (argv: string[], env: NodeJS.ProcessEnv) => {
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  };
  const timeEach = (argvs: string[][], env: NodeJS.ProcessEnv) => {
    const t = performance.now();
    for (const a of argvs) run(a, env);
    return (performance.now() - t) / argvs.length;
  };
  const results: { name: string; close: number; current: number; during: { node: number[]; bun: number[] } }[] = [];
  const bares: number[] = [];
  const bunBares: number[] = [];
  let n = 0;
  for (const [i, [name, extra]] of walks.entries()) {
    const beads = join(root, `walk-${i}`, '.beads');
    const store = await openStore({ kind: 'sqlite', beadsDir: beads, create: true, prefix: 'w' });
    const { root: mol, steps } = await pour(store, cook(parseFormula(hanoiFormula(disks), 'hanoi', `hanoi-${disks}`)), { actor: 'bench' });
    await store.close();
    n = steps.length;
    const env = testEnv({ BEADS_DIR: beads, BD_ACTOR: 'bench' });
    delete env.GT_RUNTIME;
    Object.assign(env, extra);
    bares.push(timeEach(steps.map(() => [process.execPath, '-e', '0']), env));
    if (bun) bunBares.push(timeEach(steps.slice(0, 100).map(() => [bun, '-e', '0']), env));
    const current = timeEach(steps.slice(0, Math.min(n, 100)).map(() => [bdLauncher, 'mol', 'current', mol.id]), env);
    // Every 10th step also times a bare `node -e 0` and `bun -e 0` (outside the walk's total), so
    // the ratios compare the same moments of a machine whose load swings during the walk.
    const during = { node: [] as number[], bun: [] as number[] };
    let closeMs = 0;
    for (const [k, s] of steps.entries()) {
      closeMs += timeEach([[bdLauncher, 'close', s.id]], env);
      if (k % 10 === 0) {
        during.node.push(timeEach([[process.execPath, '-e', '0']], env));
        if (bun) during.bun.push(timeEach([[bun, '-e', '0']], env));
      }
    }
    const close = closeMs / steps.length;
    bares.push(timeEach(steps.map(() => [process.execPath, '-e', '0']), env));
    results.push({ name, close, current, during });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const base = mean(bares);
  console.log(`walk of ${n} steps (Hanoi ${disks} disks), one process per step; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log(`node -e 0           ${base.toFixed(1)} ms per run (before and after each walk: ${bares.map((b) => b.toFixed(1)).join(', ')})`);
  if (bunBares.length) console.log(`bun -e 0            ${mean(bunBares).toFixed(1)} ms per run`);
  for (const r of results) {
    const { during } = r;
    console.log(`${r.name}:`);
    console.log(`  bd close <step>   ${r.close.toFixed(1)} ms per step (${(r.close / base).toFixed(2)}x node -e 0; walk total ${((r.close * n) / 1000).toFixed(1)} s)`);
    if (during.node.length) {
      console.log(`  during the walk, every 10th step: node -e 0 ${mean(during.node).toFixed(1)} ms${during.bun.length ? `, bun -e 0 ${mean(during.bun).toFixed(1)} ms` : ''} (means of ${during.node.length});`);
      console.log(`  bd close against them: ${(r.close / mean(during.node)).toFixed(2)}x node -e 0${during.bun.length ? `, ${(r.close / mean(during.bun)).toFixed(2)}x bun -e 0` : ''}`);
    }
    console.log(`  bd mol current    ${r.current.toFixed(1)} ms per call (${(r.current / base).toFixed(2)}x node -e 0; mean of ${Math.min(n, 100)})`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
