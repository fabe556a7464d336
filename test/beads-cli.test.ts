// bd as agents call it: bad input gets one clear line and a non-zero exit and changes nothing;
// routes resolve foreign ids; the actor is recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { bd, tempDir, testEnv } from './support/cli.js';

test('bad input: one line, non-zero exit, database and JSONL unchanged', () => {
  const { dir, cleanup } = tempDir('beads-cli-');
  try {
    const env = testEnv({ BD_ACTOR: 'cli' });
    const ok = (args: string[]) => {
      const r = bd(args, { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    ok(['init', '--prefix', 'ee']);
    const a = ok(['create', 'first', '--silent']);
    const b = ok(['create', 'second', '--deps', `blocks:${a}`, '--silent']);
    const snapshot = () => readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8') + ok(['list', '--all', '--json']) + ok(['events', a, '--json']);
    const before = snapshot();
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"id":"ee-new","title":"fine","status":"open","priority":1,"issue_type":"task","created_at":"x","updated_at":"x"}\n{"id": broken\n');
    const cases: [string[], number, RegExp][] = [
      [['show', 'ee-doesnotexist'], 1, /issue not found: ee-doesnotexist/],
      [['update', 'ee-doesnotexist', '--status', 'closed'], 1, /issue not found/],
      [['create', 'x', '-p', '7'], 1, /invalid priority "7"/],
      [['update', a, '-p', 'high'], 1, /invalid priority "high"/],
      [['update', a, '--status', 'done'], 1, /unknown status "done" \(configure it: bd config set status.custom "done"\)/],
      [['dep', 'add', a, b], 1, /would create a dependency cycle/],
      [['import', bad], 1, /bad\.jsonl:2: malformed JSON/],
      [['close', a, 'ee-nope'], 1, /issue not found: ee-nope/],
      [['create', 'labelled', '-l', 'a b'], 1, /invalid label "a b"/],
      [['list', '--bogus'], 2, /unknown option '--bogus'/],
      [['create'], 2, /title is required/],
      [['dep', 'add', a], 2, /missing required argument/],
    ];
    for (const [args, code, msg] of cases) {
      const r = bd(args, { cwd: dir, env });
      assert.equal(r.code, code, `bd ${args.join(' ')} -> ${r.code} ${r.stderr}`);
      assert.match(r.stderr.split('\n')[0]!, msg, `bd ${args.join(' ')}`);
      assert.equal(r.stdout, '', `bd ${args.join(' ')} prints nothing on stdout`);
    }
    assert.equal(snapshot(), before);
    const noDb = tempDir('beads-nodb-');
    const r = bd(['ready'], { cwd: noDb.dir, env });
    noDb.cleanup();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no beads database found/);
  } finally {
    cleanup();
  }
});

test('workflow: claim, ready --claim, close, reopen, labels, comments, tree, search, prime, actor', () => {
  const { dir, cleanup } = tempDir('beads-cli2-');
  try {
    const env = testEnv({ BD_ACTOR: 'alice' });
    const j = (args: string[], e = env) => {
      const r = bd([...args, '--json'], { cwd: dir, env: e });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    j(['init', '--prefix', 'wf']);
    const epic = j(['create', 'Epic', '-t', 'epic', '-p', '1']);
    const c1 = j(['create', 'Child', '--parent', epic.id, '-l', 'ui,api', '--assignee', 'bob']);
    assert.equal(c1.id, `${epic.id}.1`);
    assert.equal(c1.created_by, 'alice');
    const t = j(['create', 'Task', '-p', '0']);
    assert.equal(j(['ready'])[0].id, t.id);
    const claimed = j(['ready', '--claim'], testEnv({ BD_ACTOR: 'carol' }));
    assert.equal(claimed.id, t.id);
    assert.equal(claimed.assignee, 'carol');
    const r = bd(['update', t.id, '--claim', '--actor', 'dave'], { cwd: dir, env });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n')[0], `bd: ${t.id} already claimed by carol`);
    j(['close', t.id, '-r', 'done']);
    assert.equal(j(['show', t.id])[0].close_reason, 'done');
    assert.equal(j(['reopen', t.id])[0].status, 'open');
    j(['dep', 'add', epic.id, t.id]);
    assert.deepEqual(j(['blocked']).map((x: { id: string }) => x.id).sort(), [epic.id, c1.id].sort());
    const why = j(['ready', '--explain', c1.id])[0];
    assert.match(why.reasons.join(' '), new RegExp(`parent chain is blocked at ${epic.id.replace('.', '\\.')}`));
    const tree = j(['dep', 'tree', c1.id]);
    assert.deepEqual(tree.map((n: { id: string }) => n.id), [c1.id, epic.id, t.id]);
    j(['label', 'remove', c1.id, 'ui']);
    assert.deepEqual(j(['label', 'list', c1.id]), ['api']);
    j(['comment', c1.id, 'looks', 'good']);
    assert.equal(j(['comments', c1.id])[0].text, 'looks good');
    assert.equal(j(['search', 'chil'])[0].id, c1.id);
    assert.deepEqual(j(['list', '--label', 'api', '--assignee', 'bob']).map((x: { id: string }) => x.id), [c1.id]);
    assert.deepEqual(j(['list', '--parent', epic.id]).map((x: { id: string }) => x.id), [c1.id]);
    const evs = j(['events', t.id]).map((e: { event_type: string; actor: string }) => `${e.event_type}:${e.actor}`);
    assert.deepEqual(evs.slice(0, 4), ['created:alice', 'status_changed:carol', 'updated:carol', 'claimed:carol']);
    assert.ok(evs.includes('closed:alice') && evs.includes('reopened:alice'));
    const prime = bd(['prime'], { cwd: dir, env });
    assert.match(prime.stdout, /# Beads issue tracker/);
    assert.equal(j(['stats']).open, 3);
    assert.equal(bd(['doctor'], { cwd: dir, env }).code, 0);
  } finally {
    cleanup();
  }
});

test('routes: an id with another prefix resolves through .beads/routes.jsonl', () => {
  const { dir, cleanup } = tempDir('beads-routes-');
  try {
    const env = testEnv({ BD_ACTOR: 'router' });
    const hq = dir, rig = join(dir, 'rig1');
    mkdirSync(rig);
    assert.equal(bd(['init', '--prefix', 'hq'], { cwd: hq, env }).code, 0);
    assert.equal(bd(['init', '--prefix', 'rg'], { cwd: rig, env }).code, 0);
    writeFileSync(join(hq, '.beads', 'routes.jsonl'), '{"prefix":"rg-","path":"rig1"}\n');
    const id = bd(['create', 'in the rig', '--silent'], { cwd: rig, env }).stdout.trim();
    const shown = bd(['show', id, '--json'], { cwd: hq, env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout)[0].title, 'in the rig');
    assert.equal(bd(['close', id], { cwd: hq, env }).code, 0);
    assert.equal(JSON.parse(bd(['show', id, '--json'], { cwd: rig, env }).stdout)[0].status, 'closed');
  } finally {
    cleanup();
  }
});

test('update/close across two databases: a bad id in the second changes nothing in the first', () => {
  const { dir, cleanup } = tempDir('beads-routes2-');
  try {
    const env = testEnv({ BD_ACTOR: 'router' });
    const rig = join(dir, 'rig1');
    mkdirSync(rig);
    assert.equal(bd(['init', '--prefix', 'hq'], { cwd: dir, env }).code, 0);
    assert.equal(bd(['init', '--prefix', 'rg'], { cwd: rig, env }).code, 0);
    writeFileSync(join(dir, '.beads', 'routes.jsonl'), '{"prefix":"rg-","path":"rig1"}\n');
    const local = bd(['create', 'at hq', '--silent'], { cwd: dir, env }).stdout.trim();
    const remote = bd(['create', 'in the rig', '--silent'], { cwd: rig, env }).stdout.trim();
    for (const args of [['close', local, remote, 'rg-nope'], ['update', local, 'rg-nope', '--status', 'in_progress'], ['reopen', local, 'rg-nope']]) {
      const r = bd(args, { cwd: dir, env });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^bd: issue not found: rg-nope/);
      assert.equal(JSON.parse(bd(['show', local, '--json'], { cwd: dir, env }).stdout)[0].status, 'open');
      assert.equal(JSON.parse(bd(['show', remote, '--json'], { cwd: dir, env }).stdout)[0].status, 'open');
    }
    // A routed full id is never taken as a prefix of a longer local id.
    writeFileSync(join(dir, 'foreign.jsonl'), `{"id":"${remote}x","title":"local copy with a longer id","status":"open","priority":2,"issue_type":"task","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}\n`);
    assert.equal(bd(['import', join(dir, 'foreign.jsonl')], { cwd: dir, env }).code, 0);
    assert.equal(JSON.parse(bd(['show', remote, '--json'], { cwd: dir, env }).stdout)[0].title, 'in the rig');
  } finally {
    cleanup();
  }
});

test('a conflicted issues.jsonl: reads warn in one line, writes are refused, doctor says so, export fixes it', () => {
  const { dir, cleanup } = tempDir('beads-conflict-');
  try {
    const env = testEnv({ BD_ACTOR: 'cli' });
    assert.equal(bd(['init', '--prefix', 'cf'], { cwd: dir, env }).code, 0);
    const a = bd(['create', 'one', '--silent'], { cwd: dir, env }).stdout.trim();
    const path = join(dir, '.beads', 'issues.jsonl');
    const good = readFileSync(path, 'utf8');
    const conflicted = `<<<<<<< HEAD\n${good}=======\n${good.replace('one', 'uno')}>>>>>>> theirs\n`;
    writeFileSync(path, conflicted);
    const list = bd(['list', '--json'], { cwd: dir, env });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).map((i: { id: string }) => i.id), [a]);
    assert.equal(list.stderr.trim().split('\n').length, 1);
    assert.match(list.stderr, /^bd: warning: .*issues\.jsonl:1: git conflict marker/);
    const create = bd(['create', 'two'], { cwd: dir, env });
    assert.equal(create.code, 1);
    assert.equal(create.stderr.trim().split('\n').length, 1);
    assert.match(create.stderr, /git conflict marker: changes are refused until the file is valid \(resolve the conflict/);
    assert.doesNotMatch(create.stderr, /bd export/, 'never suggest the command that overwrites the file');
    assert.equal(readFileSync(path, 'utf8'), conflicted);
    const doc = bd(['doctor'], { cwd: dir, env });
    assert.equal(doc.code, 1);
    assert.match(doc.stdout, /problem: .*git conflict marker/);
    const exp = bd(['export'], { cwd: dir, env });
    assert.equal(exp.code, 0, exp.stderr);
    assert.equal(readFileSync(path, 'utf8'), good);
    assert.equal(bd(['create', 'two'], { cwd: dir, env }).code, 0);
    assert.equal(bd(['doctor'], { cwd: dir, env }).code, 0);
  } finally {
    cleanup();
  }
});

test('init with a bad prefix leaves no .beads; a newer schema is a user error', () => {
  const { dir, cleanup } = tempDir('beads-init-');
  try {
    const env = testEnv({ BD_ACTOR: 'cli' });
    const bad = bd(['init', '--prefix', '1bad'], { cwd: dir, env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^bd: invalid prefix "1bad"/);
    assert.equal(existsSync(join(dir, '.beads')), false);
    assert.equal(bd(['init', '--prefix', 'ok'], { cwd: dir, env }).code, 0);
    const db = new Database(join(dir, '.beads', 'beads.db'));
    db.prepare(`UPDATE meta SET value = '999' WHERE key = 'schema_version'`).run();
    db.close();
    const r = bd(['list'], { cwd: dir, env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bd: this database was written by a newer bd .*upgrade bd/);
  } finally {
    cleanup();
  }
});
