// The SQLite store: the conformance suite, then what only SQLite has (the JSONL mirror, its
// files, the write lock across connections).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { awaitAlive } from '../conformance.js';
import { runSqliteConformance } from './store-conformance.js';
import { openStore } from '../open.js';
import { UserError } from '../../lib/errors.js';
import { openSqliteStore, type SqliteStore } from './store.js';
import { openStore as openEngine } from './engine.js';

runSqliteConformance(); // the same cases run under Bun too (driver-bun.test.ts)

function withStore(fn: (s: SqliteStore, dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beads-store-'));
    const s = await openSqliteStore(join(dir, '.beads'), { create: true, prefix: 'tt' });
    try {
      await fn(s, join(dir, '.beads'));
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Lets the store's scheduled flush (setImmediate) run, the way a command's await gaps do. */
const tick = () => new Promise<void>((r) => setImmediate(r));

/** The ids committed but not yet exported (read straight from the database file). */
function dirtyIds(dir: string): string[] {
  const db = new Database(join(dir, 'beads.db'), { readonly: true });
  try {
    return (db.prepare('SELECT id FROM dirty ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

const jsonlIds = (dir: string) => readFileSync(join(dir, 'issues.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id as string);

test('the export line follows a write after the tick, canonical keys in Beads order', withStore(async (s, dir) => {
  const a = await s.create({ title: 'First', description: 'why' }, 'alice');
  // The write committed without touching the JSONL; its id waits in the dirty table for the flush.
  assert.equal(existsSync(join(dir, 'issues.jsonl')), false);
  assert.deepEqual(dirtyIds(dir), [a.id]);
  await tick();
  assert.deepEqual(dirtyIds(dir), []);
  assert.deepEqual(jsonlIds(dir), [a.id]);
  const line = JSON.parse(readFileSync(join(dir, 'issues.jsonl'), 'utf8'));
  assert.deepEqual(Object.keys(line), ['id', 'title', 'description', 'status', 'priority', 'issue_type', 'created_at', 'created_by', 'updated_at']);
  assert.equal(s.kind, 'sqlite');
  assert.equal(s.location, dir);
}));

test('refused writes and rolled-back transactions leave nothing to export', withStore(async (s, dir) => {
  await s.create({ title: 'x' }, 'a');
  await s.flush();
  const before = readFileSync(join(dir, 'issues.jsonl'), 'utf8');
  await assert.rejects(s.create({ title: 'y', priority: 7 }, 'a'), UserError);
  await assert.rejects(s.transaction(async (tx) => { await tx.create({ title: 'z' }, 'a'); throw new Error('no'); }), /no/);
  assert.deepEqual(dirtyIds(dir), []);
  await s.flush();
  assert.equal(readFileSync(join(dir, 'issues.jsonl'), 'utf8'), before);
}));

test('a transaction holds the flush until it commits; its writes share one export', withStore(async (s, dir) => {
  const ids = await s.transaction(async (tx) => {
    const a = await tx.create({ title: 'a' }, 'x');
    await tick(); // a scheduled flush may run here: it must not export uncommitted rows
    await tick();
    assert.equal(existsSync(join(dir, 'issues.jsonl')), false);
    const b = await tx.create({ title: 'b' }, 'x');
    return [a.id, b.id];
  });
  assert.deepEqual(dirtyIds(dir), [...ids].sort());
  await tick();
  assert.deepEqual(jsonlIds(dir), [...ids].sort());
}));

test('wisps are never dirty and never exported', withStore(async (s, dir) => {
  const a = await s.create({ title: 'real' }, 'x');
  await s.flush();
  await s.create({ title: 'patrol', ephemeral: true }, 'x');
  assert.deepEqual(dirtyIds(dir), []);
  await s.flush();
  assert.deepEqual(jsonlIds(dir), [a.id]);
}));

test('auto-import: a JSONL changed underneath is loaded before the next list', withStore(async (s, dir) => {
  const a = await s.create({ title: 'one' }, 'x');
  const b = await s.create({ title: 'two' }, 'x');
  await s.flush();
  const path = join(dir, 'issues.jsonl');
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const edited = lines.filter((l) => l.id !== b.id).map((l) => ({ ...l, title: 'one (edited on another branch)' }));
  edited.push({ id: 'tt-zzz', title: 'from git', status: 'open', priority: 1, issue_type: 'bug', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' });
  writeFileSync(path, edited.map((l) => JSON.stringify(l)).join('\n') + '\n');
  assert.equal((await s.mustGet(a.id)).title, 'one'); // get does not refresh; list/ready do
  assert.deepEqual((await s.list()).map((i) => i.title), ['one (edited on another branch)', 'from git']);
  assert.equal(await s.get(b.id), undefined);
  assert.equal((await s.ready())[0]!.id, 'tt-zzz');
}));

test('onChange hears a git pull of the JSONL (the listener\'s read imports it)', withStore(async (s, dir) => {
  await s.create({ title: 'one' }, 'x');
  await s.flush();
  let wake!: () => void;
  const heard = new Promise<void>((r) => { wake = r; });
  const stop = s.onChange(() => wake());
  const path = join(dir, 'issues.jsonl');
  writeFileSync(path, readFileSync(path, 'utf8').replace('"title":"one"', '"title":"pulled"'));
  await awaitAlive(heard);
  stop();
  assert.deepEqual((await s.list()).map((i) => i.title), ['pulled']);
}));

test('a second connection on the same db sees writes and keeps the export whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beads-store-'));
  try {
    const s1 = await openSqliteStore(join(dir, '.beads'), { create: true, prefix: 'tt' });
    const s2 = await openSqliteStore(join(dir, '.beads'), { separateConnection: true });
    assert.equal(s2.prefix, 'tt');
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push((await (i % 2 ? s1 : s2).create({ title: `n${i}` }, 'x')).id);
    await s1.flush(); // whoever flushes first exports everyone's dirty ids
    assert.deepEqual(dirtyIds(join(dir, '.beads')), []);
    assert.deepEqual(jsonlIds(join(dir, '.beads')), [...ids].sort());
    assert.equal(await s1.exportText(), readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8'));
    await s1.close(); await s2.close();
    await assert.rejects(openStore({ kind: 'sqlite', beadsDir: join(dir, 'nowhere', '.beads') }), (e: unknown) => e instanceof UserError && /bd init/.test(e.hint ?? ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('handles opened on one database in one process share its connection and its gate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beads-store-'));
  try {
    const s1 = await openSqliteStore(join(dir, '.beads'), { create: true, prefix: 'tt' });
    const s2 = await openSqliteStore(join(dir, '.beads'));
    const order: string[] = [];
    const t = s1.transaction(async (tx) => {
      await tx.create({ title: 'in s1' }, 'x');
      await tick();
      order.push('s1 committing');
    });
    await tick();
    await s2.create({ title: 'from s2' }, 'x'); // waits for s1's transaction (a second connection would block the process)
    order.push('s2 wrote');
    await t;
    assert.deepEqual(order, ['s1 committing', 's2 wrote']);
    await s1.close();
    assert.equal((await s2.list()).length, 2, 'closing one handle leaves the other working');
    await s2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the writes of one tick share one flush; close and exportAll flush at once', withStore(async (s, dir) => {
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) ids.push((await s.create({ title: `w${i}` }, 'x')).id);
  await s.closeIssues(ids.slice(0, 10), 'done', 'x');
  assert.equal(existsSync(join(dir, 'issues.jsonl')), false);
  assert.deepEqual(dirtyIds(dir), [...ids].sort());
  await tick();
  assert.deepEqual(jsonlIds(dir), [...ids].sort());
  assert.equal(await s.exportText(), readFileSync(join(dir, 'issues.jsonl'), 'utf8'));
  await s.update(ids[0]!, { notes: 'late' }, 'x');
  assert.equal((await s.exportAll()).count, 50);
  assert.equal(JSON.parse(readFileSync(join(dir, 'issues.jsonl'), 'utf8').split('\n')[0]!).id, [...ids].sort()[0]);
  assert.deepEqual(dirtyIds(dir), []);
  assert.ok(readFileSync(join(dir, 'issues.jsonl'), 'utf8').includes('"notes":"late"'));
  const s2 = await openSqliteStore(dir, { separateConnection: true });
  await s2.update(ids[1]!, { notes: 'closing' }, 'x');
  await s2.close();
  assert.deepEqual(dirtyIds(dir), []);
  assert.ok(readFileSync(join(dir, 'issues.jsonl'), 'utf8').includes('"notes":"closing"'));
}));

test('JSONL pulled under unexported writes: the database wins for the dirty ids, the file for the rest', withStore(async (s, dir) => {
  const a = await s.create({ title: 'a' }, 'x');
  const b = await s.create({ title: 'b' }, 'x');
  const c = await s.create({ title: 'c' }, 'x');
  await s.flush();
  await s.update(a.id, { title: 'a (local, not yet exported)' }, 'x');
  await s.update(c.id, { title: 'c (local, not yet exported)' }, 'x');
  // git pull rewrites the file before the flush: edits a and b, drops c, adds d.
  const path = join(dir, 'issues.jsonl');
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; title: string });
  const pulled = lines.filter((l) => l.id !== c.id).map((l) => ({ ...l, title: `${l.title} (pulled)` }));
  pulled.push({ ...pulled[0]!, id: 'tt-zzz', title: 'd (pulled)' });
  writeFileSync(path, pulled.map((l) => JSON.stringify(l)).join('\n') + '\n');
  await s.flush();
  const titles = Object.fromEntries((await s.list()).map((i) => [i.id, i.title]));
  assert.deepEqual(titles, { [a.id]: 'a (local, not yet exported)', [b.id]: 'b (pulled)', [c.id]: 'c (local, not yet exported)', 'tt-zzz': 'd (pulled)' });
  assert.equal(readFileSync(path, 'utf8'), await s.exportText());
  assert.deepEqual(dirtyIds(dir), []);
  assert.deepEqual((await s.doctor()).problems, []);
}));

test('a deleted JSONL is written back in full', withStore(async (s, dir) => {
  const a = await s.create({ title: 'a' }, 'x');
  await s.flush();
  rmSync(join(dir, 'issues.jsonl'));
  await s.flush();
  assert.deepEqual(jsonlIds(dir), [a.id]);
}));

test('close() after a failed flush does not throw: the write committed, its rows stay dirty for the next flush', withStore(async (s, dir) => {
  const a = await s.create({ title: 'a' }, 'x');
  await s.flush();
  const b = await s.create({ title: 'b' }, 'x'); // committed; its export waits for the flush
  const path = join(dir, 'issues.jsonl');
  rmSync(path);
  mkdirSync(join(path, 'blocker'), { recursive: true }); // the flush cannot read or replace a directory
  await s.close();
  assert.deepEqual(dirtyIds(dir), [b.id]);
  rmSync(path, { recursive: true });
  const again = await openSqliteStore(dir); // the next opener exports it
  await again.close();
  assert.deepEqual(jsonlIds(dir), [a.id, b.id].sort());
}));

test('a pulled file with another key order is rewritten canonical', withStore(async (s, dir) => {
  const a = await s.create({ title: 'a', description: 'd' }, 'x');
  await s.flush();
  const path = join(dir, 'issues.jsonl');
  const rec = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const first = { id: rec.id, ...Object.fromEntries(Object.entries(rec).reverse()) }; // starts with the id, other keys reversed
  writeFileSync(path, JSON.stringify(first) + '\n');
  await s.refresh();
  assert.equal(readFileSync(path, 'utf8'), await s.exportText());
  assert.deepEqual((await s.doctor()).problems, []);
  assert.equal((await s.mustGet(a.id)).description, 'd');
}));

test('a conflicted JSONL: reads warn and serve the database, writes are refused, export is the way out', withStore(async (s, dir) => {
  const a = await s.create({ title: 'a' }, 'x');
  await s.flush();
  const path = join(dir, 'issues.jsonl');
  const good = readFileSync(path, 'utf8');
  const conflicted = `<<<<<<< HEAD\n${good}=======\n${good}>>>>>>> other\n`;
  writeFileSync(path, conflicted);
  assert.deepEqual((await s.list()).map((i) => i.id), [a.id]);
  const refused = (e: unknown) => e instanceof UserError && /git conflict marker: changes are refused/.test(e.message) && /resolve the conflict/.test(e.hint ?? '') && !/bd export/.test(e.hint ?? '');
  await assert.rejects(s.create({ title: 'b' }, 'x'), refused);
  await assert.rejects(s.transaction(async (tx) => { await tx.create({ title: 'b' }, 'x'); }), refused);
  assert.equal(readFileSync(path, 'utf8'), conflicted); // reads and refused writes leave it alone
  assert.match((await s.doctor()).problems.join('\n'), /issues\.jsonl:1: git conflict marker/);
  assert.equal((await s.exportAll()).count, 1);
  assert.equal(readFileSync(path, 'utf8'), good);
  await s.create({ title: 'b' }, 'x');
  assert.equal((await s.list()).length, 2);
}));

test('a git pull that rewrites the JSONL while a flush builds its export is imported, not undone', withStore(async (s, dir) => {
  const a = await s.create({ title: 'a' }, 'x');
  const b = await s.create({ title: 'b' }, 'x');
  await s.flush();
  const path = join(dir, 'issues.jsonl');
  const pulled = readFileSync(path, 'utf8').replace('"title":"b"', '"title":"b (pulled)"');
  await s.update(a.id, { title: 'a (local)' }, 'x');
  // The pull lands between the temp file's write and its rename (fstat runs in between).
  const real = fs.fstatSync;
  let raced = false;
  (fs as { fstatSync: unknown }).fstatSync = (...args: Parameters<typeof fs.fstatSync>) => {
    const st = real(...args);
    if (!raced) {
      raced = true;
      writeFileSync(path, pulled);
    }
    return st;
  };
  syncBuiltinESMExports();
  try {
    await s.flush();
  } finally {
    (fs as { fstatSync: unknown }).fstatSync = real;
    syncBuiltinESMExports();
  }
  assert.ok(raced);
  assert.equal((await s.mustGet(b.id)).title, 'b (pulled)');
  const lines = readFileSync(path, 'utf8');
  assert.ok(lines.includes('"title":"a (local)"') && lines.includes('"title":"b (pulled)"'), lines);
  assert.deepEqual((await s.doctor()).problems, []);
}));

// ---- the JSONL flushed off the command's path (a large file) ---------------------------------

/** Runs fn as if the JSONL were large: the automatic flush is handed to the detached flusher. */
async function handedOff(fn: () => Promise<void>): Promise<void> {
  const prev = process.env.BD_JSONL_INLINE_BYTES;
  process.env.BD_JSONL_INLINE_BYTES = '0';
  try {
    await fn();
  } finally {
    if (prev === undefined) delete process.env.BD_JSONL_INLINE_BYTES;
    else process.env.BD_JSONL_INLINE_BYTES = prev;
  }
}

function metaValue(dir: string, key: string): string | undefined {
  const db = new Database(join(dir, 'beads.db'), { readonly: true });
  try {
    return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  } finally {
    db.close();
  }
}

function setMetaValue(dir: string, key: string, value: string): void {
  const db = new Database(join(dir, 'beads.db'));
  try {
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  } finally {
    db.close();
  }
}

/** Waits (bounded) until the detached flusher has exported everything and released its claim. */
async function caughtUp(dir: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (dirtyIds(dir).length || metaValue(dir, 'jsonl_flusher') !== undefined) {
    if (Date.now() > until) throw new Error(`the flusher did not catch up: dirty ${dirtyIds(dir).join(', ')}, claim ${metaValue(dir, 'jsonl_flusher')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a large JSONL is brought up to date by the detached flusher: nothing lost, wisps left out, the claim released', withStore(async (s, dir) => {
  const a = await s.create({ title: 'a' }, 'x');
  await s.flush();
  await handedOff(async () => {
    const b = await s.create({ title: 'b' }, 'x');
    await s.update(a.id, { notes: 'changed' }, 'x');
    await s.create({ title: 'patrol', ephemeral: true }, 'x');
    await s.closeIssues([b.id], 'done', 'x');
    await tick();
    await caughtUp(dir);
    assert.equal(readFileSync(join(dir, 'issues.jsonl'), 'utf8'), await s.exportText());
    assert.deepEqual(jsonlIds(dir), [a.id, b.id].sort());
    assert.deepEqual((await s.doctor()).problems, []);
  });
}));

test('while a live flusher holds the job no other is started; flush() still writes the file now', withStore(async (s, dir) => {
  await s.create({ title: 'a' }, 'x');
  await s.flush();
  setMetaValue(dir, 'jsonl_flusher', `${process.ppid} ${Date.now()}`); // a live process, just stamped
  await handedOff(async () => {
    const b = await s.create({ title: 'b' }, 'x');
    await tick();
    await tick();
    assert.deepEqual(dirtyIds(dir), [b.id], 'left for the flusher that holds the job');
    await s.flush(); // what bd sync, bd export, doctor and branch sync call first
    assert.deepEqual(dirtyIds(dir), []);
    assert.equal(readFileSync(join(dir, 'issues.jsonl'), 'utf8'), await s.exportText());
  });
}));

test('a flusher that died leaves its job to the next writer, which starts another', withStore(async (s, dir) => {
  await s.create({ title: 'a' }, 'x');
  await s.flush();
  await handedOff(async () => {
    setMetaValue(dir, 'jsonl_flusher', `${process.ppid} ${Date.now()}`);
    const b = await s.create({ title: 'b' }, 'x'); // a live claim: left dirty
    await tick();
    assert.deepEqual(dirtyIds(dir), [b.id]);
    setMetaValue(dir, 'jsonl_flusher', `${process.ppid} ${Date.now() - 10 * 60_000}`); // its stamp went stale
    const c = await s.create({ title: 'c' }, 'x');
    await tick();
    await caughtUp(dir);
    assert.ok(jsonlIds(dir).includes(b.id) && jsonlIds(dir).includes(c.id));
    assert.equal(readFileSync(join(dir, 'issues.jsonl'), 'utf8'), await s.exportText());
  });
}));

test('a pull while exports are pending (large file): the database wins for the dirty ids, the file for the rest', withStore(async (s, dir) => {
  const a = await s.create({ title: 'a' }, 'x');
  const b = await s.create({ title: 'b' }, 'x');
  await s.flush();
  await handedOff(async () => {
    setMetaValue(dir, 'jsonl_flusher', `${process.ppid} ${Date.now()}`); // keep the export pending
    await s.update(b.id, { title: 'b (local)' }, 'x');
    await tick();
    assert.deepEqual(dirtyIds(dir), [b.id]);
    const path = join(dir, 'issues.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"title":"a"', '"title":"a (pulled)"').replace('"title":"b"', '"title":"b (pulled)"'));
    assert.deepEqual((await s.list()).map((i) => i.title).sort(), ['a (pulled)', 'b (local)']);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes('"title":"a (pulled)"') && text.includes('"title":"b (local)"'), text);
    assert.equal(text, await s.exportText());
  });
}));

test('the flusher builds the file without the lock: an id written again meanwhile stays dirty and goes out in its next round', withStore(async (s, dir) => {
  const a = await s.create({ title: 'a' }, 'x');
  const b = await s.create({ title: 'b' }, 'x');
  await s.flush();
  await s.update(b.id, { notes: 'first' }, 'x'); // pending, for the flusher below
  await handedOff(async () => {
    setMetaValue(dir, 'jsonl_flusher', `${process.ppid} ${Date.now()}`); // no flusher of its own: the one below is it
  });
  // The write lands after the flusher's snapshot, while it writes its temp file (fstat runs then).
  const real = fs.fstatSync;
  let raced = false;
  (fs as { fstatSync: unknown }).fstatSync = (...args: Parameters<typeof fs.fstatSync>) => {
    const st = real(...args);
    if (!raced) {
      raced = true;
      void s.update(b.id, { notes: 'meanwhile' }, 'x'); // the id being exported, again (its own connection, committed at once)
      void s.update(a.id, { notes: 'also' }, 'x'); // and one that was not dirty
    }
    return st;
  };
  syncBuiltinESMExports();
  try {
    openEngine(dir, { mirrorRole: 'flusher' }).close(); // what flusher.ts runs
  } finally {
    (fs as { fstatSync: unknown }).fstatSync = real;
    syncBuiltinESMExports();
  }
  assert.ok(raced);
  assert.deepEqual(dirtyIds(dir), []);
  assert.equal(metaValue(dir, 'jsonl_flusher'), undefined);
  const text = readFileSync(join(dir, 'issues.jsonl'), 'utf8');
  assert.ok(text.includes('"notes":"meanwhile"') && text.includes('"notes":"also"') && !text.includes('"notes":"first"'), text);
  assert.equal(text, await s.exportText());
}));
