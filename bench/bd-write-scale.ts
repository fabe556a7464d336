// Does a write's cost grow with the store? Whole-process `bd create` and `bd close` at 1k, 10k and
// 50k records (grown from the real export), beside `node -e 0` and `bd ready --json`, run back to
// back the way an agent calls them. With `--before <old dist/bin/bd.js>` the old build runs the
// same commands interleaved with this one, on its own copy of the store, in the same run.
// Afterwards it waits for the JSONL to catch up and checks it equals the database's export.
//   node dist/bench/bd-write-scale.js [--sizes 1000,10000,50000] [--runs 11] [--before path/to/bd.js]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runSync } from '../src/lib/proc.js';
import { fmt, median } from './support/timing.js';
import { grow } from './support/grow.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const sizes = (arg('sizes') ?? '1000,10000,50000').split(',').map(Number);
const runs = Number(arg('runs') ?? 11);
const builds: { name: string; bin: string }[] = [{ name: 'this tree', bin: join(repo, 'dist', 'bin', 'bd.js') }];
const before = arg('before');
if (before) builds.unshift({ name: 'before', bin: before });
const source = readFileSync(join(repo, '..', 'shared', 'data', 'beads-export.jsonl'), 'utf8');

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; out: string } {
  const t = performance.now();
  const r = runSync(process.execPath, args, { cwd, env });
  const ms = performance.now() - t;
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return { ms, out: r.stdout };
}

/** Waits until nothing waits for export (the background flusher, if any, is done). */
async function settled(beadsDir: string): Promise<number> {
  const t = performance.now();
  for (;;) {
    const db = new Database(join(beadsDir, 'beads.db'), { readonly: true });
    const pending = db.prepare('SELECT count(*) AS n FROM dirty').get() as { n: number };
    db.close();
    if (!pending.n) return performance.now() - t;
    if (performance.now() - t > 60_000) throw new Error(`${beadsDir}: the JSONL did not catch up in 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const rows: string[][] = [['records', 'JSONL', 'build', 'bd create', 'bd close', 'bd ready --json', 'node -e 0', 'create/close over node', 'caught up after']];
for (const n of sizes) {
  const text = grow(source, n);
  const open = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; status: string })
    .filter((r) => r.status === 'open').map((r) => r.id);
  const dirs = builds.map((b) => {
    const dir = mkdtempSync(join(tmpdir(), 'bd-scale-'));
    mkdirSync(join(dir, '.beads'));
    writeFileSync(join(dir, '.beads', 'issues.jsonl'), text);
    const env = { ...process.env, BD_ACTOR: 'bench', BEADS_DIR: join(dir, '.beads') };
    run(dir, [b.bin, 'init', '--prefix', 'bd'], env);
    return { ...b, dir, env, create: [] as number[], close: [] as number[], ready: [] as number[], bare: [] as number[] };
  });
  try {
    for (let i = 0; i < runs; i++) {
      for (const d of dirs) {
        d.create.push(run(d.dir, [d.bin, 'create', `bench ${i}`, '-p', '2'], d.env).ms);
        d.close.push(run(d.dir, [d.bin, 'close', open[i]!, '--reason', 'bench'], d.env).ms);
        d.ready.push(run(d.dir, [d.bin, 'ready', '--json'], d.env).ms);
        d.bare.push(run(d.dir, ['-e', '0'], d.env).ms);
      }
    }
    for (const d of dirs) {
      const wait = await settled(join(d.dir, '.beads'));
      const file = readFileSync(join(d.dir, '.beads', 'issues.jsonl'), 'utf8');
      const exported = run(d.dir, [d.bin, 'export', '-o', join(d.dir, 'check.jsonl')], d.env);
      void exported;
      const same = readFileSync(join(d.dir, 'check.jsonl'), 'utf8') === file;
      rows.push([String(n), `${(text.length / 1e6).toFixed(1)} MB`, d.name, fmt(median(d.create)), fmt(median(d.close)), fmt(median(d.ready)), fmt(median(d.bare)),
        `+${(median(d.create.map((x, i) => x - d.bare[i]!))).toFixed(0)} / +${(median(d.close.map((x, i) => x - d.bare[i]!))).toFixed(0)} ms`,
        `${fmt(wait)}${same ? '' : ' (FILE DIFFERS FROM THE DATABASE)'}`]);
    }
  } finally {
    for (const d of dirs) rmSync(d.dir, { recursive: true, force: true });
  }
  console.error(`done ${n}`);
}
console.log(`bd-write-scale: whole-process medians of ${runs} runs each, back to back (records grown from ../shared/data/beads-export.jsonl)`);
const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log('  ' + r.map((v, c) => v.padEnd(w[c]!)).join('  '));
