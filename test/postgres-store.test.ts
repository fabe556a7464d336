// The PostgreSQL store against a real server (test/support/postgres.ts): the tracker's semantics,
// the claim race, transactions, namespaces, the change signal across processes, and the JSONL
// export equal to SQLite's for the same data.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../src/beads/api.js';
import { storeConformance } from '../src/beads/conformance.js';
import { openStore } from '../src/beads/open.js';
import type { PostgresStore } from '../src/beads/postgres/store.js';
import { ConflictError, InternalError, NotFoundError, UserError } from '../src/lib/errors.js';
import { postgresServer } from './support/postgres.js';
import { sharedData, skipUnlessShared } from './support/shared-data.js';
import pg from 'pg';

const db = await postgresServer();
const skip = db.skip;
after(() => db.server?.stop());

// The suite every backend passes, each case on a fresh database.
describe('postgres: conformance', { skip }, () => {
  storeConformance('postgres', async (prefix) => {
    const url = await db.server!.createDatabase();
    const open = (create: boolean) => openStore({ kind: 'postgres', url, namespace: 'rig1', create, prefix });
    const store = await open(true);
    const others: Store[] = [];
    return {
      store,
      openAnother: async () => {
        const other = await open(false);
        others.push(other);
        await (store as PostgresStore).listen(); // the other handle's commits reach this one by NOTIFY
        return other;
      },
      dispose: async () => {
        await Promise.all([store, ...others].map((x) => x.close()));
      },
    };
  });
});

/** A test with a fresh database and a store on namespace `rig1`, prefix tt. */
function withStore(fn: (s: Store, url: string) => Promise<void>) {
  return async () => {
    const url = await db.server!.createDatabase();
    const s = await openStore({ kind: 'postgres', url, namespace: 'rig1', create: true, prefix: 'tt' });
    try {
      await fn(s, url);
    } finally {
      await s.close();
    }
  };
}

test('postgres: create, resolve, list, ready, blocked, close unblocks, parents pass blocking down', { skip }, withStore(async (s) => {
  assert.equal(s.kind, 'postgres');
  assert.equal(s.prefix, 'tt');
  assert.doesNotMatch(s.location, /gt-test/, 'the password is not in the location');
  const a = await s.create({ title: 'first', priority: 1 }, 'alice');
  const b = await s.create({ title: 'second', deps: [{ type: 'blocks', id: a.id }] }, 'alice');
  const epic = await s.create({ title: 'epic', issue_type: 'epic' }, 'alice');
  const child = await s.create({ title: 'child', parent: epic.id }, 'alice');
  assert.equal(child.id, `${epic.id}.1`);
  assert.match(a.id, /^tt-[0-9a-z]{3,}$/);
  assert.equal(await s.resolveId(a.id.slice(3)), a.id);
  assert.equal((await s.get(a.id.slice(3)))!.id, a.id);
  assert.equal(await s.get('tt-zzzzzzzz'), undefined);
  assert.deepEqual((await s.ready()).map((i) => i.id), [a.id, epic.id, child.id]);
  await s.addDependency(epic.id, b.id, 'blocks', 'alice');
  assert.deepEqual((await s.ready()).map((i) => i.id), [a.id]);
  assert.deepEqual((await s.blocked()).map((x) => [x.issue.id, x.blockers]), [[b.id, [a.id]], [epic.id, [b.id]], [child.id, [epic.id]]]);
  assert.deepEqual(await s.explain(child.id), [`its parent chain is blocked at ${epic.id}`]);
  await s.closeIssues([a.id], 'done', 'alice');
  assert.deepEqual((await s.ready()).map((i) => i.id), [b.id]);
  await s.closeIssues([b.id], undefined, 'alice');
  assert.deepEqual((await s.ready()).map((i) => i.id), [epic.id, child.id]);
  await s.reopen(a.id, 'alice');
  assert.deepEqual((await s.ready()).map((i) => i.id), [a.id, epic.id, child.id]);
  assert.equal((await s.mustGet(a.id)).closed_at, undefined);
  // child -> epic -> b -> a: a waiting on child would close a loop
  await assert.rejects(s.addDependency(a.id, child.id, 'blocks', 'x'), /would create a dependency cycle/);
  await assert.rejects(s.mustGet('tt-nope'), NotFoundError);
  assert.deepEqual((await s.doctor()).problems, []);
  assert.deepEqual((await s.dependents(a.id)).map((i) => i.id), [b.id]);
  await s.addDependency(a.id, epic.id, 'related', 'x');
  assert.deepEqual((await s.dependents(epic.id)).map((i) => i.id), [a.id, child.id].sort());
  assert.deepEqual((await s.dependents(epic.id, 'related')).map((i) => i.id), [a.id]);
  await s.removeDependency(a.id, epic.id, undefined, 'x');
  assert.deepEqual((await s.dependents(epic.id, 'related')).map((i) => i.id), []);
  assert.deepEqual((await s.events(a.id)).map((e) => e.event_type), ['created', 'closed', 'reopened', 'dependency_added', 'dependency_removed']);
  const st = await s.stats();
  assert.equal(st.total, 4);
  assert.equal(st.ready, 3);
  assert.deepEqual((await s.ready()).map((i) => i.id), [a.id, epic.id, child.id]);
}));

test('postgres: claim and compareAndSet are exactly-once under 32 concurrent claimers, 20 rounds', { skip }, withStore(async (s, url) => {
  // Four stores, four pools: 32 claims in flight on separate connections.
  const stores = [s, ...(await Promise.all([1, 2, 3].map(() => openStore({ kind: 'postgres', url, namespace: 'rig1' }))))];
  try {
    for (let round = 0; round < 20; round++) {
      const bead = await s.create({ title: `race ${round}` }, 'x');
      const results = await Promise.allSettled(Array.from({ length: 32 }, (_, i) => stores[i % 4]!.claim(bead.id, `worker-${i}`)));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, `round ${round}: one winner`);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof ConflictError, String(r.reason));
      const winner = (won[0] as PromiseFulfilledResult<{ assignee?: string }>).value.assignee!;
      const after = await s.mustGet(bead.id);
      assert.equal(after.assignee, winner);
      assert.equal(after.status, 'in_progress');
      assert.equal((await s.events(bead.id)).filter((e) => e.event_type === 'claimed').length, 1);
      // The hook's compare-and-set: only one of many may move it from in_progress to hooked.
      const cas = await Promise.allSettled(Array.from({ length: 8 }, (_, i) =>
        stores[i % 4]!.compareAndSet(bead.id, { status: 'in_progress', assignee: winner }, { status: 'hooked', fields: { by: i } }, 'x')));
      assert.equal(cas.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: one compare-and-set`);
    }
    assert.equal(await s.claim((await s.create({ title: 'mine' }, 'x')).id, 'me').then((i) => i.assignee), 'me');
    assert.deepEqual((await s.doctor()).problems, []);
  } finally {
    await Promise.all(stores.slice(1).map((x) => x.close()));
  }
}));

test('postgres: claim rules and compareAndSet expectations', { skip }, withStore(async (s) => {
  const a = await s.create({ title: 'a' }, 'x');
  const claimed = await s.claim(a.id, 'alice');
  assert.equal(claimed.status, 'in_progress');
  assert.equal((await s.claim(a.id, 'alice')).assignee, 'alice', 'claiming twice is a no-op');
  await assert.rejects(s.claim(a.id, 'bob'), (e: unknown) => e instanceof ConflictError && e.holder === 'alice');
  await assert.rejects(s.compareAndSet(a.id, { status: 'open' }, { status: 'closed' }, 'bob'), ConflictError);
  const done = await s.compareAndSet(a.id, { status: 'in_progress', assignee: 'alice' }, { status: 'closed' }, 'alice');
  assert.equal(done.status, 'closed');
  assert.ok(done.closed_at);
  await assert.rejects(s.claim(a.id, 'carol'), ConflictError);
  const evs = (await s.events(a.id)).map((e) => e.event_type);
  assert.deepEqual(evs, ['created', 'status_changed', 'updated', 'claimed', 'closed']);
}));

test('postgres: transactions commit whole, roll back whole, nest as savepoints; the outer store inside is a bug', { skip }, withStore(async (s) => {
  const kept = await s.transaction(async (tx) => {
    const a = await tx.create({ title: 'outer' }, 'x');
    await assert.rejects(tx.transaction(async (inner) => {
      await inner.create({ title: 'inner, undone' }, 'x');
      await inner.update(a.id, { title: 'renamed, undone' }, 'x');
      throw new UserError('inner fails');
    }), /inner fails/);
    await assert.rejects(tx.create({ title: '' }, 'x'), /title is required/); // a failed call undoes itself only
    await assert.rejects(s.list(), InternalError);
    return a.id;
  });
  assert.deepEqual((await s.list()).map((i) => i.title), ['outer']);
  assert.equal((await s.mustGet(kept)).title, 'outer');
  await assert.rejects(s.transaction(async (tx) => {
    await tx.create({ title: 'gone' }, 'x');
    await tx.update(kept, { title: 'gone too' }, 'x');
    throw new Error('boom');
  }), /boom/);
  assert.deepEqual((await s.list()).map((i) => i.title), ['outer']);
  let leaked: { list(): Promise<unknown> } | undefined;
  await s.transaction(async (tx) => { leaked = tx; });
  await assert.rejects(leaked!.list(), /after its transaction ended/);
  // Calls started together on one handle take turns.
  const ids = await s.transaction((tx) => Promise.all(Array.from({ length: 10 }, (_, i) => tx.create({ title: `p${i}` }, 'x').then((x) => x.id))));
  assert.equal(new Set(ids).size, 10);
}));

test('postgres: labels, comments, fields, filters, wisps, children, purge, config', { skip }, withStore(async (s) => {
  const a = await s.create({ title: 'agent bead', issue_type: 'agent', labels: ['gt', 'x'], fields: { role_type: 'polecat', rig: 'r1', n: 3, live: true, nested: { x: 1 } } }, 'x');
  const w = await s.create({ title: 'patrol', ephemeral: true }, 'x');
  await s.addLabel(a.id, 'y', 'x');
  await s.removeLabel(a.id, 'x', 'x');
  const c = await s.addComment(a.id, 'hello', 'bob');
  assert.equal(c.id, 1);
  await s.update(a.id, { fields: { agent_state: 'working', rig: null }, assignee: 'bob' }, 'x');
  const got = await s.mustGet(a.id);
  assert.deepEqual(got.labels, ['gt', 'y']);
  assert.deepEqual(got.fields, { role_type: 'polecat', n: 3, live: true, nested: { x: 1 }, agent_state: 'working' });
  assert.equal(got.comments[0]!.text, 'hello');
  const ids = async (f: Record<string, unknown>) => (await s.list({ fields: f })).map((i) => i.id);
  assert.deepEqual(await ids({ role_type: 'polecat' }), [a.id]);
  assert.deepEqual(await ids({ n: 3 }), [a.id]);
  assert.deepEqual(await ids({ n: '3' }), []);
  assert.deepEqual(await ids({ live: true, role_type: 'polecat' }), [a.id]);
  assert.deepEqual(await ids({ nested: { x: 1 } }), [a.id]);
  assert.deepEqual(await ids({ rig: null }), [a.id]);
  assert.deepEqual((await s.list({ label: ['gt', 'y'], assignee: 'bob' })).map((i) => i.id), [a.id]);
  assert.deepEqual((await s.list({ text: 'AGENT' })).map((i) => i.id), [a.id]);
  assert.equal((await s.ready()).length, 0);
  assert.deepEqual((await s.list()).map((i) => i.id), [a.id]);
  assert.equal((await s.list({ includeEphemeral: true })).length, 2);
  assert.deepEqual((await s.events(a.id)).map((e) => e.event_type), ['created', 'label_added', 'label_removed', 'commented', 'updated']);
  // children in one call, blocked among themselves
  const mol = await s.create({ title: 'molecule', issue_type: 'molecule', ephemeral: true }, 'x');
  const steps = await s.createChildren(mol.id, [{ title: 's1', ephemeral: true }, { title: 's2', ephemeral: true, labels: ['l'] }], [{ from: 1, to: 0, type: 'blocks' }], 'x');
  assert.deepEqual(steps, [`${mol.id}.1`, `${mol.id}.2`]);
  assert.deepEqual((await s.ready({ includeEphemeral: true })).map((i) => i.id), [w.id, steps[0]]);
  await assert.rejects(s.createChildren(mol.id, [{ title: 'c1' }, { title: 'c2' }], [{ from: 0, to: 1, type: 'blocks' }, { from: 1, to: 0, type: 'blocks' }], 'x'), /cycle/);
  const work = await s.create({ title: 'real work' }, 'x');
  await s.addDependency(work.id, steps[1]!, 'blocks', 'x');
  await assert.rejects(s.purgeWisps([steps[0]!, work.id], 'x'), /is not a wisp/);
  await s.purgeWisps([mol.id, ...steps], 'x');
  assert.equal(await s.getExact(steps[0]!), undefined);
  assert.deepEqual((await s.mustGet(work.id)).dependencies, []);
  assert.deepEqual((await s.ready()).map((i) => i.id), [work.id]);
  // config and custom statuses
  await s.setConfig('status.custom', 'in_review');
  assert.deepEqual(await s.config(), { 'status.custom': 'in_review' });
  assert.ok((await s.statuses()).has('in_review'));
  await s.update(work.id, { status: 'in_review' }, 'x');
  await assert.rejects(s.update(work.id, { status: 'bogus' }, 'x'), /unknown status/);
  await assert.rejects(s.setConfig('Bad Key', 'x'), UserError);
  await s.setConfig('status.custom', undefined);
  assert.equal(await s.getConfig('status.custom'), undefined);
  await assert.rejects(s.create({ title: 'nul \u0000 inside' }, 'x'), UserError);
  assert.deepEqual((await s.doctor()).problems, []);
}));

test('postgres: a writer that waits out the busy timeout fails as busy, naming the store; claims outside a transaction still run', { skip }, withStore(async (s, url) => {
  const a = await s.create({ title: 'a' }, 'x');
  process.env.BD_BUSY_TIMEOUT_MS = '300';
  const other = await openStore({ kind: 'postgres', url, namespace: 'rig1' });
  delete process.env.BD_BUSY_TIMEOUT_MS;
  let release: () => void = () => {};
  const held = new Promise<void>((r) => { release = r; });
  let entered: () => void = () => {};
  const inside = new Promise<void>((r) => { entered = r; });
  const tx = s.transaction(async (t) => { await t.create({ title: 'holding the lock' }, 'x'); entered(); await held; });
  try {
    await inside;
    await assert.rejects(other.create({ title: 'waits' }, 'y'), (e: unknown) => e instanceof UserError && /is busy/.test(e.message) && /namespace rig1/.test(e.message));
    assert.equal((await other.claim(a.id, 'y')).assignee, 'y', 'a claim needs only its row');
  } finally {
    release();
    await tx;
    await other.close();
  }
  assert.equal((await s.list()).length, 2);
}));

test('postgres: namespaces are separate stores in one database; a missing one is refused without create', { skip }, withStore(async (s, url) => {
  const hq = await openStore({ kind: 'postgres', url, namespace: 'hq', create: true, prefix: 'hq' });
  try {
    await s.create({ title: 'in the rig' }, 'x');
    await hq.create({ title: 'in the hq' }, 'x');
    assert.deepEqual((await hq.list()).map((i) => i.title), ['in the hq']);
    assert.deepEqual((await s.list()).map((i) => i.title), ['in the rig']);
    const again = await openStore({ kind: 'postgres', url, namespace: 'rig1', prefix: 'other' });
    assert.equal(again.prefix, 'tt', 'the stored prefix wins');
    await again.close();
    await assert.rejects(openStore({ kind: 'postgres', url, namespace: 'nowhere' }), (e: unknown) => e instanceof UserError && /no beads store "nowhere"/.test(e.message));
    await assert.rejects(openStore({ kind: 'postgres', url, namespace: 'bad name!' }), UserError);
    await assert.rejects(openStore({ kind: 'postgres', url: url.replace(/\/[^/]*$/, '/postgres').replace(/:\d+\//, ':1/'), namespace: 'x' }), UserError);
  } finally {
    await hq.close();
  }
}));

test('postgres: a database named in the URL that does not exist is created with create', { skip }, async () => {
  const u = new URL(db.server!.adminUrl);
  u.pathname = `/gt_town_${process.pid}`;
  const s = await openStore({ kind: 'postgres', url: u.toString(), namespace: 'hq', create: true, prefix: 'hq' });
  try {
    assert.equal((await s.create({ title: 'x' }, 'x')).id.startsWith('hq-'), true);
  } finally {
    await s.close();
  }
});

const childScript = `
import { openStore } from ${JSON.stringify(new URL('../src/beads/open.js', import.meta.url).href)};
const s = await openStore({ kind: 'postgres', url: process.argv[2], namespace: 'rig1' });
await s.create({ title: 'from another process' }, 'child');
await s.close();
`;

const holderScript = `
import { openStore } from ${JSON.stringify(new URL('../src/beads/open.js', import.meta.url).href)};
const s = await openStore({ kind: 'postgres', url: process.argv[2], namespace: 'rig1' });
await s.transaction(async (t) => {
  await t.create({ title: 'never committed' }, 'stuck');
  process.stdout.write('holding\\n');
  process.kill(process.pid, 'SIGSTOP'); // a hung process: alive, its connection open, its transaction idle
});
`;

test('postgres: a transaction left idle by a stopped process is ended by the server; other writers go on', { skip }, withStore(async (s, url) => {
  const dir = mkdtempSync(join(tmpdir(), 'gt-pg-stuck-'));
  const script = join(dir, 'holder.mjs');
  writeFileSync(script, holderScript);
  // Its busy timeout of 1 s makes it give up idle transactions after 2 s.
  const child = spawn(process.execPath, [script, url], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BD_BUSY_TIMEOUT_MS: '1000' } });
  try {
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d: Buffer) => { if (/holding/.test(String(d))) res(); });
      child.on('exit', (code) => rej(new Error(`holder exited with ${code}`)));
    });
    // This writer waits as long as its default busy timeout (60 s); the server frees the lock after 2.
    const made = await s.create({ title: 'after the stuck one' }, 'x');
    assert.equal(made.title, 'after the stuck one');
    assert.deepEqual((await s.list()).map((i) => i.title), ['after the stuck one'], 'the stuck transaction was rolled back');
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}));

test('postgres: onChange fires for this store at once and for another process through NOTIFY', { skip }, withStore(async (s, url) => {
  let calls = 0;
  let wake: () => void = () => {};
  const off = s.onChange(() => { calls++; wake(); });
  const woken = () => new Promise<void>((r) => { wake = r; });
  let w = woken();
  await s.create({ title: 'here' }, 'x');
  await w;
  assert.ok(calls >= 1);
  await (s as PostgresStore).listen();
  const dir = mkdtempSync(join(tmpdir(), 'gt-pg-child-'));
  try {
    const script = join(dir, 'child.mjs');
    writeFileSync(script, childScript);
    w = woken();
    const before = calls;
    const code = await new Promise<number | null>((res) => spawn(process.execPath, [script, url], { stdio: 'inherit' }).on('exit', res));
    assert.equal(code, 0);
    await w;
    assert.ok(calls > before);
    assert.deepEqual((await s.list()).map((i) => i.title).sort(), ['from another process', 'here']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    off();
  }
  const quiet = calls;
  await s.list(); // reads do not signal
  await s.create({ title: 'after unsubscribing' }, 'x');
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, quiet);
}));

test('postgres: a dropped LISTEN connection comes back, tells its listeners once, and hears other writers again', { skip }, withStore(async (s, url) => {
  let calls = 0;
  let wake: () => void = () => {};
  const woken = () => new Promise<void>((r) => { wake = r; });
  const off = s.onChange(() => { calls++; wake(); });
  const other = await openStore({ kind: 'postgres', url, namespace: 'rig1' });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await (s as PostgresStore).listen();
    let w = woken();
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`);
    assert.equal(killed.rowCount, 1);
    await w; // the reconnect signals: commits may have been missed meanwhile
    await (s as PostgresStore).listen();
    w = woken();
    const before = calls;
    await other.create({ title: 'after the reconnect' }, 'y');
    await w;
    assert.ok(calls > before);
  } finally {
    off();
    await admin.end();
    await other.close();
  }
}));

/** A small Beads-shaped export: dependencies, labels, comments, extra fields, a custom status. */
const SAMPLE = [
  { id: 'tt-a1', title: 'A <one> & "two"', description: 'd', status: 'open', priority: 1, issue_type: 'feature', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-02T00:00:00Z', labels: ['a', 'b'], comments: [{ id: 1, issue_id: 'tt-a1', author: 'x', text: 'hi', created_at: '2026-01-01T00:00:01Z' }] },
  { id: 'tt-a1.1', title: 'child', status: 'in_review', priority: 2, issue_type: 'task', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', dependencies: [{ issue_id: 'tt-a1.1', depends_on_id: 'tt-a1', type: 'parent-child', created_at: '2026-01-01T00:00:00Z' }], zeta: 1, alpha: { k: [1, 2] } },
  { id: 'tt-b2', title: 'blocked one', status: 'open', priority: 0, issue_type: 'bug', created_at: '2026-01-03T00:00:00Z', updated_at: '2026-01-03T00:00:00Z', dependencies: [{ issue_id: 'tt-b2', depends_on_id: 'tt-a1', type: 'blocks', created_at: '2026-01-03T00:00:00Z', created_by: 'me' }], closed_at: undefined },
  { id: 'tt-c3', title: 'closed', status: 'closed', priority: 3, issue_type: 'task', created_at: '2026-01-04T00:00:00Z', updated_at: '2026-01-04T00:00:00Z', closed_at: '2026-01-05T00:00:00Z', close_reason: 'done' },
].map((r) => JSON.stringify(r)).join('\n') + '\n';

test('postgres: importText and exportText give the same JSONL as the SQLite store', { skip }, withStore(async (s) => {
  const dir = mkdtempSync(join(tmpdir(), 'gt-pg-vs-sqlite-'));
  const lite = await openStore({ kind: 'sqlite', beadsDir: join(dir, '.beads'), create: true, prefix: 'tt' });
  try {
    for (const store of [s, lite]) {
      const counts = await store.importText(SAMPLE, 'sample', 'x');
      assert.deepEqual(counts, { created: 4, updated: 0, unchanged: 0 });
      assert.deepEqual(await store.importText(SAMPLE, 'sample', 'x'), { created: 0, updated: 0, unchanged: 4 });
      await store.update('tt-c3', { notes: 'note' }, 'x');
      await store.create({ title: 'wisp', ephemeral: true }, 'x');
      await store.addLabel('tt-b2', 'zz', 'x');
    }
    const text = await s.exportText();
    assert.equal(text.split('\n').filter(Boolean).length, 4);
    // updated_at differs between the two runs; everything else is byte for byte the same.
    const norm = (t: string) => t.replace(/"updated_at":"[^"]*"/g, '"updated_at":"-"');
    assert.equal(norm(text), norm(await lite.exportText()));
    assert.deepEqual((await s.ready()).map((i) => i.id), (await lite.ready()).map((i) => i.id));
    assert.deepEqual((await s.blocked()).map((b) => b.issue.id), (await lite.blocked()).map((b) => b.issue.id));
    assert.deepEqual(await s.stats(), await lite.stats());
    assert.deepEqual((await s.doctor()).problems, []);
  } finally {
    await lite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}));

test('postgres: the real Beads export imports and exports byte for byte as on SQLite', { skip: skip || skipUnlessShared('beads-export.jsonl') }, withStore(async (s) => {
  const text = readFileSync(sharedData('beads-export.jsonl')!, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'gt-pg-real-'));
  const lite = await openStore({ kind: 'sqlite', beadsDir: join(dir, '.beads'), create: true, prefix: 'bd' });
  try {
    const counts = await s.importText(text, 'beads-export.jsonl', 'x');
    assert.deepEqual(counts, await lite.importText(text, 'beads-export.jsonl', 'x'));
    assert.equal(await s.exportText(), await lite.exportText());
    assert.deepEqual((await s.ready()).map((i) => i.id), (await lite.ready()).map((i) => i.id));
    assert.deepEqual((await s.blocked()).map((b) => [b.issue.id, b.blockers]), (await lite.blocked()).map((b) => [b.issue.id, b.blockers]));
    assert.deepEqual(await s.stats(), await lite.stats());
    assert.deepEqual((await s.doctor()).problems, []);
  } finally {
    await lite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}));
