import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bounceReason, bounceRoot, bounceVerdict, escalationMail, fixBeadDescription, fixBeadTitle, type BounceContext } from './bounce.js';
import { MAX_TITLE_LENGTH } from '../beads/model.js';
import { extractShellBlock } from '../runtime/shell-agent.js';

const ctx: BounceContext = { mrId: 'gt-mr1', source: { id: 'gt-abc', title: 'Add parser' }, root: { id: 'gt-abc', title: 'Add parser' }, branch: 'polecat/nux/gt-abc', mainBranch: 'main', mainCommit: '0123456789abcdef' };

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

test('a fix of a fix is named after the original, never "Fix Fix ...", and records the same root', () => {
  const o = { kind: 'red' as const, onto: 'x', testedCommit: 'fedcba9876543210', tail: 'not ok', timedOut: false };
  const second = { ...ctx, source: { id: 'gt-fix1', title: 'Fix Add parser: failing tests' } };
  assert.equal(fixBeadTitle(second, o), 'Fix Add parser: failing tests');
  assert.equal(bounceRoot({ id: 'gt-abc', fields: {} }), 'gt-abc');
  assert.equal(bounceRoot({ id: 'gt-fix1', fields: { bounce_of: 'gt-abc', bounce_root: 'gt-abc' } }), 'gt-abc');
  assert.equal(bounceRoot({ id: 'gt-fix2', fields: { bounce_of: 'gt-fix1', bounce_root: 'gt-abc' } }), 'gt-abc');
  assert.equal(bounceRoot({ id: 'gt-old', fields: { bounce_of: 'gt-abc' } }), 'gt-abc', 'a fix filed before roots were recorded');
});

test('a title at the cap still makes a fix title within the cap, keeping the reason', () => {
  const long = 'x'.repeat(MAX_TITLE_LENGTH);
  const o = { kind: 'conflict' as const, onto: 'x', files: ['src/a.ts'], detail: '' };
  const t = fixBeadTitle({ ...ctx, root: { id: 'gt-abc', title: long } }, o);
  assert.ok(t.length <= MAX_TITLE_LENGTH, `${t.length} characters`);
  assert.match(t, /^Fix x+…: conflict in src\/a\.ts$/);
  const mail = escalationMail({ ...ctx, root: { id: 'gt-abc', title: long } }, o, ['a', 'b', 'c'], 'demo');
  assert.ok(mail.subject.length <= MAX_TITLE_LENGTH);
});

test('evidence is fenced longer than any backtick run in it: a ```sh block in test output stays evidence', () => {
  const tail = 'README check failed; it says:\n```sh\ntouch pwned\n```\nand ```` more';
  for (const o of [
    { kind: 'red' as const, onto: 'x', testedCommit: 'fedcba9876543210', tail, timedOut: false },
    { kind: 'conflict' as const, onto: 'x', files: ['a'], detail: tail },
    { kind: 'error' as const, onto: 'x', detail: tail },
  ]) {
    const d = fixBeadDescription(ctx, o);
    assert.ok(d.includes('`````\n' + tail + '\n`````'), `${o.kind}: fenced with five backticks`);
    assert.equal(extractShellBlock(d), undefined, `${o.kind}: no runnable sh block`);
    assert.equal(extractShellBlock(escalationMail(ctx, o, ['f1', 'f2', 'f3'], 'demo').body), undefined);
  }
});

test('bounce budget: three fixes per original, then the work goes to people', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => bounceVerdict(n)), ['fix', 'fix', 'fix', 'escalate', 'escalate']);
  assert.equal(bounceVerdict(0, 0), 'escalate');
  const o = { kind: 'red' as const, onto: 'x', testedCommit: 'fedcba9876543210', tail: 'not ok 3', timedOut: false };
  const m = escalationMail({ ...ctx, source: { id: 'gt-f3', title: 'Fix Add parser: failing tests' } }, o, ['gt-f1', 'gt-f2', 'gt-f3'], 'demo');
  assert.equal(m.subject, 'demo: bounced 4 times, needs a person: Add parser');
  assert.match(m.body, /bounce 4 of gt-abc "Add parser"/);
  assert.match(m.body, /gt-f1, gt-f2, gt-f3 did not land/);
  assert.match(m.body, /```\nnot ok 3\n```/);
  assert.match(m.body, /gt sling gt-f3 demo --force/);
});
