// The merge driver on real git: two branches edit different fields of one issue and each add
// an issue; `git merge` completes without conflict markers and keeps every change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bd, tempDir, testEnv } from './support/cli.js';
import { git, gitTry } from '../src/lib/git.js';
import { mergeJsonl } from '../src/beads/merge.js';

test('git merge of two branches editing the same issue: field-level, no conflict markers', async () => {
  const { dir, cleanup } = tempDir('beads-merge-');
  try {
    const env = testEnv({ BD_ACTOR: 'merger' });
    const run = (args: string[]) => {
      const r = bd(args, { cwd: dir, env });
      assert.equal(r.code, 0, `bd ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await git(dir, ['init', '-q', '-b', 'main'], { env });
    run(['init', '--prefix', 'mg']);
    assert.match(readFileSync(join(dir, '.gitattributes'), 'utf8'), /\.beads\/issues\.jsonl merge=beads/);
    assert.match(await git(dir, ['config', 'merge.beads.driver']), /merge %O %A %B$/);
    const a = run(['create', 'Shared issue', '-p', '2', '-d', 'original', '--silent']);
    run(['create', 'Untouched', '--silent']);
    await git(dir, ['add', '.'], { env });
    await git(dir, ['commit', '-q', '-m', 'base'], { env });

    await git(dir, ['checkout', '-q', '-b', 'left'], { env });
    run(['update', a, '-p', '0']);
    run(['label', 'add', a, 'from-left']);
    run(['comment', a, 'left was here']);
    const left = run(['create', 'Made on left', '--silent']);
    await git(dir, ['commit', '-q', '-am', 'left'], { env });

    await git(dir, ['checkout', '-q', 'main'], { env });
    await git(dir, ['checkout', '-q', '-b', 'right'], { env });
    run(['update', a, '--title', 'Shared issue (renamed on right)', '--notes', 'right notes']);
    run(['label', 'add', a, 'from-right']);
    const right = run(['create', 'Made on right', '--silent']);
    await git(dir, ['commit', '-q', '-am', 'right'], { env });

    await git(dir, ['checkout', '-q', 'left'], { env });
    await git(dir, ['merge', '-q', '--no-edit', 'right'], { env });
    const text = readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8');
    assert.doesNotMatch(text, /^(<<<<<<<|=======|>>>>>>>)/m);
    assert.equal(await git(dir, ['status', '--porcelain']), '');

    // bd sees the merged file (auto-import after the merge changed it underneath).
    const shared = JSON.parse(run(['show', a, '--json']))[0];
    assert.equal(shared.priority, 0);
    assert.equal(shared.title, 'Shared issue (renamed on right)');
    assert.equal(shared.notes, 'right notes');
    assert.equal(shared.description, 'original');
    assert.deepEqual(shared.labels, ['from-left', 'from-right']);
    assert.equal(shared.comments[0].text, 'left was here');
    const ids = JSON.parse(run(['list', '--json'])).map((i: { id: string }) => i.id);
    for (const id of [a, left, right]) assert.ok(ids.includes(id), `${id} survived`);
    assert.equal(ids.length, 4);
    const doc = bd(['doctor'], { cwd: dir, env });
    assert.equal(doc.code, 0, doc.stdout);
  } finally {
    cleanup();
  }
});

test('mergeJsonl: deletions, true conflicts go to the later edit, label removals', () => {
  const line = (o: Record<string, unknown>) => JSON.stringify({ status: 'open', priority: 2, issue_type: 'task', ...o });
  const base = [line({ id: 'x-1', title: 'a', updated_at: '1', labels: ['k', 'r'] }), line({ id: 'x-2', title: 'gone', updated_at: '1' })].join('\n');
  const ours = [line({ id: 'x-1', title: 'ours', updated_at: '2', labels: ['k'] })].join('\n');
  const theirs = [line({ id: 'x-1', title: 'theirs', updated_at: '3', labels: ['k', 'n', 'r'] }), line({ id: 'x-2', title: 'gone', updated_at: '1' })].join('\n');
  const out = mergeJsonl(base, ours, theirs).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(out.length, 1); // x-2 deleted on our side, untouched on theirs
  assert.equal(out[0].title, 'theirs'); // both changed the title: the later edit wins
  assert.deepEqual(out[0].labels, ['k', 'n']); // our removal of r and their addition of n both hold
  assert.equal(out[0].updated_at, '3');
});

test('mergeJsonl: the later edit is found by instant across zone offsets', () => {
  const line = (o: Record<string, unknown>) => JSON.stringify({ status: 'open', priority: 2, issue_type: 'task', ...o });
  const base = line({ id: 'x-1', title: 'base', updated_at: '2026-01-01T00:00:00.000000Z' });
  // 10:00+02:00 is 08:00Z: earlier than 09:00Z, though it sorts later as text.
  const ours = line({ id: 'x-1', title: 'ours', updated_at: '2026-01-01T10:00:00.000000+02:00' });
  const theirs = line({ id: 'x-1', title: 'theirs', updated_at: '2026-01-01T09:00:00.000000Z' });
  const out = JSON.parse(mergeJsonl(base, ours, theirs));
  assert.equal(out.title, 'theirs');
  assert.equal(out.updated_at, '2026-01-01T09:00:00.000000Z');
  // Same millisecond: the microsecond digits decide.
  const a = line({ id: 'x-1', title: 'a', updated_at: '2026-01-01T09:00:00.000100Z' });
  const b = line({ id: 'x-1', title: 'b', updated_at: '2026-01-01T09:00:00.000020Z' });
  assert.equal(JSON.parse(mergeJsonl(base, a, b)).title, 'a');
  assert.equal(JSON.parse(mergeJsonl(base, b, a)).title, 'a');
});

test('mergeJsonl: status, closed_at and close_reason come from one side (never in_progress with a closed_at)', () => {
  const line = (o: Record<string, unknown>) => JSON.stringify({ id: 'x-1', title: 't', priority: 2, issue_type: 'task', ...o });
  const base = line({ status: 'open', updated_at: '2026-01-01T00:00:00Z' });
  const closedEarlier = line({ status: 'closed', closed_at: '2026-01-01T01:00:00Z', close_reason: 'done', updated_at: '2026-01-01T01:00:00Z' });
  const claimedLater = line({ status: 'in_progress', assignee: 'bob', updated_at: '2026-01-01T02:00:00Z' });
  const out = JSON.parse(mergeJsonl(base, closedEarlier, claimedLater));
  assert.equal(out.status, 'in_progress');
  assert.equal(out.closed_at, undefined);
  assert.equal(out.close_reason, undefined);
  assert.equal(out.assignee, 'bob');
  // Only one side touched the unit: it comes from that side whole, whichever edit is later.
  const retitledLater = line({ status: 'open', title: 'renamed', updated_at: '2026-01-01T03:00:00Z' });
  const closed = JSON.parse(mergeJsonl(base, closedEarlier, retitledLater));
  assert.deepEqual([closed.status, closed.closed_at, closed.close_reason, closed.title], ['closed', '2026-01-01T01:00:00Z', 'done', 'renamed']);
});

test('git merge of two branches that created different issues under one id: both kept, the later re-id\'d, the driver says so', async () => {
  const { dir, cleanup } = tempDir('beads-merge-dup-');
  try {
    const env = testEnv({ BD_ACTOR: 'merger' });
    const run = (args: string[]) => {
      const r = bd(args, { cwd: dir, env });
      assert.equal(r.code, 0, `bd ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await git(dir, ['init', '-q', '-b', 'main'], { env });
    run(['init', '--prefix', 'mg']);
    run(['create', 'base issue']);
    await git(dir, ['add', '.'], { env });
    await git(dir, ['commit', '-q', '-m', 'base'], { env });
    await git(dir, ['checkout', '-q', '-b', 'left'], { env });
    run(['create', 'made on left', '--id', 'mg-dup']);
    await git(dir, ['commit', '-q', '-am', 'left'], { env });
    await git(dir, ['checkout', '-q', 'main'], { env });
    await git(dir, ['checkout', '-q', '-b', 'right'], { env });
    run(['create', 'made on right', '--id', 'mg-dup']);
    await git(dir, ['commit', '-q', '-am', 'right'], { env });
    await git(dir, ['checkout', '-q', 'left'], { env });
    const m = await gitTry(dir, ['merge', '--no-edit', 'right'], { env });
    assert.equal(m.code, 0, m.stderr);
    const said = /bd merge: mg-dup -> (mg-[0-9a-z]+): both branches created a different issue under mg-dup \("made on right"\)/.exec(m.stderr + m.stdout);
    assert.ok(said, m.stderr + m.stdout);
    const titles = new Map(JSON.parse(run(['list', '--json'])).map((i: { id: string; title: string }) => [i.id, i.title]));
    assert.equal(titles.get('mg-dup'), 'made on left');
    assert.equal(titles.get(said[1]!), 'made on right');
    assert.equal(titles.size, 3);
  } finally {
    cleanup();
  }
});
