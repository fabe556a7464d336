import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeJsonlReport } from './merge.js';

const rec = (id: string, title: string, created: string, deps: string[] = []) => JSON.stringify({
  id, title, status: 'open', priority: 2, issue_type: 'task', created_at: created, updated_at: created,
  ...(deps.length ? { dependencies: deps.map((d) => ({ issue_id: id, depends_on_id: d, type: 'blocks', created_at: created })) } : {}),
});
const lines = (...l: string[]) => l.join('\n') + '\n';
const parse = (text: string) => new Map(text.trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.id, r]));

test('two sides that created different issues under one id: both kept, the later re-id\'d, its side\'s edges follow it', () => {
  const base = lines(rec('bd-old', 'shared', '2026-01-01T00:00:00Z'));
  const ours = lines(rec('bd-old', 'shared', '2026-01-01T00:00:00Z'), rec('bd-x1', 'ours made this', '2026-01-02T10:00:00Z'),
    rec('bd-y2', 'ours waits on it', '2026-01-02T10:00:01Z', ['bd-x1']));
  const theirs = lines(rec('bd-old', 'shared', '2026-01-01T00:00:00Z', ['bd-x1']), rec('bd-x1', 'theirs made this', '2026-01-02T11:00:00Z'),
    rec('bd-x1.1', 'a child of theirs', '2026-01-02T11:00:02Z', ['bd-x1']), rec('bd-z3', 'theirs waits on it', '2026-01-02T11:00:01Z', ['bd-x1']));
  const r = mergeJsonlReport(base, ours, theirs);
  assert.equal(r.renamed.length, 2);
  const [mv, child] = r.renamed;
  assert.deepEqual(child, { from: 'bd-x1.1', to: `${mv!.to}.1`, side: 'theirs', title: 'a child of theirs' }, 'children move with their parent');
  assert.deepEqual({ from: mv!.from, side: mv!.side, title: mv!.title }, { from: 'bd-x1', side: 'theirs', title: 'theirs made this' });
  assert.match(mv!.to, /^bd-[0-9a-z]+$/);
  const out = parse(r.text);
  assert.equal(out.get('bd-x1').title, 'ours made this');
  assert.equal(out.get(mv!.to).title, 'theirs made this');
  assert.equal(out.get(mv!.to).created_at, '2026-01-02T11:00:00Z');
  assert.deepEqual(out.get('bd-y2').dependencies.map((d: { depends_on_id: string }) => d.depends_on_id), ['bd-x1']);
  assert.deepEqual(out.get(`${mv!.to}.1`).dependencies.map((d: { issue_id: string; depends_on_id: string }) => [d.issue_id, d.depends_on_id]), [[`${mv!.to}.1`, mv!.to]]);
  assert.equal(out.has('bd-x1.1'), false);
  assert.deepEqual(out.get('bd-z3').dependencies.map((d: { depends_on_id: string }) => d.depends_on_id), [mv!.to]);
  assert.deepEqual(out.get('bd-old').dependencies.map((d: { depends_on_id: string }) => d.depends_on_id), [mv!.to], 'an edge theirs added to a shared issue follows');
  // Symmetric: merging from the other side gives the same file (both clones converge).
  assert.equal(mergeJsonlReport(base, theirs, ours).text, r.text);
  // The same issue on both sides (same created_at) is still merged field by field.
  const same = mergeJsonlReport('', lines(rec('bd-q', 'a', '2026-01-03T00:00:00Z')), lines(rec('bd-q', 'a', '2026-01-03T00:00:00Z')));
  assert.deepEqual(same.renamed, []);
});
