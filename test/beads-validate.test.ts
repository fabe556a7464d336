// What enters the tracker goes through one validator: `bd import` and a JSONL that arrives by git
// refuse a bad record with one line naming it and change nothing; Beads' custom statuses are
// accepted (registered, exported unchanged, never ready) instead of freezing every write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bd, tempDir, testEnv } from './support/cli.js';

const rec = (id: string, over: Record<string, unknown> = {}) => JSON.stringify({
  id, title: `t ${id}`, status: 'open', priority: 2, issue_type: 'task', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', ...over,
});

function project(prefix: string) {
  const { dir, cleanup } = tempDir('beads-validate-');
  const env = testEnv({ BD_ACTOR: 'tester' });
  const run = (args: string[]) => bd(args, { cwd: dir, env });
  const ok = (args: string[]) => {
    const r = run(args);
    assert.equal(r.code, 0, `bd ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  ok(['init', '--prefix', prefix]);
  const jsonl = join(dir, '.beads', 'issues.jsonl');
  /** Every table's rows (events included) plus the JSONL: what "unchanged" means. */
  const snapshot = () => {
    const db = new Database(join(dir, '.beads', 'beads.db'), { readonly: true });
    try {
      const tables = ['issues', 'dependencies', 'labels', 'comments', 'events', 'meta'];
      return JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all())) + readFileSync(jsonl, 'utf8');
    } finally {
      db.close();
    }
  };
  return { dir, run, ok, jsonl, snapshot, cleanup };
}

test('bd import refuses a bad record with one line naming its line, and changes nothing', () => {
  const p = project('vv');
  try {
    const a = p.ok(['create', 'existing', '--silent']);
    p.ok(['label', 'add', a, 'keep']);
    const before = p.snapshot();
    const good = rec('vv-new1');
    const cases: [string, RegExp][] = [
      [rec(''), /bad\.jsonl:2: empty id$/],
      [rec('../escape'), /bad\.jsonl:2: invalid id "\.\.\/escape"/],
      [rec('vv-a b'), /bad\.jsonl:2: invalid id "vv-a b"/],
      [rec('vv-p', { priority: 99 }), /bad\.jsonl:2: vv-p: priority 99 \(must be 0 to 4\)/],
      [rec('vv-t', { title: '' }), /bad\.jsonl:2: vv-t: empty title/],
      [rec('vv-s', { dependencies: [{ issue_id: 'vv-s', depends_on_id: 'vv-s', type: 'blocks', created_at: '2026-01-01T00:00:00Z' }] }), /bad\.jsonl:2: vv-s: depends on itself \(blocks\)/],
      [rec('vv-m', { title: 'x'.repeat(1024 * 1024) }), /bad\.jsonl:2: vv-m: title is 1048576 characters \(at most 500\)/],
      [rec('vv-new1', { title: 'again' }), /bad\.jsonl:2: duplicate id vv-new1 \(also on line 1\)/],
      [rec('vv-st', { status: 'In Review!' }), /bad\.jsonl:2: vv-st: invalid status/],
      [rec('vv-x').slice(0, 40), /bad\.jsonl:2: malformed JSON/],
    ];
    for (const [second, msg] of cases) {
      writeFileSync(join(p.dir, 'bad.jsonl'), `${good}\n${second}\n`);
      const r = p.run(['import', 'bad.jsonl']);
      assert.equal(r.code, 1, `${second.slice(0, 60)} -> ${r.code} ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.split('\n')[0]!.replace(/ \(fix or remove.*$/, ''), msg);
      assert.equal(r.stdout, '');
      assert.equal(p.snapshot(), before, `the database and JSONL are unchanged after ${msg}`);
    }
  } finally {
    p.cleanup();
  }
});

test('a bad record that arrives by git: reads warn, writes are refused, the file is left as it came', () => {
  const p = project('vg');
  try {
    p.ok(['create', 'existing', '--silent']);
    const came = readFileSync(p.jsonl, 'utf8') + rec('vg-zz', { priority: 99 }) + '\n';
    writeFileSync(p.jsonl, came);
    const list = p.run(['list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, /^bd: warning: .*issues\.jsonl:2: vg-zz: priority 99/);
    const create = p.run(['create', 'more']);
    assert.equal(create.code, 1);
    assert.equal(create.stderr.trim().split('\n').length, 1);
    assert.match(create.stderr, /issues\.jsonl:2: vg-zz: priority 99 \(must be 0 to 4\): changes are refused until the file is valid/);
    assert.equal(readFileSync(p.jsonl, 'utf8'), came);
    // Fixing the line is the way out.
    writeFileSync(p.jsonl, came.replace('"priority":99', '"priority":1'));
    p.ok(['create', 'more']);
    assert.equal(JSON.parse(p.ok(['show', 'vg-zz', '--json']))[0].priority, 1);
  } finally {
    p.cleanup();
  }
});

test('custom statuses: a Beads JSONL with in_review imports, is kept unchanged, never ready, still blocks; writes go on', () => {
  const p = project('cs');
  try {
    const lines = [rec('cs-rev', { status: 'in_review', priority: 1 }), rec('cs-wait', { dependencies: [{ issue_id: 'cs-wait', depends_on_id: 'cs-rev', type: 'blocks', created_at: '2026-01-01T00:00:00Z' }] })];
    writeFileSync(join(p.dir, 'beads.jsonl'), lines.join('\n') + '\n');
    const imp = p.run(['import', 'beads.jsonl']);
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stderr, /registered custom status in_review/);
    assert.equal(p.ok(['config', 'get', 'status.custom']), 'in_review');
    assert.ok(readFileSync(p.jsonl, 'utf8').includes(lines[0]!), 'exported unchanged');
    assert.deepEqual(JSON.parse(p.ok(['ready', '--json'])).map((i: { id: string }) => i.id), []);
    assert.deepEqual(JSON.parse(p.ok(['blocked', '--json'])).map((i: { id: string }) => i.id), ['cs-wait']);
    // The next write works (the store is not frozen), and the custom status can be set by hand.
    const c = p.ok(['create', 'after', '--silent']);
    p.ok(['update', c, '--status', 'in_review']);
    assert.equal(JSON.parse(p.ok(['show', c, '--json']))[0].status, 'in_review');
    const refused = p.run(['update', c, '--status', 'qa']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unknown status "qa" \(configure it: bd config set status.custom "qa"\)/);
    // A status that arrives by git (another clone configured qa) is registered too, never dropped.
    writeFileSync(p.jsonl, readFileSync(p.jsonl, 'utf8').trimEnd().split('\n').concat(rec('cs-zqa', { status: 'qa' })).sort().join('\n') + '\n');
    p.ok(['create', 'one more']);
    assert.equal(JSON.parse(p.ok(['show', 'cs-zqa', '--json']))[0].status, 'qa');
    assert.equal(p.ok(['config', 'get', 'status.custom']), 'in_review,qa');
    assert.equal(p.run(['doctor']).code, 0);
  } finally {
    p.cleanup();
  }
});
