// Pouring Towers of Hanoi wisps (one step per move) with the real `gt mol wisp`, one process per
// pour as a user runs it: wall time and peak memory (RSS, from /usr/bin/time) per disk count.
// The time should grow linearly with the steps. Disks: HANOI_DISKS=10,13,15,20 (the default).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installTown } from '../src/town/install.js';
import { closeTown } from '../src/town/town.js';
import { gtBin, testEnv } from '../test/support/cli.js';
import { hanoiFormula } from '../test/support/hanoi.js';

const disks = (process.env.HANOI_DISKS ?? '10,13,15,20').split(',').map(Number);
const LIMIT_MS = Number(process.env.HANOI_LIMIT_SEC ?? 600) * 1000;

const root = mkdtempSync(join(tmpdir(), 'gt-bench-pour-'));
try {
  const town = join(root, 'town');
  await closeTown((await installTown(town)).town);
  mkdirSync(join(town, 'formulas'), { recursive: true });
  const env = testEnv({ GT_TOWN: town });
  const base = spawnSync(process.execPath, ['-e', '0']);
  if (base.status !== 0) throw new Error('node -e 0 failed');
  console.log('disks      steps   gt mol wisp     per step   peak RSS');
  let prev: { steps: number; ms: number } | undefined;
  for (const n of disks) {
    const steps = 2 ** n + 1;
    writeFileSync(join(town, 'formulas', `hanoi-${n}.formula.toml`), hanoiFormula(n));
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, gtBin, 'mol', 'wisp', `hanoi-${n}`, '--rig', 'hq', '--json'],
      { env, cwd: root, encoding: 'utf8', timeout: LIMIT_MS, maxBuffer: 1 << 30 });
    const ms = performance.now() - t;
    if (r.error || r.status !== 0) {
      console.log(`${String(n).padStart(5)} ${String(steps).padStart(10)}   ${r.error ? `stopped after ${(ms / 1000).toFixed(0)} s` : `failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`}`);
      continue;
    }
    const rssMb = Number(r.stderr.trim().split('\n').at(-1)) / 1024;
    const growth = prev ? `  (x${(ms / prev.ms).toFixed(1)} time for x${(steps / prev.steps).toFixed(1)} steps)` : '';
    console.log(`${String(n).padStart(5)} ${String(steps).padStart(10)} ${(ms / 1000).toFixed(2).padStart(10)} s ${((ms * 1000) / steps).toFixed(1).padStart(8)} µs ${rssMb.toFixed(0).padStart(7)} MB${growth}`);
    prev = { steps, ms };
    // Each wisp stays in the database: a later pour meets the earlier ones, as in a working town.
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
