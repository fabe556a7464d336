// The bun:sqlite driver (driver-bun.ts), run where it runs: under the Bun binary installed with the
// package. The store conformance suite under `bun test`; the driver's answers compared with
// better-sqlite3's on the same file; and the lock across runtimes (a Node writer holds it, a Bun
// `bd` waits it out and names the holder). Skipped when no Bun was installed or GT_RUNTIME=node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openConnection } from './driver.js';
import { openStore as openEngine } from './engine.js';

const dist = fileURLToPath(new URL('../../../', import.meta.url));
const binDir = join(dist, 'bin');
function bunBinary(): string | undefined {
  try {
    const rel = (JSON.parse(readFileSync(join(binDir, 'runtime.json'), 'utf8')) as { bun: string | null }).bun;
    return rel ? join(binDir, rel) : undefined;
  } catch {
    return undefined;
  }
}
const bun = process.env.GT_RUNTIME === 'node' ? undefined : bunBinary();
const skip = bun ? false : 'no Bun binary installed with the package (or GT_RUNTIME=node)';
const bunArgs = ['--config=' + join(binDir, 'bunfig.toml'), '--no-env-file', '--no-install'];

function temp(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'driver-bun-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the store conformance suite and the digests pass under Bun (bun:sqlite, Bun.CryptoHasher)', { skip }, () => {
  const r = spawnSync(bun!, ['test', './src/beads/sqlite/store-conformance.js', './src/lib/hash.test.js'], {
    cwd: dist, env: { ...process.env, GT_BUN_CONFORMANCE: '1' }, encoding: 'utf8',
  });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  assert.match(out, / 0 fail/);
  assert.match(out, /sqlite under bun: /);
});

test('bun:sqlite answers as better-sqlite3 does: pragmas, no row, changes, nulls, busy', { skip }, () => {
  const t = temp();
  try {
    const file = join(t.dir, 'x.db');
    // The same script on both drivers, through the seam; its JSON answers must be equal.
    const script = join(t.dir, 'probe.mjs');
    writeFileSync(script, `
      import { openConnection } from ${JSON.stringify(join(dist, 'src', 'beads', 'sqlite', 'driver.js'))};
      const [file, mode] = process.argv.slice(2);
      const db = openConnection(file + '.' + mode, 100);
      const out = { wal: db.pragma('journal_mode = WAL') };
      db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c REAL); CREATE TABLE u (x)');
      out.insert = db.prepare('INSERT INTO t (a, b, c) VALUES (?, ?, ?)').run(1, null, 2.5).changes;
      out.none = db.prepare('SELECT * FROM t WHERE a = ?').get(99) === undefined;
      out.row = db.prepare('SELECT * FROM t WHERE a = ?').get(1);
      out.update = db.prepare('UPDATE t SET b = ? WHERE a >= ?').run('x', 0).changes;
      out.big = db.prepare('SELECT ? AS n').get(2 ** 40).n;
      db.exec('BEGIN IMMEDIATE'); out.inTx = db.inTransaction; db.exec('SAVEPOINT s1');
      db.prepare('INSERT INTO u VALUES (?)').run('gone'); db.exec('ROLLBACK TO s1'); db.exec('RELEASE s1'); db.exec('COMMIT');
      out.afterRollback = db.prepare('SELECT count(*) AS n FROM u').get().n;
      out.integrity = db.pragma('integrity_check');
      out.version = typeof db.pragma('data_version');
      const other = openConnection(file + '.' + mode, 100);
      db.exec('BEGIN IMMEDIATE');
      try { other.exec('BEGIN IMMEDIATE'); out.busy = 'no error'; } catch (e) { out.busy = e.code; }
      db.exec('ROLLBACK'); other.close(); db.close(); db.close();
      out.open = db.open;
      process.stdout.write(JSON.stringify(out));
    `);
    const onNode = spawnSync(process.execPath, [script, file, 'node'], { encoding: 'utf8' });
    const onBun = spawnSync(bun!, [...bunArgs, script, file, 'bun'], { encoding: 'utf8' });
    assert.equal(onNode.status, 0, onNode.stderr);
    assert.equal(onBun.status, 0, onBun.stderr);
    const expected = { wal: 'wal', insert: 1, none: true, row: { a: 1, b: null, c: 2.5 }, update: 1, big: 2 ** 40, inTx: true, afterRollback: 0, integrity: 'ok', version: 'number', busy: 'SQLITE_BUSY', open: false };
    assert.deepEqual(JSON.parse(onNode.stdout), expected);
    assert.deepEqual(JSON.parse(onBun.stdout), expected);
  } finally {
    t.done();
  }
});

test('a Node writer holds the lock: bd under Bun waits it out and names the holder; after, it writes', { skip }, async () => {
  const t = temp();
  const beadsDir = join(t.dir, '.beads');
  const engine = openEngine(beadsDir, { create: true, prefix: 'xr' });
  try {
    const env = { ...process.env, BEADS_DIR: beadsDir, BD_ACTOR: 'tester', BD_BUSY_TIMEOUT_MS: '300', GT_RUNTIME: 'bun' };
    const bd = (args: string[]) => new Promise<{ code: number; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(join(binDir, 'bd'), args, { cwd: t.dir, env });
      let stdout = '', stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    engine.begin(); // BEGIN IMMEDIATE, and the holder note naming this process
    let r: Awaited<ReturnType<typeof bd>>;
    try {
      r = await bd(['create', 'waits for the lock']);
    } finally {
      engine.rollback();
    }
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^bd: busy: .* by pid ${process.pid} since \\d+ s; try again`));
    const ok = await bd(['create', 'after the lock', '--silent']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(engine.getExact(ok.stdout.trim())?.title, 'after the lock');
  } finally {
    engine.close();
    t.done();
  }
});
