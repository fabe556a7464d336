// Beads store benchmark on a 10k-record database grown from the real export (copies with fresh
// ids, dependencies remapped inside each copy). Prints figures; asserts nothing.
//   node dist/bench/bd-store.js [records=10000]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../src/beads/sqlite/store.js';
import { runSync } from '../src/lib/proc.js';
import { fmt, time, timeAsync } from './support/timing.js';
import { grow } from './support/grow.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const bdBin = join(repo, 'dist', 'bin', 'bd.js');
const target = Number(process.argv[2] ?? 10_000);

const dir = mkdtempSync(join(tmpdir(), 'bd-bench-'));
try {
  const beadsDir = join(dir, '.beads');
  const store = await openSqliteStore(beadsDir, { create: true, prefix: 'bd' });
  const t0 = performance.now();
  const text = grow(readFileSync(join(repo, '..', 'shared', 'data', 'beads-export.jsonl'), 'utf8'), target);
  await store.importText(text, 'grown', 'bench');
  const importMs = performance.now() - t0;
  const st = await store.stats();
  console.log(`bd-store bench: ${target} records (${st.ready} ready, ${st.blocked_open} blocked), import ${importMs.toFixed(0)} ms, JSONL ${(text.length / 1e6).toFixed(1)} MB`);

  const rows: [string, string, string][] = [];
  rows.push(['in-process ready (limit 10, as bd ready)', fmt(await timeAsync(200, () => store.ready({ limit: 10 }))), '<= 5 ms']);
  rows.push([`in-process ready (all ${(await store.ready()).length})`, fmt(await timeAsync(50, () => store.ready())), '']);
  // A command = its write(s) + the one flush it triggers (the JSONL patch + write-temp + rename).
  // "write only" is the transaction the caller waits for; the flush runs after the tick (or at
  // close/exit), so a command's latency is the sum and its writes share that one flush.
  const ids: string[] = [];
  const both = async (name: string, n: number, fn: (i: number) => Promise<unknown>, goal = '') => {
    rows.push([`in-process ${name}: write only (commit, JSONL deferred)`, fmt(await timeAsync(n, fn)), goal]);
    await store.flush();
    rows.push([`in-process ${name}: write + its flush (whole command)`, fmt(await timeAsync(n, async (i) => { await fn(i + n); await store.flush(); })), '']);
  };
  await both('create', 100, async (i) => ids.push((await store.create({ title: `bench ${i}`, labels: ['bench'] }, 'bench')).id), '<= 1 ms');
  await store.flush();
  let batchPer = 0;
  {
    const t = performance.now();
    await store.transaction(async (tx) => { for (let i = 0; i < 100; i++) ids.push((await tx.create({ title: `batch ${i}` }, 'bench')).id); });
    await store.flush();
    batchPer = (performance.now() - t) / 100;
  }
  rows.push(['in-process create x100 in one transaction + flush, per create', fmt(batchPer), '<= 1 ms']);
  {
    const t = performance.now();
    for (let i = 0; i < 100; i++) ids.push((await store.create({ title: `tick ${i}` }, 'bench')).id);
    const writes = performance.now() - t;
    await store.flush();
    rows.push(['in-process 100 creates (own txns) + one flush, per create', fmt((performance.now() - t) / 100), `(writes ${fmt(writes / 100)} each)`]);
  }
  await both('update', 100, (i) => store.update(ids[i]!, { notes: `n${i}`, priority: i % 5 }, 'bench'));
  await both('claim', 100, (i) => store.claim(ids[i]!, 'bench'));
  const closeWrite = await timeAsync(1, () => store.closeIssues(ids.slice(200, 300), 'bench', 'bench'));
  await store.flush();
  rows.push(['in-process close 100 (one command): write only', fmt(closeWrite), '']);
  rows.push(['in-process close 100 (one command): write + flush', fmt(await timeAsync(1, async () => { await store.closeIssues(ids.slice(300, 400), 'bench', 'bench'); await store.flush(); })), '<= 50 ms']);
  rows.push(['in-process flush with nothing dirty (no lock taken)', fmt(await timeAsync(200, () => store.flush())), '']);
  {
    // The first flush of a fresh process must read the file (later ones reuse the bytes they wrote).
    await store.close();
    const fresh = await openSqliteStore(beadsDir);
    await fresh.update(ids[150]!, { notes: 'cold' }, 'bench');
    const t = performance.now();
    await fresh.flush();
    rows.push(['in-process first flush in a fresh process (reads the file)', fmt(performance.now() - t), '']);
    await fresh.close();
  }
  const reopened = await openSqliteStore(beadsDir);
  rows.push(['in-process full export (exportText)', fmt(await timeAsync(5, () => reopened.exportText())), '']);
  await reopened.close();

  const env = { ...process.env, BD_ACTOR: 'bench', BEADS_DIR: beadsDir };
  const proc = (args: string[]) => time(15, () => {
    const r = runSync(process.execPath, args, { cwd: dir, env });
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  });
  const bare = proc(['-e', '0']);
  const ready = proc([bdBin, 'ready', '--json']);
  rows.push(['process: node -e 0', fmt(bare), '']);
  rows.push(['process: bd ready --json', `${fmt(ready)} (${(ready / bare).toFixed(2)}x node)`, '<= 2x node']);
  rows.push(['process: bd create', fmt(proc([bdBin, 'create', 'from the shell', '-p', '1'])), '']);
  rows.push(['process: bd --help', fmt(proc([bdBin, '--help'])), '']);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [name, v, goal] of rows) console.log(`  ${name.padEnd(w)}  ${v.padStart(12)}  ${goal}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
