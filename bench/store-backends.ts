// The store on both backends side by side, through the same async interface: ready at 10k issues,
// create, close 100, and claim throughput with 8 concurrent workers (each with its own handle, as
// 8 processes would have), and the start-up of a whole `bd ready --json` process on each. Prints
// figures; asserts nothing.
//   node dist/bench/store-backends.js [records=10000]
// PostgreSQL: GT_BENCH_POSTGRES_URL (an existing server, any database the user may create
// databases in), else an embedded server (test/support/postgres.ts: fsync off, loopback TCP).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../src/beads/api.js';
import { openStore } from '../src/beads/open.js';
import { openSqliteStore } from '../src/beads/sqlite/store.js';
import { ConflictError } from '../src/lib/errors.js';
import { postgresServer, type PgServer } from '../test/support/postgres.js';
import { runSync } from '../src/lib/proc.js';
import { fmt, time, timeAsync } from './support/timing.js';

const target = Number(process.argv[2] ?? 10_000);
const WORKERS = 8;
const CLAIMS = 400;

/** A synthetic export: a third of the issues wait on an earlier one, every tenth is an epic's child. */
function sample(n: number): string {
  const lines: string[] = [];
  const id = (i: number) => `bd-${i.toString(36).padStart(4, '0')}`;
  for (let i = 0; i < n; i++) {
    const deps = [];
    if (i % 3 === 1) deps.push({ issue_id: id(i), depends_on_id: id(i - 1), type: 'blocks', created_at: '2026-01-01T00:00:00Z' });
    if (i % 10 === 5) deps.push({ issue_id: id(i), depends_on_id: id(i - 5), type: 'parent-child', created_at: '2026-01-01T00:00:00Z' });
    const status = i % 7 === 0 ? 'closed' : 'open';
    lines.push(JSON.stringify({
      id: id(i), title: `issue ${i}`, description: `what issue ${i} is about`, status, priority: i % 5, issue_type: i % 10 === 0 ? 'epic' : 'task',
      created_at: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`, updated_at: '2026-01-02T00:00:00Z',
      ...(status === 'closed' ? { closed_at: '2026-01-03T00:00:00Z' } : {}),
      ...(deps.length ? { dependencies: deps } : {}), ...(i % 4 === 0 ? { labels: ['bench', `l${i % 3}`] } : {}),
    }));
  }
  return lines.join('\n') + '\n';
}

interface Backend {
  name: string; open(): Promise<Store>; openAnother(): Promise<Store>; dispose(): Promise<void>;
  /** The StoreSpec a fresh process opens (as bd would). */
  spec: Record<string, unknown>;
  /** A directory bd run in finds this store from (its .beads: the database, or a store.json pointer). */
  bdDir: string;
}

const bdBin = fileURLToPath(new URL('../bin/bd.js', import.meta.url));

/** The whole `bd ready --json` process, as an agent runs it: node, the bundle, the store's open, the query, the output. */
function bdReadyMs(cwd: string, n = 10): number {
  return time(n, () => {
    const r = runSync(process.execPath, [bdBin, 'ready', '--json'], { cwd });
    if (r.code !== 0) throw new Error(`bd ready --json failed: ${r.stderr}`);
  });
}

/** A fresh process that opens the store, reads ready (limit 10) and closes it: the store's share of `bd ready`'s start-up. */
function startupMs(spec: Record<string, unknown>, n = 10): number {
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-proc-'));
  try {
    const script = join(dir, 'ready.mjs');
    writeFileSync(script, `import { openStore } from ${JSON.stringify(new URL('../src/beads/open.js', import.meta.url).href)};
const s = await openStore(${JSON.stringify(spec)});
await s.ready({ limit: 10 });
await s.close();
`);
    return time(n, () => {
      const r = runSync(process.execPath, [script], { cwd: dir });
      if (r.code !== 0) throw new Error(r.stderr);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(b: Backend, text: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const store = await b.open();
  try {
    let t = performance.now();
    await store.importText(text, 'bench', 'bench');
    out.set(`import ${target} (one call)`, fmt(performance.now() - t));
    out.set('ready, limit 10 (as bd ready)', fmt(await timeAsync(100, () => store.ready({ limit: 10 }))));
    const all = (await store.ready()).length;
    out.set(`ready, all (${all})`, fmt(await timeAsync(10, () => store.ready())));
    out.set('get one issue', fmt(await timeAsync(200, (i) => store.getExact(`bd-${(i * 7).toString(36).padStart(4, '0')}`))));
    const ids: string[] = [];
    out.set('create', fmt(await timeAsync(200, async (i) => ids.push((await store.create({ title: `bench ${i}`, labels: ['bench'] }, 'bench')).id))));
    t = performance.now();
    await store.transaction(async (tx) => { for (let i = 0; i < 100; i++) ids.push((await tx.create({ title: `batch ${i}` }, 'bench')).id); });
    out.set('create x100 in one transaction, per create', fmt((performance.now() - t) / 100));
    out.set('update', fmt(await timeAsync(100, (i) => store.update(ids[i]!, { notes: `n${i}` }, 'bench'))));
    out.set('close 100 (one call)', fmt(await timeAsync(1, () => store.closeIssues(ids.slice(100, 200), 'bench', 'bench'))));
    // Claim throughput: 8 workers, each its own handle, race down one list of fresh beads.
    const pool: string[] = [];
    await store.transaction(async (tx) => { for (let i = 0; i < CLAIMS; i++) pool.push((await tx.create({ title: `claimable ${i}` }, 'bench')).id); });
    const workers = await Promise.all(Array.from({ length: WORKERS }, () => b.openAnother()));
    let won = 0;
    let lost = 0;
    t = performance.now();
    await Promise.all(workers.map(async (w, k) => {
      // Each worker walks the list from its own offset, so they collide as real workers do.
      for (let j = 0; j < pool.length; j++) {
        const id = pool[(j + k * 37) % pool.length]!;
        try {
          await w.claim(id, `worker-${k}`);
          won++;
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
          lost++;
        }
      }
    }));
    const secs = (performance.now() - t) / 1000;
    out.set(`claim, ${WORKERS} concurrent workers: won claims/s`, `${(won / secs).toFixed(0)}/s`);
    out.set(`claim, ${WORKERS} workers: attempts/s (won ${won}, lost ${lost})`, `${((won + lost) / secs).toFixed(0)}/s`);
    if (won !== CLAIMS) throw new Error(`${b.name}: ${won} claims won for ${CLAIMS} beads: not exactly once`);
    await Promise.all(workers.map((w) => w.close()));
    out.set('full export (exportText)', fmt(await timeAsync(3, () => store.exportText())));
    const bare = time(10, () => { runSync(process.execPath, ['-e', '0'], { cwd: tmpdir() }); });
    const proc = startupMs(b.spec);
    out.set('process: open + ready 10 + close (node -e 0 = 1x)', `${fmt(proc)} ${(proc / bare).toFixed(2)}x`);
    const bd = bdReadyMs(b.bdDir);
    out.set('process: bd ready --json, whole command', `${fmt(bd)} ${(bd / bare).toFixed(2)}x`);
  } finally {
    await store.close();
    await b.dispose();
  }
  return out;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
  const beadsDir = join(dir, '.beads');
  return {
    name: 'sqlite',
    spec: { kind: 'sqlite', beadsDir },
    bdDir: dir,
    open: () => openStore({ kind: 'sqlite', beadsDir, create: true, prefix: 'bd' }),
    openAnother: () => openSqliteStore(beadsDir, { separateConnection: true }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresBackend(): Promise<Backend | string> {
  let server: PgServer | undefined;
  let url = process.env.GT_BENCH_POSTGRES_URL;
  if (url) process.env.GT_TEST_POSTGRES_URL = url;
  const got = await postgresServer();
  if (!got.server) return got.skip;
  server = got.server;
  url = await server.createDatabase();
  const u = url;
  // bd finds a PostgreSQL store through the pointer a town writes in each .beads.
  const bdDir = mkdtempSync(join(tmpdir(), 'store-bench-pg-'));
  mkdirSync(join(bdDir, '.beads'));
  writeFileSync(join(bdDir, '.beads', 'store.json'), JSON.stringify({ kind: 'postgres', url: u, namespace: 'bench' }), { mode: 0o600 });
  return {
    name: 'postgres',
    spec: { kind: 'postgres', url: u, namespace: 'bench' },
    bdDir,
    open: () => openStore({ kind: 'postgres', url: u, namespace: 'bench', create: true, prefix: 'bd' }),
    openAnother: () => openStore({ kind: 'postgres', url: u, namespace: 'bench' }),
    dispose: async () => { rmSync(bdDir, { recursive: true, force: true }); await server!.stop(); },
  };
}

const text = sample(target);
const results: [string, Map<string, string>][] = [];
results.push(['sqlite', await measure(sqliteBackend(), text)]);
const pgb = await postgresBackend();
if (typeof pgb === 'string') console.log(`postgres: skipped (${pgb})`);
else results.push(['postgres', await measure(pgb, text)]);

console.log(`store backends: ${target} issues${process.env.GT_BENCH_POSTGRES_URL ? '' : ' (postgres: embedded server, fsync off, loopback TCP)'}`);
const names = [...results[0]![1].keys()];
const w = Math.max(...names.map((n) => n.length));
console.log(`  ${''.padEnd(w)}  ${results.map(([n]) => n.padStart(14)).join('  ')}`);
for (const n of names) console.log(`  ${n.padEnd(w)}  ${results.map(([, m]) => (m.get(n) ?? '-').padStart(14)).join('  ')}`);
