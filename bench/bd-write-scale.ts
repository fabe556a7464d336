// Does a write's cost grow with the store? Whole-process `bd create` and `bd close` at 1k, 10k and
// 50k records (grown from the real export), beside `node -e 0` and `bd ready --json`, run back to
// back the way an agent calls them. With `--before <old dist/bin/bd.js>` the old build runs the
// same commands interleaved with this one, on its own copy of the store, in the same run.
// Afterwards it waits for the JSONL to catch up and checks it equals the database's export.
//   node dist/bench/bd-write-scale.js [--sizes 1000,10000,50000] [--runs 11] [--before path/to/bd.js]
// With `--export` it measures the JSONL export itself instead: `bd create` exporting inline
// (BD_JSONL_INLINE_BYTES=Infinity) beside the same command handing it to the flusher, and how long
// that flusher takes to settle (from the write's start until no id is dirty and no flusher holds
// the job), interleaved, per build; `--launcher` runs dist/bin/bd (Bun when installed) instead of Node.
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

/** Waits until the export is done and no flusher holds the job; ms since `t0`. */
function flusherGone(beadsDir: string, t0: number): number {
  const db = new Database(join(beadsDir, 'beads.db'), { readonly: true });
  try {
    const busy = db.prepare(`SELECT (SELECT count(*) FROM dirty) + (SELECT count(*) FROM meta WHERE key = 'jsonl_flusher') AS n`);
    for (;;) {
      const ms = performance.now() - t0;
      if (!(busy.get() as { n: number }).n) return ms;
      if (ms > 60_000) throw new Error(`${beadsDir}: the flusher did not settle in 60 s`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  } finally {
    db.close();
  }
}

if (process.argv.includes('--export')) {
  const launcher = process.argv.includes('--launcher');
  const cmd = (bin: string, args: string[]) => (launcher ? [join(dirname(bin), 'bd'), args] as const : [process.execPath, [bin, ...args]] as const);
  const exec = (cwd: string, bin: string, args: string[], env: NodeJS.ProcessEnv) => {
    const [file, argv] = cmd(bin, args);
    const t = performance.now();
    const r = runSync(file, [...argv], { cwd, env });
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    return t;
  };
  const out: string[][] = [['records', 'build', 'create, inline export', 'create, flusher', 'flusher settled after']];
  const stat = (xs: number[]) => `${fmt(median(xs))} (min ${fmt(Math.min(...xs))})`;
  for (const n of sizes) {
    const text = grow(source, n);
    const dirs = builds.map((b) => {
      const dir = mkdtempSync(join(tmpdir(), 'bd-export-'));
      mkdirSync(join(dir, '.beads'));
      writeFileSync(join(dir, '.beads', 'issues.jsonl'), text);
      const env = { ...process.env, BD_ACTOR: 'bench', BEADS_DIR: join(dir, '.beads') };
      exec(dir, b.bin, ['init', '--prefix', 'bd'], env);
      flusherGone(join(dir, '.beads'), performance.now());
      return { ...b, dir, env, inline: [] as number[], handed: [] as number[], settle: [] as number[] };
    });
    try {
      for (let i = 0; i < runs; i++) {
        for (const d of dirs) {
          let t = exec(d.dir, d.bin, ['create', `inline ${i}`, '-p', '2'], { ...d.env, BD_JSONL_INLINE_BYTES: 'Infinity' });
          d.inline.push(performance.now() - t);
          t = exec(d.dir, d.bin, ['create', `handed ${i}`, '-p', '2'], d.env);
          d.handed.push(performance.now() - t);
          d.settle.push(flusherGone(join(d.dir, '.beads'), t));
        }
      }
      for (const d of dirs) {
        exec(d.dir, d.bin, ['export', '-o', join(d.dir, 'check.jsonl')], d.env);
        const same = readFileSync(join(d.dir, 'check.jsonl'), 'utf8') === readFileSync(join(d.dir, '.beads', 'issues.jsonl'), 'utf8');
        out.push([String(n), d.name, stat(d.inline), stat(d.handed), stat(d.settle) + (same ? '' : ' (FILE DIFFERS FROM THE DATABASE)')]);
      }
    } finally {
      for (const d of dirs) rmSync(d.dir, { recursive: true, force: true });
    }
    console.error(`done ${n}`);
  }
  console.log(`bd-write-scale --export: medians (min) of ${runs} runs each, interleaved, under ${launcher ? 'dist/bin/bd (Bun)' : 'Node'}`);
  const w = out[0]!.map((_, c) => Math.max(...out.map((r) => r[c]!.length)));
  for (const r of out) console.log('  ' + r.map((v, c) => v.padEnd(w[c]!)).join('  '));
  process.exit(0);
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
