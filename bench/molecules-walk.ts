// A molecule walked the way an agent walks it: one `bd close <step>` process per step, in order,
// over a Towers of Hanoi molecule (10 disks: 1,025 steps), beside bare `node -e 0` in the same run.
// Also the cost of `bd mol current` (the agent's "where am I" before each close).
// WALK_DISKS=10 (default) sets the size; the target is at most 1.3x node per close.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/beads/open.js';
import { cook } from '../src/molecules/cook.js';
import { parseFormula } from '../src/molecules/formula.js';
import { pour } from '../src/molecules/pour.js';
import { bdBin, testEnv } from '../test/support/cli.js';
import { hanoiFormula } from '../test/support/hanoi.js';

const disks = Number(process.env.WALK_DISKS ?? 10);
const root = mkdtempSync(join(tmpdir(), 'gt-bench-walk-'));
try {
  const beads = join(root, '.beads');
  const store = await openStore({ kind: 'sqlite', beadsDir: beads, create: true, prefix: 'w' });
  const { root: mol, steps } = await pour(store, cook(parseFormula(hanoiFormula(disks), 'hanoi', `hanoi-${disks}`)), { actor: 'bench' });
  await store.close();
  const env = testEnv({ BEADS_DIR: beads, BD_ACTOR: 'bench' });
  const run = (argv: string[]) => {
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  };
  const timeEach = (argvs: string[][]) => {
    const t = performance.now();
    for (const a of argvs) run(a);
    return (performance.now() - t) / argvs.length;
  };
  const n = steps.length;
  const bare = timeEach(steps.map(() => [process.execPath, '-e', '0']));
  const current = timeEach(steps.slice(0, Math.min(n, 100)).map(() => [process.execPath, bdBin, 'mol', 'current', mol.id]));
  const close = timeEach(steps.map((s) => [process.execPath, bdBin, 'close', s.id]));
  const bare2 = timeEach(steps.map(() => [process.execPath, '-e', '0']));
  const base = (bare + bare2) / 2;
  console.log(`walk of ${n} steps (Hanoi ${disks} disks), one process per step`);
  console.log(`node -e 0           ${base.toFixed(1)} ms per run (before ${bare.toFixed(1)}, after ${bare2.toFixed(1)})`);
  console.log(`bd close <step>     ${close.toFixed(1)} ms per step  (${(close / base).toFixed(2)}x node; walk total ${((close * n) / 1000).toFixed(1)} s)`);
  console.log(`bd mol current      ${current.toFixed(1)} ms per call (${(current / base).toFixed(2)}x node; mean of ${Math.min(n, 100)})`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
