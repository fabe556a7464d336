import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type BeadStore } from './store.js';
import { ConflictError, InternalError, NotFoundError, UserError } from '../lib/errors.js';

function withStore(fn: (s: BeadStore, dir: string) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beads-store-'));
    const s = openStore(join(dir, '.beads'), { create: true, prefix: 'tt' });
    try {
      await fn(s, join(dir, '.beads'));
    } finally {
      s.close();
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

test('create, get by partial id, defaults, export line after the tick', withStore(async (s, dir) => {
  const a = s.create({ title: 'First', description: 'why' }, 'alice');
  // The write committed without touching the JSONL; its id waits in the dirty table for the flush.
  assert.equal(existsSync(join(dir, 'issues.jsonl')), false);
  assert.deepEqual(dirtyIds(dir), [a.id]);
  await tick();
  assert.deepEqual(dirtyIds(dir), []);
  assert.match(a.id, /^tt-[0-9a-z]{3,}$/);
  assert.equal(a.status, 'open');
  assert.equal(a.priority, 2);
  assert.equal(a.issue_type, 'task');
  assert.equal(a.created_by, 'alice');
  assert.equal(s.get(a.id.slice(3))!.id, a.id);
  assert.equal(s.resolveId(a.id.slice(0, 5)), a.id);
  assert.deepEqual(jsonlIds(dir), [a.id]);
  const line = JSON.parse(readFileSync(join(dir, 'issues.jsonl'), 'utf8'));
  assert.deepEqual(Object.keys(line), ['id', 'title', 'description', 'status', 'priority', 'issue_type', 'created_at', 'created_by', 'updated_at']);
  assert.equal(s.get('tt-nope'), undefined);
  assert.throws(() => s.mustGet('tt-nope'), NotFoundError);
  assert.deepEqual(s.events(a.id).map((e) => e.event_type), ['created']);
}));

test('bad input is refused and changes nothing', withStore((s, dir) => {
  s.create({ title: 'x' }, 'a');
  s.flush();
  const before = readFileSync(join(dir, 'issues.jsonl'), 'utf8');
  assert.throws(() => s.create({ title: 'y', priority: 7 }, 'a'), UserError);
  assert.throws(() => s.create({ title: '  ' }, 'a'), UserError);
  assert.throws(() => s.create({ title: 'z', deps: [{ type: 'blocks', id: 'tt-missing' }] }, 'a'), NotFoundError);
  assert.equal(s.list().length, 1);
  assert.deepEqual(dirtyIds(dir), []); // a rolled-back write leaves nothing to export
  s.flush();
  assert.equal(readFileSync(join(dir, 'issues.jsonl'), 'utf8'), before);
}));

test('children get <parent>.N and inherit blocking; ready order and explain', withStore((s) => {
  const epic = s.create({ title: 'epic', issue_type: 'epic', priority: 1 }, 'a');
  const c1 = s.create({ title: 'child one', parent: epic.id, priority: 3 }, 'a');
  const c2 = s.create({ title: 'child two', parent: epic.id, priority: 0 }, 'a');
  assert.equal(c1.id, `${epic.id}.1`);
  assert.equal(c2.id, `${epic.id}.2`);
  const gate = s.create({ title: 'prerequisite', priority: 4 }, 'a');
  assert.deepEqual(s.ready().map((i) => i.id), [c2.id, epic.id, c1.id, gate.id]);
  s.addDependency(epic.id, gate.id, 'blocks', 'a');
  assert.deepEqual(s.ready().map((i) => i.id), [gate.id]);
  assert.deepEqual(s.blocked().map((b) => b.issue.id).sort(), [epic.id, c1.id, c2.id].sort());
  assert.ok(s.explain(c1.id).some((r) => r.includes(epic.id)));
  assert.ok(s.explain(epic.id).some((r) => r.includes(gate.id)));
  s.closeIssues([gate.id], 'done', 'a');
  assert.deepEqual(s.ready().map((i) => i.id), [c2.id, epic.id, c1.id]);
  assert.deepEqual(s.explain(c1.id), []);
  s.reopen(gate.id, 'a');
  assert.equal(s.ready().length, 1);
  assert.equal(s.doctor().ok, true, s.doctor().problems.join('; '));
}));

test('cycles are refused for blocking kinds, allowed for related', withStore((s) => {
  const a = s.create({ title: 'a' }, 'x');
  const b = s.create({ title: 'b', deps: [{ type: 'blocks', id: a.id }] }, 'x');
  const c = s.create({ title: 'c', deps: [{ type: 'blocks', id: b.id }] }, 'x');
  assert.throws(() => s.addDependency(a.id, c.id, 'blocks', 'x'), /cycle/);
  assert.throws(() => s.addDependency(a.id, a.id, 'related', 'x'), /itself/);
  s.addDependency(a.id, c.id, 'related', 'x');
  assert.deepEqual(s.cycles(), []);
  s.removeDependency(c.id, b.id, undefined, 'x');
  assert.deepEqual(s.ready().map((i) => i.id).sort(), [a.id, c.id].sort());
  assert.throws(() => s.removeDependency(c.id, b.id, undefined, 'x'), NotFoundError);
}));

test('claim is compare-and-set: second claimer gets "already claimed by"', withStore((s) => {
  const a = s.create({ title: 'work' }, 'x');
  const claimed = s.claim(a.id, 'alice');
  assert.equal(claimed.status, 'in_progress');
  assert.equal(claimed.assignee, 'alice');
  assert.equal(s.claim(a.id, 'alice').assignee, 'alice'); // idempotent
  assert.throws(() => s.claim(a.id, 'bob'), (e: unknown) => e instanceof ConflictError && /already claimed by alice/.test(e.message));
  assert.ok(s.events(a.id).some((e) => e.event_type === 'claimed' && e.actor === 'alice'));
  assert.throws(() => s.compareAndSet(a.id, { status: 'open' }, { status: 'closed' }, 'bob'), ConflictError);
  const done = s.compareAndSet(a.id, { status: 'in_progress', assignee: 'alice' }, { status: 'closed' }, 'alice');
  assert.equal(done.status, 'closed');
  assert.ok(done.closed_at);
}));

test('labels, comments, fields, filters, wisps', withStore((s, dir) => {
  const a = s.create({ title: 'agent bead', issue_type: 'agent', labels: ['gt', 'x'], fields: { role_type: 'polecat', rig: 'r1' } }, 'x');
  s.flush();
  const w = s.create({ title: 'patrol', ephemeral: true }, 'x');
  assert.deepEqual(dirtyIds(dir), []); // wisps are never exported, so never dirty
  s.addLabel(a.id, 'y', 'x');
  s.removeLabel(a.id, 'x', 'x');
  const c = s.addComment(a.id, 'hello', 'bob');
  assert.equal(c.id, 1);
  s.update(a.id, { fields: { agent_state: 'working', rig: null }, assignee: 'bob' }, 'x');
  const got = s.mustGet(a.id);
  assert.deepEqual(got.labels, ['gt', 'y']);
  assert.deepEqual(got.fields, { role_type: 'polecat', agent_state: 'working' });
  assert.equal(got.comments[0]!.text, 'hello');
  assert.deepEqual(s.list({ fields: { role_type: 'polecat' } }).map((i) => i.id), [a.id]);
  assert.deepEqual(s.list({ label: ['gt', 'y'], assignee: 'bob' }).map((i) => i.id), [a.id]);
  assert.deepEqual(s.list({ type: 'agent' }).length, 1);
  assert.equal(s.ready().length, 0); // agent beads are not work, wisps never ready
  assert.deepEqual(s.list().map((i) => i.id), [a.id]);
  assert.equal(s.list({ includeEphemeral: true }).length, 2);
  s.flush();
  assert.deepEqual(jsonlIds(dir), [a.id]); // the wisp is never exported
  const line = JSON.parse(readFileSync(join(dir, 'issues.jsonl'), 'utf8'));
  assert.equal(line.agent_state, 'working');
  assert.equal(s.mustGet(w.id).ephemeral, true);
  assert.deepEqual(s.events(a.id).map((e) => e.event_type), ['created', 'label_added', 'label_removed', 'commented', 'updated']);
}));

test('auto-import: a JSONL changed underneath is loaded before the next command', withStore((s, dir) => {
  const a = s.create({ title: 'one' }, 'x');
  const b = s.create({ title: 'two' }, 'x');
  s.flush();
  const path = join(dir, 'issues.jsonl');
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const edited = lines.filter((l) => l.id !== b.id).map((l) => ({ ...l, title: 'one (edited on another branch)' }));
  edited.push({ id: 'tt-zzz', title: 'from git', status: 'open', priority: 1, issue_type: 'bug', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' });
  writeFileSync(path, edited.map((l) => JSON.stringify(l)).join('\n') + '\n');
  assert.equal(s.mustGet(a.id).title, 'one'); // get does not refresh; list/ready do
  assert.deepEqual(s.list().map((i) => i.title), ['one (edited on another branch)', 'from git']);
  assert.equal(s.get(b.id), undefined);
  assert.equal(s.ready()[0]!.id, 'tt-zzz');
}));

test('a second store on the same db sees writes and keeps the export whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beads-store-'));
  try {
    const s1 = openStore(join(dir, '.beads'), { create: true, prefix: 'tt' });
    const s2 = openStore(join(dir, '.beads'));
    assert.equal(s2.prefix, 'tt');
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push((i % 2 ? s1 : s2).create({ title: `n${i}` }, 'x').id);
    s1.flush(); // whoever flushes first exports everyone's dirty ids
    assert.deepEqual(dirtyIds(join(dir, '.beads')), []);
    assert.deepEqual(jsonlIds(join(dir, '.beads')), [...ids].sort());
    assert.equal(s1.exportText(), readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8'));
    s1.close(); s2.close();
    assert.throws(() => openStore(join(dir, 'nowhere', '.beads')), (e: unknown) => e instanceof UserError && /bd init/.test(e.hint ?? ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the writes of one tick share one flush; close and exportAll flush at once', withStore(async (s, dir) => {
  const ids = Array.from({ length: 50 }, (_, i) => s.create({ title: `w${i}` }, 'x').id);
  s.closeIssues(ids.slice(0, 10), 'done', 'x');
  assert.equal(existsSync(join(dir, 'issues.jsonl')), false);
  assert.deepEqual(dirtyIds(dir), [...ids].sort());
  await tick();
  assert.deepEqual(jsonlIds(dir), [...ids].sort());
  assert.equal(s.exportText(), readFileSync(join(dir, 'issues.jsonl'), 'utf8'));
  s.update(ids[0]!, { notes: 'late' }, 'x');
  assert.equal(s.exportAll().count, 50);
  assert.equal(JSON.parse(readFileSync(join(dir, 'issues.jsonl'), 'utf8').split('\n')[0]!).id, [...ids].sort()[0]);
  assert.deepEqual(dirtyIds(dir), []);
  assert.ok(readFileSync(join(dir, 'issues.jsonl'), 'utf8').includes('"notes":"late"'));
  const s2 = openStore(dir);
  s2.update(ids[1]!, { notes: 'closing' }, 'x');
  s2.close();
  assert.deepEqual(dirtyIds(dir), []);
  assert.ok(readFileSync(join(dir, 'issues.jsonl'), 'utf8').includes('"notes":"closing"'));
}));

test('JSONL pulled under unexported writes: the database wins for the dirty ids, the file for the rest', withStore((s, dir) => {
  const a = s.create({ title: 'a' }, 'x');
  const b = s.create({ title: 'b' }, 'x');
  const c = s.create({ title: 'c' }, 'x');
  s.flush();
  s.update(a.id, { title: 'a (local, not yet exported)' }, 'x');
  s.update(c.id, { title: 'c (local, not yet exported)' }, 'x');
  // git pull rewrites the file before the flush: edits a and b, drops c, adds d.
  const path = join(dir, 'issues.jsonl');
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; title: string });
  const pulled = lines.filter((l) => l.id !== c.id).map((l) => ({ ...l, title: `${l.title} (pulled)` }));
  pulled.push({ ...pulled[0]!, id: 'tt-zzz', title: 'd (pulled)' });
  writeFileSync(path, pulled.map((l) => JSON.stringify(l)).join('\n') + '\n');
  s.flush();
  const titles = Object.fromEntries(s.list().map((i) => [i.id, i.title]));
  assert.deepEqual(titles, { [a.id]: 'a (local, not yet exported)', [b.id]: 'b (pulled)', [c.id]: 'c (local, not yet exported)', 'tt-zzz': 'd (pulled)' });
  assert.equal(readFileSync(path, 'utf8'), s.exportText());
  assert.deepEqual(dirtyIds(dir), []);
  assert.deepEqual(s.doctor().problems, []);
}));

test('a deleted JSONL is written back in full', withStore((s, dir) => {
  const a = s.create({ title: 'a' }, 'x');
  s.flush();
  rmSync(join(dir, 'issues.jsonl'));
  s.flush();
  assert.deepEqual(jsonlIds(dir), [a.id]);
}));

test('close() after a failed flush does not throw: the write committed, its rows stay dirty for the next flush', withStore((s, dir) => {
  const a = s.create({ title: 'a' }, 'x');
  s.flush();
  const b = s.create({ title: 'b' }, 'x'); // committed; its export waits for the flush
  const path = join(dir, 'issues.jsonl');
  rmSync(path);
  mkdirSync(join(path, 'blocker'), { recursive: true }); // the flush cannot read or replace a directory
  assert.doesNotThrow(() => s.close());
  assert.deepEqual(dirtyIds(dir), [b.id]);
  rmSync(path, { recursive: true });
  const again = openStore(dir); // the next opener exports it
  again.close();
  assert.deepEqual(jsonlIds(dir), [a.id, b.id].sort());
}));

test('nested writes are savepoints; async write functions are refused', withStore((s) => {
  const kept = s.write(() => {
    const a = s.create({ title: 'outer' }, 'x');
    assert.throws(() => s.write(() => {
      s.create({ title: 'inner, undone' }, 'x');
      s.update(a.id, { title: 'renamed, undone' }, 'x');
      throw new UserError('inner fails');
    }), /inner fails/);
    return a.id;
  });
  assert.deepEqual(s.list().map((i) => i.title), ['outer']);
  assert.equal(s.mustGet(kept).title, 'outer');
  assert.throws(() => s.write((async () => { s.create({ title: 'async' }, 'x'); }) as () => unknown), InternalError);
  assert.deepEqual(s.list().map((i) => i.title), ['outer']);
}));

test('creating an id that others already depend on blocks them', withStore((s) => {
  s.importText('{"id":"tt-dep","title":"waits","status":"open","priority":1,"issue_type":"task","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","dependencies":[{"issue_id":"tt-dep","depends_on_id":"tt-later","type":"blocks","created_at":"2026-01-01T00:00:00Z"}]}\n', 'test', 'x');
  assert.deepEqual(s.ready().map((i) => i.id), ['tt-dep']); // the blocker does not exist yet
  s.create({ title: 'the blocker', id: 'tt-later' }, 'x');
  assert.deepEqual(s.ready().map((i) => i.id), ['tt-later']);
  assert.deepEqual(s.blocked().map((b) => b.issue.id), ['tt-dep']);
  assert.deepEqual(s.doctor().problems, []);
}));

test('full ids are looked up exactly: importing pp-abc next to pp-abcd creates it; dep targets are not prefix-matched', withStore((s) => {
  const rec = (id: string, title: string) => `{"id":"${id}","title":"${title}","status":"open","priority":2,"issue_type":"task","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}\n`;
  s.importText(rec('pp-abcd', 'long'), 'test', 'x');
  assert.deepEqual(s.importText(rec('pp-abc', 'short'), 'test', 'x'), { created: 1, updated: 0, unchanged: 0 });
  assert.equal(s.getExact('pp-abcd')!.title, 'long');
  assert.equal(s.getExact('pp-ab'), undefined);
  const t = s.create({ title: 'local' }, 'x');
  s.addDependency(t.id, 'pp-ab', 'related', 'x'); // a foreign id that is only a prefix here: kept verbatim
  assert.deepEqual(s.mustGet(t.id).dependencies.map((d) => d.depends_on_id), ['pp-ab']);
}));

test('a pulled file with another key order is rewritten canonical', withStore((s, dir) => {
  const a = s.create({ title: 'a', description: 'd' }, 'x');
  s.flush();
  const path = join(dir, 'issues.jsonl');
  const rec = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const first = { id: rec.id, ...Object.fromEntries(Object.entries(rec).reverse()) }; // starts with the id, other keys reversed
  writeFileSync(path, JSON.stringify(first) + '\n');
  s.refresh();
  assert.equal(readFileSync(path, 'utf8'), s.exportText());
  assert.deepEqual(s.doctor().problems, []);
  assert.equal(s.mustGet(a.id).description, 'd');
}));

test('a conflicted JSONL: reads warn and serve the database, writes are refused, export is the way out', withStore((s, dir) => {
  const a = s.create({ title: 'a' }, 'x');
  s.flush();
  const path = join(dir, 'issues.jsonl');
  const good = readFileSync(path, 'utf8');
  const conflicted = `<<<<<<< HEAD\n${good}=======\n${good}>>>>>>> other\n`;
  writeFileSync(path, conflicted);
  assert.deepEqual(s.list().map((i) => i.id), [a.id]);
  assert.throws(() => s.create({ title: 'b' }, 'x'), (e: unknown) => e instanceof UserError && /git conflict marker: changes are refused/.test(e.message) && /resolve the conflict/.test(e.hint ?? '') && !/bd export/.test(e.hint ?? ''));
  assert.equal(readFileSync(path, 'utf8'), conflicted); // reads and refused writes leave it alone
  assert.match(s.doctor().problems.join('\n'), /issues\.jsonl:1: git conflict marker/);
  assert.equal(s.exportAll().count, 1);
  assert.equal(readFileSync(path, 'utf8'), good);
  s.create({ title: 'b' }, 'x');
  assert.equal(s.list().length, 2);
}));

test('list by fields: strings, numbers, booleans; updates, deletions and imports keep the field index current', withStore((s) => {
  const a = s.create({ title: 'agent a', issue_type: 'agent', fields: { role_type: 'polecat', n: 3, live: true, nested: { x: 1 } } }, 'x');
  const b = s.create({ title: 'agent b', issue_type: 'agent', fields: { role_type: 'crew', n: 4, live: false } }, 'x');
  const ids = (f: Record<string, unknown>) => s.list({ fields: f }).map((i) => i.id);
  assert.deepEqual(ids({ role_type: 'polecat' }), [a.id]);
  assert.deepEqual(ids({ n: 4 }), [b.id]);
  assert.deepEqual(ids({ n: '4' }), []); // a number is not its text
  assert.deepEqual(ids({ live: true }), [a.id]);
  assert.deepEqual(ids({ live: false, role_type: 'crew' }), [b.id]);
  assert.deepEqual(ids({ nested: { x: 1 } }), [a.id]);
  s.update(a.id, { fields: { role_type: 'crew', live: null } }, 'x');
  assert.deepEqual(ids({ role_type: 'crew' }), [a.id, b.id].sort());
  assert.deepEqual(ids({ live: true }), []);
  assert.deepEqual(ids({ live: null, role_type: 'crew' }), [a.id]);
  s.importText(`{"id":"${b.id}","title":"agent b","status":"open","priority":2,"issue_type":"agent","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","role_type":"witness"}\n`, 'test', 'x');
  assert.deepEqual(ids({ role_type: 'witness' }), [b.id]);
  assert.deepEqual(ids({ n: 4 }), []);
}));

test('a git pull that rewrites the JSONL while a flush builds its export is imported, not undone', withStore((s, dir) => {
  const a = s.create({ title: 'a' }, 'x');
  const b = s.create({ title: 'b' }, 'x');
  s.flush();
  const path = join(dir, 'issues.jsonl');
  const pulled = readFileSync(path, 'utf8').replace('"title":"b"', '"title":"b (pulled)"');
  s.update(a.id, { title: 'a (local)' }, 'x');
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
    s.flush();
  } finally {
    (fs as { fstatSync: unknown }).fstatSync = real;
    syncBuiltinESMExports();
  }
  assert.ok(raced);
  assert.equal(s.mustGet(b.id).title, 'b (pulled)');
  const lines = readFileSync(path, 'utf8');
  assert.ok(lines.includes('"title":"a (local)"') && lines.includes('"title":"b (pulled)"'), lines);
  assert.deepEqual(s.doctor().problems, []);
}));

test('purgeWisps deletes wisps without a trace, frees what they blocked, and refuses anything exported', withStore((s, dir) => {
  const root = s.create({ title: 'patrol', issue_type: 'molecule', ephemeral: true }, 'x');
  const step = s.create({ title: 'step', parent: root.id, ephemeral: true }, 'x');
  const work = s.create({ title: 'real work' }, 'x');
  s.addDependency(work.id, step.id, 'blocks', 'x');
  assert.deepEqual(s.ready().map((i) => i.id), []);
  s.flush();
  assert.throws(() => s.purgeWisps([step.id, work.id], 'x'), (e: unknown) => e instanceof UserError && /is not a wisp/.test((e as Error).message));
  assert.ok(s.getExact(step.id), 'a refused purge changes nothing');
  s.purgeWisps([root.id, step.id], 'x');
  assert.equal(s.getExact(root.id), undefined);
  assert.equal(s.getExact(step.id), undefined);
  assert.deepEqual(s.mustGet(work.id).dependencies, []);
  assert.deepEqual(s.ready().map((i) => i.id), [work.id], 'no longer blocked by the purged step');
  s.flush();
  assert.deepEqual(jsonlIds(dir), [work.id]);
  assert.doesNotMatch(readFileSync(join(dir, 'issues.jsonl'), 'utf8'), new RegExp(step.id.replace('.', '\\.')));
  assert.deepEqual(s.doctor().problems, []);
}));
