// What every store backend must do, as node:test cases: storeConformance('sqlite', make) runs
// them against one backend. Only the neutral interface (api.ts) is used here: no files, no
// flush. SQLite's own tests (the JSONL mirror) live in sqlite/; PostgreSQL's in test/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, InternalError, NotFoundError, UserError } from '../lib/errors.js';
import type { Issue, Store, Tx } from './api.js';

export interface StoreFixture {
  /** A fresh, empty store with the prefix asked for. */
  store: Store;
  /** Another handle on the same data, as another process would open it (its own connection). */
  openAnother(): Promise<Store>;
  /** Closes what the fixture opened and removes the data. */
  dispose(): Promise<void>;
}

export type MakeStore = (prefix: string) => Promise<StoreFixture>;

const rec = (id: string, title: string, extra = '') =>
  `{"id":"${id}","title":"${title}","status":"open","priority":2,"issue_type":"task","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"${extra}}\n`;

/** Settles after every timer and immediate queued so far: lets other async flows run. */
const pause = (ms = 5) => new Promise<void>((r) => setTimeout(r, ms));

/** Awaits p while holding the event loop open (a backend's change polling may be unref'd, as it should be). */
export async function awaitAlive<T>(p: Promise<T>): Promise<T> {
  const keep = setInterval(() => undefined, 1000);
  try {
    return await p;
  } finally {
    clearInterval(keep);
  }
}

export function storeConformance(name: string, make: MakeStore): void {
  const withStore = (fn: (s: Store, f: StoreFixture) => Promise<void>) => async () => {
    const f = await make('tt');
    try {
      await fn(f.store, f);
    } finally {
      await f.dispose();
    }
  };
  const it = (title: string, fn: (s: Store, f: StoreFixture) => Promise<void>) => test(`${name}: ${title}`, withStore(fn));

  // ---- issues and ids ------------------------------------------------------------------------

  it('create, get by partial id, defaults, events', async (s) => {
    assert.equal(s.prefix, 'tt');
    assert.ok(s.location);
    const a = await s.create({ title: 'First', description: 'why' }, 'alice');
    assert.match(a.id, /^tt-[0-9a-z]{3,}$/);
    assert.equal(a.status, 'open');
    assert.equal(a.priority, 2);
    assert.equal(a.issue_type, 'task');
    assert.equal(a.created_by, 'alice');
    assert.equal(a.description, 'why');
    assert.deepEqual([a.labels, a.dependencies, a.comments, a.fields], [[], [], [], {}]);
    assert.equal((await s.get(a.id.slice(3)))!.id, a.id);
    assert.equal(await s.resolveId(a.id.slice(0, 5)), a.id);
    assert.equal(await s.get('tt-nope'), undefined);
    await assert.rejects(s.mustGet('tt-nope'), NotFoundError);
    await assert.rejects(s.resolveId('  '), UserError);
    assert.deepEqual((await s.events(a.id)).map((e) => e.event_type), ['created']);
  });

  it('explicit ids: taken ones conflict, bad ones are refused; getExact never prefix-matches', async (s) => {
    const a = await s.create({ title: 'x', id: 'tt-abcd' }, 'a');
    assert.equal(a.id, 'tt-abcd');
    await assert.rejects(s.create({ title: 'y', id: 'tt-abcd' }, 'a'), ConflictError);
    await assert.rejects(s.create({ title: 'y', id: 'has space' }, 'a'), UserError);
    assert.equal(await s.getExact('tt-abc'), undefined);
    assert.equal((await s.getExact('tt-abcd'))!.title, 'x');
  });

  it('bad input is refused and changes nothing', async (s) => {
    await s.create({ title: 'x' }, 'a');
    await assert.rejects(s.create({ title: 'y', priority: 7 }, 'a'), UserError);
    await assert.rejects(s.create({ title: '  ' }, 'a'), UserError);
    await assert.rejects(s.create({ title: 'z', deps: [{ type: 'blocks', id: 'tt-missing' }] }, 'a'), NotFoundError);
    await assert.rejects(s.setConfig('Bad Key', 'v'), UserError);
    assert.equal((await s.list()).length, 1);
  });

  it('children get <parent>.N and inherit blocking; ready order, blocked, explain', async (s) => {
    const epic = await s.create({ title: 'epic', issue_type: 'epic', priority: 1 }, 'a');
    const c1 = await s.create({ title: 'child one', parent: epic.id, priority: 3 }, 'a');
    const c2 = await s.create({ title: 'child two', parent: epic.id, priority: 0 }, 'a');
    assert.equal(c1.id, `${epic.id}.1`);
    assert.equal(c2.id, `${epic.id}.2`);
    const gate = await s.create({ title: 'prerequisite', priority: 4 }, 'a');
    assert.deepEqual((await s.ready()).map((i) => i.id), [c2.id, epic.id, c1.id, gate.id]);
    assert.deepEqual((await s.ready({ limit: 2 })).map((i) => i.id), [c2.id, epic.id]);
    await s.addDependency(epic.id, gate.id, 'blocks', 'a');
    assert.deepEqual((await s.ready()).map((i) => i.id), [gate.id]);
    const blocked = await s.blocked();
    assert.deepEqual(blocked.map((b) => b.issue.id).sort(), [epic.id, c1.id, c2.id].sort());
    assert.deepEqual(blocked.find((b) => b.issue.id === epic.id)!.blockers, [gate.id]);
    assert.ok((await s.explain(c1.id)).some((r) => r.includes(epic.id)));
    assert.ok((await s.explain(epic.id)).some((r) => r.includes(gate.id)));
    await s.closeIssues([gate.id], 'done', 'a');
    assert.deepEqual((await s.ready()).map((i) => i.id), [c2.id, epic.id, c1.id]);
    assert.deepEqual(await s.explain(c1.id), []);
    await s.reopen(gate.id, 'a');
    assert.equal((await s.ready()).length, 1);
    assert.deepEqual((await s.list({ parent: epic.id })).map((i) => i.id), [c1.id, c2.id]);
    assert.deepEqual((await s.dependents(epic.id, 'parent-child')).map((i) => i.id), [c1.id, c2.id]);
    assert.deepEqual((await s.doctor()).problems, []);
  });

  it('createChildren: ids in order, edges among them, blocked state, a cycle refused whole', async (s) => {
    const mol = await s.create({ title: 'molecule', issue_type: 'molecule' }, 'a');
    const ids = await s.createChildren(mol.id, [{ title: 'one' }, { title: 'two', labels: ['step'] }, { title: 'three', fields: { k: 'v' } }],
      [{ from: 1, to: 0, type: 'blocks' }, { from: 2, to: 1, type: 'blocks' }], 'a');
    assert.deepEqual(ids, [1, 2, 3].map((n) => `${mol.id}.${n}`));
    assert.deepEqual((await s.ready({ parent: mol.id })).map((i) => i.id), [ids[0]]);
    assert.deepEqual((await s.mustGet(ids[1]!)).labels, ['step']);
    assert.deepEqual((await s.list({ fields: { k: 'v' } })).map((i) => i.id), [ids[2]]);
    await s.closeIssues([ids[0]!], undefined, 'a');
    assert.deepEqual((await s.ready({ parent: mol.id })).map((i) => i.id), [ids[1]]);
    await assert.rejects(s.createChildren(mol.id, [{ title: 'x' }, { title: 'y' }],
      [{ from: 0, to: 1, type: 'blocks' }, { from: 1, to: 0, type: 'blocks' }], 'a'), /cycle/);
    assert.equal((await s.list({ parent: mol.id })).length, 3);
    const next = await s.create({ title: 'after', parent: mol.id }, 'a');
    assert.equal(next.id, `${mol.id}.4`);
    assert.deepEqual((await s.doctor()).problems, []);
  });

  it('cycles are refused for blocking kinds, allowed for related; removeDependency', async (s) => {
    const a = await s.create({ title: 'a' }, 'x');
    const b = await s.create({ title: 'b', deps: [{ type: 'blocks', id: a.id }] }, 'x');
    const c = await s.create({ title: 'c', deps: [{ type: 'blocks', id: b.id }] }, 'x');
    await assert.rejects(s.addDependency(a.id, c.id, 'blocks', 'x'), /cycle/);
    await assert.rejects(s.addDependency(a.id, a.id, 'related', 'x'), /itself/);
    await s.addDependency(a.id, c.id, 'related', 'x');
    assert.deepEqual(await s.cycles(), []);
    assert.equal((await s.allEdges()).length, 3);
    await s.removeDependency(c.id, b.id, undefined, 'x');
    assert.deepEqual((await s.ready()).map((i) => i.id).sort(), [a.id, c.id].sort());
    await assert.rejects(s.removeDependency(c.id, b.id, undefined, 'x'), NotFoundError);
    assert.deepEqual((await s.dependents(a.id)).map((i) => i.id), [b.id]);
  });

  it('claim is compare-and-set: second claimer gets "already claimed by"', async (s) => {
    const a = await s.create({ title: 'work' }, 'x');
    const claimed = await s.claim(a.id, 'alice');
    assert.equal(claimed.status, 'in_progress');
    assert.equal(claimed.assignee, 'alice');
    assert.equal((await s.claim(a.id, 'alice')).assignee, 'alice'); // idempotent
    await assert.rejects(s.claim(a.id, 'bob'), (e: unknown) => e instanceof ConflictError && /already claimed by alice/.test(e.message));
    assert.ok((await s.events(a.id)).some((e) => e.event_type === 'claimed' && e.actor === 'alice'));
    await assert.rejects(s.compareAndSet(a.id, { status: 'open' }, { status: 'closed' }, 'bob'), ConflictError);
    await assert.rejects(s.compareAndSet(a.id, { assignee: null }, { status: 'closed' }, 'bob'), ConflictError);
    const done = await s.compareAndSet(a.id, { status: ['in_progress', 'hooked'], assignee: 'alice' }, { status: 'closed' }, 'alice');
    assert.equal(done.status, 'closed');
    assert.ok(done.closed_at);
    await assert.rejects(s.claim(a.id, 'alice'), ConflictError);
  });

  it('labels, comments, fields, filters, wisps', async (s) => {
    const a = await s.create({ title: 'agent bead', issue_type: 'agent', labels: ['gt', 'x'], fields: { role_type: 'polecat', rig: 'r1' } }, 'x');
    const w = await s.create({ title: 'patrol', ephemeral: true }, 'x');
    await s.addLabel(a.id, 'y', 'x');
    await s.removeLabel(a.id, 'x', 'x');
    const c = await s.addComment(a.id, 'hello', 'bob');
    assert.equal(c.id, 1);
    await assert.rejects(s.addComment(a.id, '  ', 'bob'), UserError);
    await s.update(a.id, { fields: { agent_state: 'working', rig: null }, assignee: 'bob' }, 'x');
    const got = await s.mustGet(a.id);
    assert.deepEqual(got.labels, ['gt', 'y']);
    assert.deepEqual(got.fields, { role_type: 'polecat', agent_state: 'working' });
    assert.equal(got.comments[0]!.text, 'hello');
    assert.deepEqual((await s.list({ fields: { role_type: 'polecat' } })).map((i) => i.id), [a.id]);
    assert.deepEqual((await s.list({ label: ['gt', 'y'], assignee: 'bob' })).map((i) => i.id), [a.id]);
    assert.equal((await s.list({ type: 'agent' })).length, 1);
    assert.equal((await s.list({ excludeType: ['agent'] })).length, 0);
    assert.equal((await s.ready()).length, 0); // agent beads are not work, wisps never ready
    assert.deepEqual((await s.list()).map((i) => i.id), [a.id]);
    assert.equal((await s.list({ includeEphemeral: true })).length, 2);
    assert.deepEqual((await s.list({ text: 'AGENT', includeEphemeral: true })).map((i) => i.id), [a.id]);
    assert.deepEqual((await s.list({ ids: [w.id], includeEphemeral: true })).map((i) => i.id), [w.id]);
    assert.equal((await s.mustGet(w.id)).ephemeral, true);
    assert.doesNotMatch(await s.exportText(), new RegExp(w.id)); // wisps are never exported
    assert.deepEqual((await s.events(a.id)).map((e) => e.event_type), ['created', 'label_added', 'label_removed', 'commented', 'updated']);
    const st = await s.stats();
    assert.equal(st.total, 1);
    assert.equal(st.ephemeral, 1);
  });

  it('list by fields: strings, numbers, booleans; updates, deletions and imports keep it current', async (s) => {
    const a = await s.create({ title: 'agent a', issue_type: 'agent', fields: { role_type: 'polecat', n: 3, live: true, nested: { x: 1 } } }, 'x');
    const b = await s.create({ title: 'agent b', issue_type: 'agent', fields: { role_type: 'crew', n: 4, live: false } }, 'x');
    const ids = async (f: Record<string, unknown>) => (await s.list({ fields: f })).map((i) => i.id);
    assert.deepEqual(await ids({ role_type: 'polecat' }), [a.id]);
    assert.deepEqual(await ids({ n: 4 }), [b.id]);
    assert.deepEqual(await ids({ n: '4' }), []); // a number is not its text
    assert.deepEqual(await ids({ live: true }), [a.id]);
    assert.deepEqual(await ids({ live: false, role_type: 'crew' }), [b.id]);
    assert.deepEqual(await ids({ nested: { x: 1 } }), [a.id]);
    await s.update(a.id, { fields: { role_type: 'crew', live: null } }, 'x');
    assert.deepEqual(await ids({ role_type: 'crew' }), [a.id, b.id].sort());
    assert.deepEqual(await ids({ live: true }), []);
    assert.deepEqual(await ids({ live: null, role_type: 'crew' }), [a.id]);
    await s.importText(rec(b.id, 'agent b', ',"issue_type":"agent","role_type":"witness"').replace('"issue_type":"task",', ''), 'test', 'x');
    assert.deepEqual(await ids({ role_type: 'witness' }), [b.id]);
    assert.deepEqual(await ids({ n: 4 }), []);
  });

  it('import: counts, exact ids (pp-abc beside pp-abcd), foreign dependency targets kept verbatim, export round-trips', async (s) => {
    await s.importText(rec('pp-abcd', 'long'), 'test', 'x');
    assert.deepEqual(await s.importText(rec('pp-abc', 'short'), 'test', 'x'), { created: 1, updated: 0, unchanged: 0 });
    assert.deepEqual(await s.importText(rec('pp-abc', 'short'), 'test', 'x'), { created: 0, updated: 0, unchanged: 1 });
    assert.deepEqual(await s.importText(rec('pp-abc', 'shorter'), 'test', 'x'), { created: 0, updated: 1, unchanged: 0 });
    assert.equal((await s.getExact('pp-abcd'))!.title, 'long');
    assert.equal(await s.getExact('pp-ab'), undefined);
    const t = await s.create({ title: 'local' }, 'x');
    await s.addDependency(t.id, 'pp-ab', 'related', 'x');
    assert.deepEqual((await s.mustGet(t.id)).dependencies.map((d) => d.depends_on_id), ['pp-ab']);
    await assert.rejects(s.importText('{"id":"tt-bad"', 'bad.jsonl', 'x'), UserError);
    const text = await s.exportText();
    assert.deepEqual(text.trim().split('\n').map((l) => JSON.parse(l).id), ['pp-abc', 'pp-abcd', t.id].sort());
    assert.deepEqual(await s.importText(text, 'again', 'x'), { created: 0, updated: 0, unchanged: 3 });
  });

  it('creating an id that others already depend on blocks them', async (s) => {
    await s.importText(rec('tt-dep', 'waits', ',"dependencies":[{"issue_id":"tt-dep","depends_on_id":"tt-later","type":"blocks","created_at":"2026-01-01T00:00:00Z"}]'), 'test', 'x');
    assert.deepEqual((await s.ready()).map((i) => i.id), ['tt-dep']); // the blocker does not exist yet
    await s.create({ title: 'the blocker', id: 'tt-later' }, 'x');
    assert.deepEqual((await s.ready()).map((i) => i.id), ['tt-later']);
    assert.deepEqual((await s.blocked()).map((b) => b.issue.id), ['tt-dep']);
    assert.deepEqual((await s.doctor()).problems, []);
  });

  it('purgeWisps deletes wisps without a trace, frees what they blocked, and refuses anything exported', async (s) => {
    const root = await s.create({ title: 'patrol', issue_type: 'molecule', ephemeral: true }, 'x');
    const step = await s.create({ title: 'step', parent: root.id, ephemeral: true }, 'x');
    const work = await s.create({ title: 'real work' }, 'x');
    await s.addDependency(work.id, step.id, 'blocks', 'x');
    assert.deepEqual((await s.ready()).map((i) => i.id), []);
    await assert.rejects(s.purgeWisps([step.id, work.id], 'x'), (e: unknown) => e instanceof UserError && /is not a wisp/.test((e as Error).message));
    assert.ok(await s.getExact(step.id), 'a refused purge changes nothing');
    await s.purgeWisps([root.id, step.id], 'x');
    assert.equal(await s.getExact(root.id), undefined);
    assert.equal(await s.getExact(step.id), undefined);
    assert.deepEqual((await s.mustGet(work.id)).dependencies, []);
    assert.deepEqual((await s.ready()).map((i) => i.id), [work.id], 'no longer blocked by the purged step');
    assert.deepEqual((await s.doctor()).problems, []);
  });

  it('config and custom statuses', async (s) => {
    assert.equal(await s.getConfig('sync.branch'), undefined);
    await s.setConfig('sync.branch', 'beads-sync');
    assert.deepEqual(await s.config(), { 'sync.branch': 'beads-sync' });
    await s.setConfig('sync.branch', undefined);
    assert.deepEqual(await s.config(), {});
    await assert.rejects(s.create({ title: 'x', status: 'in_review' }, 'a'), UserError);
    await s.setConfig('status.custom', 'in_review');
    assert.ok((await s.statuses()).has('in_review'));
    const a = await s.create({ title: 'x', status: 'in_review' }, 'a');
    const b = await s.create({ title: 'y', deps: [{ type: 'blocks', id: a.id }] }, 'a');
    assert.deepEqual((await s.blocked()).map((x) => x.issue.id), [b.id]); // a custom status still blocks
  });

  // ---- transactions ----------------------------------------------------------------------------

  it('a transaction commits all of its calls as one unit and returns fn\'s value', async (s) => {
    const ids = await s.transaction(async (tx) => {
      const a = await tx.create({ title: 'a' }, 'x');
      const b = await tx.create({ title: 'b', deps: [{ type: 'blocks', id: a.id }] }, 'x');
      assert.equal((await tx.list()).length, 2, 'a transaction reads its own writes');
      return [a.id, b.id];
    });
    assert.deepEqual((await s.list()).map((i) => i.id).sort(), [...ids].sort());
    assert.deepEqual((await s.ready()).map((i) => i.id), [ids[0]]);
  });

  it('a throw rolls the whole transaction back (claim included) and reaches the caller', async (s) => {
    const a = await s.create({ title: 'work' }, 'x');
    await assert.rejects(s.transaction(async (tx) => {
      await tx.claim(a.id, 'alice');
      await tx.create({ title: 'undone' }, 'x');
      await tx.addLabel(a.id, 'hooked', 'x');
      throw new UserError('sling failed');
    }), /sling failed/);
    const after = await s.mustGet(a.id);
    assert.equal(after.status, 'open');
    assert.equal(after.assignee, undefined);
    assert.deepEqual(after.labels, []);
    assert.deepEqual((await s.list()).map((i) => i.title), ['work']);
    assert.deepEqual((await s.events(a.id)).map((e) => e.event_type), ['created']);
    await s.claim(a.id, 'bob'); // nothing of the rolled-back claim remains
  });

  it('a refused call inside a transaction undoes only itself when caught', async (s) => {
    const a = await s.create({ title: 'mine' }, 'x');
    await s.claim(a.id, 'alice');
    const made = await s.transaction(async (tx) => {
      const b = await tx.create({ title: 'kept' }, 'x');
      await assert.rejects(tx.claim(a.id, 'bob'), ConflictError);
      await assert.rejects(tx.create({ title: 'bad', priority: 9 }, 'x'), UserError);
      return b.id;
    });
    assert.equal((await s.mustGet(made)).title, 'kept');
    assert.equal((await s.mustGet(a.id)).assignee, 'alice');
  });

  it('nested transactions are savepoints: an inner throw undoes only the inner part', async (s) => {
    const kept = await s.transaction(async (tx) => {
      const a = await tx.create({ title: 'outer' }, 'x');
      await assert.rejects(tx.transaction(async (inner) => {
        await inner.create({ title: 'inner, undone' }, 'x');
        await inner.update(a.id, { title: 'renamed, undone' }, 'x');
        throw new UserError('inner fails');
      }), /inner fails/);
      await tx.transaction(async (inner) => { await inner.update(a.id, { notes: 'inner, kept' }, 'x'); });
      return a.id;
    });
    assert.deepEqual((await s.list()).map((i) => i.title), ['outer']);
    assert.equal((await s.mustGet(kept)).notes, 'inner, kept');
    // An outer throw undoes what a committed inner part did too.
    await assert.rejects(s.transaction(async (tx) => {
      await tx.transaction(async (inner) => { await inner.create({ title: 'gone with the outer' }, 'x'); });
      throw new Error('outer fails');
    }), /outer fails/);
    assert.deepEqual((await s.list()).map((i) => i.title), ['outer']);
  });

  it('two async flows on one store serialize: no lost update, no read inside the other\'s transaction', async (s) => {
    const a = await s.create({ title: 'counter', fields: { n: 0 } }, 'x');
    const bump = () => s.transaction(async (tx) => {
      const n = (await tx.mustGet(a.id)).fields.n as number;
      await pause(); // another flow gets the event loop here
      await tx.update(a.id, { fields: { n: n + 1 } }, 'x');
    });
    const seen: string[] = [];
    const outside = (async () => {
      await pause(1);
      const i = await s.mustGet(a.id); // waits for whichever transaction is open
      seen.push(`outside saw ${i.fields.n}`);
    })();
    await Promise.all([bump(), bump(), bump(), outside]);
    assert.equal((await s.mustGet(a.id)).fields.n, 3);
    assert.ok(seen[0] !== 'outside saw undefined' && seen.length === 1);
  });

  it('two concurrent claims in transactions: exactly one wins', async (s) => {
    const a = await s.create({ title: 'contested' }, 'x');
    const sling = (who: string) => s.transaction(async (tx) => {
      const i = await tx.mustGet(a.id);
      await pause();
      if (i.assignee) throw new ConflictError(`${i.id} already claimed by ${i.assignee}`, i.assignee);
      return (await tx.claim(a.id, who)).assignee;
    });
    const results = await Promise.allSettled([sling('alice'), sling('bob')]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(lost.reason instanceof ConflictError);
  });

  it('a transaction handle is dead once its transaction ends', async (s) => {
    let leaked: Tx | undefined;
    await s.transaction(async (tx) => { leaked = tx; });
    await assert.rejects(leaked!.list(), InternalError);
    await assert.rejects(leaked!.transaction(async () => undefined), InternalError);
  });

  // ---- the change signal ---------------------------------------------------------------------

  it('onChange fires after this handle\'s commits and another handle\'s, and stops when unsubscribed', async (s, f) => {
    let fired = 0;
    let wake: (() => void) | undefined;
    const next = () => new Promise<void>((r) => { wake = r; });
    const stop = s.onChange(() => { fired++; wake?.(); });
    let p = next();
    await s.create({ title: 'here' }, 'x');
    await awaitAlive(p);
    assert.ok(fired >= 1);
    const other = await f.openAnother();
    try {
      p = next();
      const before = fired;
      await other.create({ title: 'there' }, 'y');
      await awaitAlive(p); // no deadline here: the test runner's timeout is the guard
      assert.ok(fired > before);
      assert.deepEqual((await s.list()).map((i: Issue) => i.title).sort(), ['here', 'there']);
    } finally {
      await other.close();
    }
    stop();
    const at = fired;
    await s.create({ title: 'unheard' }, 'x');
    await pause(20);
    assert.equal(fired, at);
  });

  it('close is idempotent', async (s, f) => {
    const other = await f.openAnother();
    await other.close();
    await other.close();
    assert.equal((await s.list()).length, 0);
  });
}
