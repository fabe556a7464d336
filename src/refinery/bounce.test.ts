import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bounceReason, fixBeadDescription, fixBeadTitle, type BounceContext } from './bounce.js';

const ctx: BounceContext = { mrId: 'gt-mr1', source: { id: 'gt-abc', title: 'Add parser' }, branch: 'polecat/nux/gt-abc', mainBranch: 'main', mainCommit: '0123456789abcdef' };

test('conflict: title names the files, description lists them and says how to start', () => {
  const o = { kind: 'conflict' as const, onto: ctx.mainCommit, files: ['src/a.ts', 'README.md'], detail: 'CONFLICT (content): Merge conflict in src/a.ts' };
  assert.equal(fixBeadTitle(ctx, o), 'Fix Add parser: conflict in src/a.ts, README.md');
  const d = fixBeadDescription(ctx, o);
  assert.match(d, /bounced gt-mr1 \(branch `polecat\/nux\/gt-abc`, for gt-abc "Add parser"\) when merging it onto main at 0123456789ab/);
  assert.match(d, /Conflicting files:\n- src\/a\.ts\n- README\.md/);
  assert.match(d, /git cherry-pick main\.\.polecat\/nux\/gt-abc/);
  assert.match(d, /gt done/);
  assert.match(d, /CONFLICT \(content\)/);
});

test('many conflicting files are summarised in the title', () => {
  const files = Array.from({ length: 8 }, (_, i) => `f${i}`);
  assert.equal(bounceReason({ kind: 'conflict', onto: 'x', files, detail: '' }), 'conflict in f0, f1, f2, f3, f4 and 3 more');
});

test('red: title says failing tests (or timed out), description carries the output tail', () => {
  const o = { kind: 'red' as const, onto: 'x', testedCommit: 'fedcba9876543210', tail: 'not ok 3 - parses numbers', timedOut: false };
  assert.equal(fixBeadTitle(ctx, o), 'Fix Add parser: failing tests');
  assert.match(fixBeadDescription(ctx, o), /ran on fedcba987654[\s\S]*```\nnot ok 3 - parses numbers\n```[\s\S]*Make the tests pass/);
  assert.equal(bounceReason({ ...o, timedOut: true }), 'tests timed out');
});

test('error: the first line of the detail is the reason', () => {
  const o = { kind: 'error' as const, onto: 'x', detail: 'branch polecat/nux/gt-abc not found in the rig\'s repo\nmore' };
  assert.equal(fixBeadTitle(ctx, o), "Fix Add parser: branch polecat/nux/gt-abc not found in the rig's repo");
  assert.match(fixBeadDescription(ctx, o), /Redo the work of gt-abc on a fresh branch/);
});
