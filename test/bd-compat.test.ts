// bd as a drop-in for Beads' bd (1.0.x): the commands and flags Beads users' agents, hooks and tools
// call, each run in a real workspace and checked for its exit code and its JSON shape (Beads'
// field names, from its Go types: IssueWithCounts, IssueDetails, EpicStatus, Statistics...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { bd, gt, tempDir, testEnv } from './support/cli.js';

type J = Record<string, unknown>;
const COUNTED = ['id', 'title', 'status', 'priority', 'issue_type', 'created_at', 'updated_at', 'dependency_count', 'dependent_count', 'comment_count'];
const hasAll = (o: unknown, keys: string[], what: string) => {
  assert.ok(o && typeof o === 'object' && !Array.isArray(o), `${what}: an object`);
  for (const k of keys) assert.ok(k in (o as J), `${what}: has ${k} (keys: ${Object.keys(o as J).join(', ')})`);
};

function workspace() {
  const { dir, cleanup } = tempDir('bd-compat-');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  const env = testEnv({ BD_ACTOR: 'agent', BEADS_DIR: '', BEADS_DB: '' });
  const run = (args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; code?: number } = {}) => {
    const r = bd(args, { cwd: o.cwd ?? dir, env: o.env ?? env });
    assert.equal(r.code, o.code ?? 0, `bd ${args.join(' ')} -> ${r.code}\n${r.stderr}`);
    return r;
  };
  const json = (args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => JSON.parse(run([...args, '--json'], o).stdout);
  const id = (args: string[]) => run(args).stdout.trim();
  return { dir, env, run, json, id, cleanup };
}

test('global flags, version, prime, JSON errors', () => {
  const w = workspace();
  try {
    w.run(['init', '--prefix', 'cp']);
    const a = w.id(['q', 'first']);
    assert.match(a, /^cp-[a-z0-9]+$/, 'q prints only the id');
    // Global flags where Beads' clients put them: before the command (beads-ui: --sandbox first) and after.
    for (const args of [['--sandbox', 'list', '--json'], ['list', '--json', '--sandbox'], ['-v', 'list', '--json'], ['--verbose', 'show', a, '--json'], ['-q', '--json', 'list']]) {
      assert.ok(Array.isArray(JSON.parse(w.run(args).stdout)), args.join(' '));
    }
    assert.equal(w.json(['-C', w.dir, 'show', a], { cwd: '/' })[0].id, a, '-C: as if started there');
    // --flag=false / --flag=true on switches; values of options taking values are left alone.
    assert.ok(Array.isArray(JSON.parse(w.run(['list', '--json', '--tree=false']).stdout)));
    assert.ok(Array.isArray(JSON.parse(w.run(['list', '--json=true']).stdout)));
    assert.match(w.run(['list', '--json=false', '--flat=true']).stdout, new RegExp(`^${a} `), '--json=false: text');
    assert.equal(w.json(['update', a, '--title=false'])[0].title, 'false', 'a value option keeps "false" as its value');
    // --readonly refuses writers (exit 1, nothing changed) and lets reads through.
    const before = readFileSync(join(w.dir, '.beads', 'issues.jsonl'), 'utf8');
    const ro = w.run(['--readonly', 'create', 'nope', '--json'], { code: 1 });
    assert.match(JSON.parse(ro.stderr).error, /read-only mode/);
    w.run(['--readonly', 'close', a], { code: 1 });
    w.run(['--readonly', 'list', '--json']);
    assert.equal(readFileSync(join(w.dir, '.beads', 'issues.jsonl'), 'utf8'), before);
    // version, as a command (Beads' npm package and integrations probe with it).
    hasAll(w.json(['version']), ['version', 'build'], 'bd version --json');
    assert.match(w.run(['version']).stdout, /^bd version \d+\.\d+\.\d+/);
    const gv = gt(['version'], { cwd: w.dir, env: w.env });
    assert.equal(gv.code, 0, gv.stderr);
    assert.match(gv.stdout, /^gt version \d+\.\d+\.\d+/);
    // With --json an error is one JSON object (stderr), exit 1; a usage error too (exit 2).
    const err = w.run(['show', 'cp-nothere', '--json'], { code: 1 });
    assert.equal(err.stdout, '');
    hasAll(JSON.parse(err.stderr), ['error'], 'error object');
    assert.match(JSON.parse(w.run(['list', '--bogus', '--json'], { code: 2 }).stderr).error, /unknown option '--bogus'/);
    // prime: silent success outside a workspace (session-start hooks run it everywhere).
    const outside = tempDir('bd-compat-nowhere-');
    try {
      const p = w.run(['prime'], { cwd: outside.dir });
      assert.equal(p.stdout + p.stderr, '');
      w.run(['ready'], { cwd: outside.dir, code: 1 });
    } finally {
      outside.cleanup();
    }
    assert.match(w.run(['prime']).stdout, /# Beads issue tracker/);
    // BEADS_DB (a path to the database file, as beads-ui sets it) and BEADS_DIR both name the workspace.
    const elsewhere = tempDir('bd-compat-cwd-');
    try {
      assert.equal(w.json(['show', a], { cwd: elsewhere.dir, env: { ...w.env, BEADS_DB: join(w.dir, '.beads', 'beads.db') } })[0].id, a);
      assert.equal(w.json(['show', a], { cwd: elsewhere.dir, env: { ...w.env, BEADS_DIR: join(w.dir, '.beads') } })[0].id, a);
    } finally {
      elsewhere.cleanup();
    }
  } finally {
    w.cleanup();
  }
});

test('issues: create/update flags, list filters, show/list/ready/blocked JSON, epics, deps, labels, comments', () => {
  const w = workspace();
  try {
    w.run(['init', '--prefix', 'cp']);
    const epic = w.id(['create', 'Epic', '-t', 'epic', '--silent']);
    const a = w.id(['create', 'Alpha task', '--parent', epic, '-p', '1', '-a', 'ann', '--due', '2030-01-15', '--silent']);
    const b = w.id(['create', 'Beta bug', '-t', 'bug', '-p', '3', '--deps', a, '--defer', '+2w', '--silent']);
    const c = w.id(['create', 'Gamma chore', '-t', 'chore', '-p', '0', '--silent']);

    // create: --due / --defer as Beads' due_at / defer_until.
    const shownA = w.json(['show', a])[0];
    assert.equal(shownA.due_at, '2030-01-15T00:00:00.000Z');
    assert.ok(Date.parse(w.json(['show', b])[0].defer_until) > Date.now(), 'defer_until in the future');
    assert.deepEqual(w.json(['ready']).map((i: J) => i.id).sort(), [epic, a, c].sort(), 'deferred b is not ready (and is blocked)');

    // update: labels, notes, parent, acceptance criteria, dates.
    const u = w.json(['update', c, '--add-label', 'x,y', '--add-label', 'z', '--acceptance-criteria', 'AC', '--append-notes', 'one', '--parent', epic, '--due', '+1d'])[0];
    assert.deepEqual(u.labels, ['x', 'y', 'z']);
    assert.equal(u.acceptance_criteria, 'AC');
    assert.equal(u.notes, 'one');
    assert.ok(u.due_at);
    const u2 = w.json(['update', c, '--remove-label', 'y', '--append-notes', 'two', '--defer', '', '--due', ''])[0];
    assert.deepEqual(u2.labels, ['x', 'z']);
    assert.equal(u2.notes, 'one\ntwo');
    assert.equal(u2.due_at, undefined, "--due '' clears");
    assert.deepEqual(w.json(['update', c, '--set-labels', 'only'])[0].labels, ['only']);
    assert.equal(w.json(['show', c])[0].parent, epic);
    assert.equal(w.json(['update', c, '--parent', ''])[0].parent, undefined);
    w.run(['update', c, '--notes', 'x', '--append-notes', 'y'], { code: 2 });

    // list items: Beads' IssueWithCounts.
    const items = w.json(['list']);
    for (const i of items) hasAll(i, COUNTED, `list item ${i.id}`);
    const itemA = items.find((i: J) => i.id === a);
    assert.equal(itemA.parent, epic);
    assert.equal(itemA.dependency_count, 1);
    assert.equal(itemA.dependent_count, 1);
    // list filters.
    assert.deepEqual(w.json(['list', '--title-contains', 'BETA']).map((i: J) => i.id), [b]);
    assert.deepEqual(w.json(['list', '--priority-min', '1', '--priority-max', '2', '--sort', 'priority']).map((i: J) => i.id), [a, epic]);
    assert.deepEqual(w.json(['list', '--no-assignee']).map((i: J) => i.id).sort(), [epic, b, c].sort());
    assert.equal(w.json(['list', '--created-after', '2000-01-01']).length, 4);
    assert.equal(w.json(['list', '--created-after', '+1d']).length, 0);
    assert.deepEqual(w.json(['list', '--sort', 'priority']).map((i: J) => i.priority), [0, 1, 2, 3]);
    assert.deepEqual(w.json(['list', '--sort', 'priority', '--reverse']).map((i: J) => i.priority), [3, 2, 1, 0]);
    assert.equal(w.json(['list', '--limit', '2']).length, 2);
    w.run(['list', '--sort', 'nonsense'], { code: 1 });
    const tree = w.run(['list', '--tree']).stdout;
    assert.match(tree, new RegExp(`${epic}.*\\n\\s+└─ ${a}`), 'children under their parent');
    assert.doesNotMatch(w.run(['list', '--flat']).stdout, /└─/);

    // show: IssueDetails with dependencies/dependents as issues, counts, epic progress.
    const d = w.json(['show', a])[0];
    hasAll(d, ['id', 'title', 'dependencies', 'dependents', 'dependency_count', 'dependent_count', 'comment_count', 'parent'], 'show');
    assert.deepEqual(d.dependencies.map((x: J) => [x.id, x.title, x.dependency_type]), [[epic, 'Epic', 'parent-child']]);
    assert.deepEqual(d.dependents.map((x: J) => [x.id, x.title, x.issue_type, x.dependency_type]), [[b, 'Beta bug', 'bug', 'blocks']]);
    const e = w.json(['show', epic])[0];
    assert.equal(e.epic_total_children, 1);
    assert.equal(e.epic_closed_children, 0);
    assert.equal(e.epic_closeable, false);

    // blocked: BlockedIssue (blocked_by, blocked_by_count) with the counts.
    const bl = w.json(['blocked']);
    assert.deepEqual(bl.map((i: J) => i.id), [b]);
    hasAll(bl[0], [...COUNTED, 'blocked_by', 'blocked_by_count'], 'blocked item');
    for (const i of w.json(['ready'])) hasAll(i, COUNTED, `ready item ${i.id}`);

    // children, count, stale.
    assert.deepEqual(w.json(['children', epic]).map((i: J) => i.id), [a]);
    assert.deepEqual(w.json(['count']), { count: 4 });
    const byStatus = w.json(['count', '--by-status']);
    assert.equal(byStatus.total, 4);
    assert.deepEqual(byStatus.groups, [{ group: 'open', count: 4 }]);
    assert.deepEqual(w.json(['stale']), [], 'nothing is 30 days old');
    assert.equal(w.json(['stale', '--days', '0']).length, 4);

    // dep list / dep tree (--reverse, --max-depth, --format mermaid).
    assert.deepEqual(w.json(['dep', 'list', b]).map((x: J) => [x.id, x.dependency_type]), [[a, 'blocks']]);
    assert.deepEqual(w.json(['dep', 'list', a, '--direction', 'up']).map((x: J) => x.id), [b]);
    const nodes = w.json(['dep', 'tree', b]);
    assert.deepEqual(nodes.map((n: J) => [n.id, n.depth, n.parent_id]), [[b, 0, b], [a, 1, b], [epic, 2, a]]);
    for (const n of nodes) hasAll(n, ['id', 'title', 'status', 'depth', 'parent_id', 'truncated'], 'tree node');
    const cut = w.json(['dep', 'tree', b, '--max-depth', '1']);
    assert.deepEqual(cut.map((n: J) => n.id), [b, a]);
    assert.equal(cut[1].truncated, true);
    assert.deepEqual(w.json(['dep', 'tree', epic, '--reverse']).map((n: J) => n.id), [epic, a, b]);
    const mm = w.run(['dep', 'tree', b, '--format', 'mermaid']).stdout;
    assert.match(mm, /^flowchart TD\n/);
    assert.match(mm, new RegExp(`  ${b} --> ${a}\\n`));

    // label list-all, comments add --author, reopen --reason.
    w.run(['label', 'add', a, 'ui']);
    assert.deepEqual(w.json(['label', 'list-all']), [{ label: 'only', count: 1 }, { label: 'ui', count: 1 }]);
    const cm = w.json(['comments', 'add', a, 'from a tool', '--author', 'beads-ui']);
    hasAll(cm, ['id', 'issue_id', 'author', 'text', 'created_at'], 'comment');
    assert.equal(cm.author, 'beads-ui');
    assert.equal(w.json(['comment', a, 'plain', '-a', 'someone']).author, 'someone');
    assert.equal(w.json(['list']).find((i: J) => i.id === a).comment_count, 2);
    w.run(['close', c]);
    const re = w.json(['reopen', c, '--reason', 'not done'])[0];
    assert.equal(re.status, 'open');
    assert.equal(re.comments.at(-1).text, 'Reopened: not done');

    // epic status / close-eligible.
    w.run(['close', a]);
    const es = w.json(['epic', 'status']);
    assert.equal(es.length, 1);
    hasAll(es[0], ['epic', 'total_children', 'closed_children', 'eligible_for_close'], 'epic status');
    assert.deepEqual([es[0].epic.id, es[0].total_children, es[0].closed_children, es[0].eligible_for_close], [epic, 1, 1, true]);
    assert.equal(w.json(['epic', 'close-eligible', '--dry-run']).length, 1);
    assert.equal(w.json(['show', epic])[0].status, 'open', 'dry run changed nothing');
    assert.deepEqual(w.json(['epic', 'close-eligible']), { closed: [epic], count: 1 });
    assert.deepEqual(w.json(['epic', 'status']), []);

    // stats: Beads' summary object.
    const st = w.json(['stats']);
    hasAll(st.summary, ['total_issues', 'open_issues', 'in_progress_issues', 'closed_issues', 'blocked_issues', 'deferred_issues',
      'ready_issues', 'pinned_issues', 'epics_eligible_for_closure', 'average_lead_time_hours'], 'stats summary');
    assert.equal(st.summary.total_issues, 4);
    assert.equal(st.summary.closed_issues, 2);
    assert.equal(w.json(['status']).summary.total_issues, 4, 'bd status is the same');

    // edit: the field in $EDITOR.
    const editor = join(w.dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nprintf "edited in the editor\\n" > "$1"\n');
    chmodSync(editor, 0o755);
    const ed = JSON.parse(w.run(['edit', c, '--design', '--json'], { env: { ...w.env, EDITOR: editor } }).stdout);
    assert.equal(ed.design, 'edited in the editor');
    w.run(['edit', c], { env: { ...w.env, EDITOR: '', VISUAL: '' }, code: 1 });
  } finally {
    w.cleanup();
  }
});

test('delete (preview, dry run, force, cascade), create --file, default limits, rename-prefix', () => {
  const w = workspace();
  try {
    w.run(['init', '--prefix', 'cp']);
    // create --file: a markdown batch, all in one transaction; 105 issues for the default limits.
    const md = ['## Root task', 'Its description.', '### Priority', '1', '### Labels', 'alpha, beta', '',
      '## Depends on root', '### Type', 'bug', '### Acceptance Criteria', 'It works', ''];
    for (let n = 1; n <= 103; n++) md.push(`## Filler ${n}`, '### Priority', '4', '');
    writeFileSync(join(w.dir, 'plan.md'), md.join('\n'));
    const made = w.json(['create', '--file', 'plan.md']);
    assert.equal(made.length, 105);
    const [root, dep] = made.map((i: J) => i.id as string);
    assert.deepEqual([made[0].priority, made[0].labels, made[0].description], [1, ['alpha', 'beta'], 'Its description.']);
    assert.deepEqual([made[1].issue_type, made[1].acceptance_criteria], ['bug', 'It works']);
    writeFileSync(join(w.dir, 'bad.md'), '## A\n### Priority\nurgent\n');
    w.run(['create', '--file', 'bad.md'], { code: 1 });
    assert.equal(w.json(['count']).count, 105, 'a bad file creates nothing');
    // Default limits as Beads has them: list 50 (with a hint on stderr), ready 100; 0 = all.
    const l = w.run(['list', '--json']);
    assert.equal(JSON.parse(l.stdout).length, 50);
    assert.match(l.stderr, /--limit/);
    assert.equal(w.json(['ready']).length, 100);
    assert.equal(w.json(['ready', '--limit', '0']).length, 105);
    assert.equal(w.json(['list', '--limit', '0']).length, 105);

    w.run(['dep', 'add', dep, root]);
    w.run(['update', dep, '-d', `after ${root} lands`]);
    // Preview (no --force) and --dry-run change nothing.
    const jsonl = () => readFileSync(join(w.dir, '.beads', 'issues.jsonl'), 'utf8');
    const before = jsonl();
    const pv = w.json(['delete', root]);
    assert.deepEqual([pv.would_delete, pv.dry_run, pv.orphaned_issues], [[root], true, [dep]]);
    w.json(['delete', root, '--dry-run', '--force']);
    assert.equal(jsonl(), before);
    // --force: a tombstone; edges gone; references in text rewritten.
    const del = w.json(['delete', root, '--force']);
    assert.deepEqual(del, { deleted: root, dependencies_removed: 1, references_updated: 1 });
    assert.match(w.run(['show', root], { code: 1 }).stderr, /was deleted/);
    const after = w.json(['show', dep])[0];
    assert.equal(after.description, `after [deleted:${root}] lands`);
    assert.equal(after.dependencies.length, 0);
    const tomb = jsonl().split('\n').filter(Boolean).map((x) => JSON.parse(x)).find((r: J) => r.id === root);
    assert.equal(tomb.status, 'tombstone');
    hasAll(tomb, ['deleted_at', 'deleted_by', 'delete_reason', 'original_type'], 'tombstone record');
    w.run(['delete', 'cp-nothere', '--force'], { code: 1 });
    // --cascade: what depends on it goes too.
    const [f1, f2, f3] = made.slice(2, 5).map((i: J) => i.id as string);
    w.run(['dep', 'add', f2!, f1!]);
    w.run(['dep', 'add', f3!, f2!]);
    const cas = w.json(['delete', f1!, '--cascade', '--force']);
    assert.deepEqual(cas.deleted.sort(), [f1, f2, f3].sort());
    assert.equal(cas.deleted_count, 3);
    hasAll(cas, ['dependencies_removed', 'labels_removed', 'events_removed', 'references_updated', 'orphaned_issues'], 'batch delete');
    assert.equal(w.json(['count']).count, 101);

    // rename-prefix: every id and every mention in text; the old database is kept aside.
    assert.equal(w.json(['rename-prefix', 'np', '--dry-run']).dry_run, true);
    assert.equal(w.json(['show', dep])[0].id, dep);
    const rn = w.json(['rename-prefix', 'np']);
    assert.deepEqual([rn.old_prefix, rn.new_prefix], ['cp', 'np']);
    const renamed = dep.replace(/^cp-/, 'np-');
    const shown = w.json(['show', renamed])[0];
    assert.equal(shown.description, `after [deleted:${root.replace(/^cp-/, 'np-')}] lands`);
    assert.equal(w.json(['count']).count, 101);
    assert.match(w.id(['q', 'after rename']), /^np-/);
    assert.ok(readdirSync(join(w.dir, '.beads')).some((f) => f.startsWith('beads.db-before-rename-')), 'the old database kept aside');
  } finally {
    w.cleanup();
  }
});
