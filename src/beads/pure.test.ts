// Pure decision and format functions, tested without a disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeBlocked, findCycles, notReadyReasons } from './ready.js';
import { patchJsonl, planImport } from './sync.js';
import { generateId, hashLength, childNumber } from './ids.js';
import { goJson, issueToLine, parseIssueLine } from './jsonl.js';
import type { Status } from './model.js';

test('computeBlocked: open blockers block, closed/missing do not, blocking flows down parent-child', () => {
  const status = new Map<string, Status>([['a', 'open'], ['b', 'closed'], ['p', 'open'], ['c', 'open'], ['g', 'open'], ['q', 'closed']]);
  const blocked = computeBlocked(status, [
    { issue_id: 'p', depends_on_id: 'a', type: 'blocks' },
    { issue_id: 'c', depends_on_id: 'p', type: 'parent-child' },
    { issue_id: 'g', depends_on_id: 'c', type: 'parent-child' },
    { issue_id: 'a', depends_on_id: 'b', type: 'blocks' },
    { issue_id: 'a', depends_on_id: 'zz-elsewhere', type: 'blocks' },
    { issue_id: 'a', depends_on_id: 'p', type: 'related' },
  ]);
  assert.deepEqual([...blocked].sort(), ['c', 'g', 'p']);
});

test('notReadyReasons', () => {
  assert.deepEqual(notReadyReasons({ status: 'open', issue_type: 'task', blockers: [] }), []);
  const why = notReadyReasons({ status: 'deferred', issue_type: 'gate', ephemeral: true, blockers: ['x-1'], blockedAncestor: 'x-0' });
  assert.equal(why.length, 5);
});

test('findCycles reports each loop once, ignores non-blocking kinds', () => {
  const cycles = findCycles([
    { issue_id: 'a', depends_on_id: 'b', type: 'blocks' }, { issue_id: 'b', depends_on_id: 'a', type: 'blocks' },
    { issue_id: 'x', depends_on_id: 'y', type: 'related' }, { issue_id: 'y', depends_on_id: 'x', type: 'related' },
  ]);
  assert.equal(cycles.length, 1);
});

test('patchJsonl replaces, inserts and removes lines in a sorted file', () => {
  const line = (id: string, t = 'x') => `{"id":"${id}","title":"${t}"}`;
  const buf = Buffer.from([line('a-1'), line('a-3'), line('a-5')].map((l) => l + '\n').join(''));
  const out = patchJsonl(buf, new Map([['a-3', line('a-3', 'new')], ['a-0', line('a-0')], ['a-5', null], ['a-4', line('a-4')], ['a-9', line('a-9')]]));
  assert.equal(out!.toString(), [line('a-0'), line('a-1'), line('a-3', 'new'), line('a-4'), line('a-9')].map((l) => l + '\n').join(''));
  assert.equal(patchJsonl(Buffer.from('{"title":"no id first"}\n'), new Map([['a', line('a')]])), undefined);
  assert.equal(patchJsonl(Buffer.alloc(0), new Map([['a', line('a')]]))!.toString(), line('a') + '\n');
});

test('ids: adaptive length, collisions grow the hash, child numbers', () => {
  assert.equal(hashLength(0), 3);
  assert.ok(hashLength(10_000) > hashLength(10));
  const taken = new Set<string>();
  for (let i = 0; i < 500; i++) taken.add(generateId('t', `seed${i}`, taken.size, (id) => taken.has(id)));
  assert.equal(taken.size, 500);
  assert.equal(childNumber('t-a', 't-a.12'), 12);
  assert.equal(childNumber('t-a', 't-a.1.2'), undefined);
});

test('JSONL lines: Go escaping, key order, unknown keys kept, empty omitted', () => {
  assert.equal(goJson({ t: '<a> & b' }), '{"t":"\\u003ca\\u003e \\u0026 b"}');
  const src = '{"id":"x-1","title":"T","status":"open","priority":0,"issue_type":"task","created_at":"c","updated_at":"u","zeta":1,"alpha":{"k":[1]}}';
  const issue = parseIssueLine(src, 'test');
  assert.deepEqual(issue.fields, { zeta: 1, alpha: { k: [1] } });
  assert.equal(issueToLine(issue), src);
  assert.throws(() => parseIssueLine('{"title":"no id"}', 'f:3'), /f:3: missing "id"/);
  // The status's name is the validator's business (custom statuses); parsing keeps it as written.
  assert.equal(parseIssueLine('{"id":"x","status":"in_review"}', 'f:4').status, 'in_review');
});

test('planImport: the file wins, except for ids with unexported local changes', () => {
  const plan = planImport(['a', 'b', 'd'], ['a', 'b', 'c', 'e'], new Set(['b', 'e']));
  assert.deepEqual([...plan.upsert], ['a', 'd']); // b is dirty: the database's b stays and is exported
  assert.deepEqual(plan.remove, ['c']); // e is gone from the file but dirty: kept
  const clean = planImport(['a'], ['a', 'b'], new Set());
  assert.deepEqual([...clean.upsert], ['a']);
  assert.deepEqual(clean.remove, ['b']);
});

test('fitTitle: short titles unchanged (whitespace folded); long ones cut to the cap with an ellipsis, never mid surrogate pair', async () => {
  const { fitTitle, MAX_TITLE_LENGTH } = await import('./model.js');
  assert.equal(fitTitle('  Merge:\n a  title '), 'Merge: a title');
  const long = fitTitle(`Merge: ${'y'.repeat(MAX_TITLE_LENGTH)}`);
  assert.equal(long.length, MAX_TITLE_LENGTH);
  assert.ok(long.endsWith('y…'));
  const emoji = fitTitle('a'.repeat(8) + '😀'.repeat(5), 10);
  assert.ok(emoji.length <= 10);
  assert.doesNotThrow(() => encodeURIComponent(emoji), 'no lone surrogate');
});

test('prefixOfJsonl: the prefix most ids use (dashes in the prefix, children, identities)', async () => {
  const { idPrefix, prefixOfJsonl } = await import('./ids.js');
  assert.equal(idPrefix('my-proj-a1b2.3'), 'my-proj');
  assert.equal(idPrefix('nohash'), undefined);
  const l = (id: string) => `{"id":"${id}","title":"x"}`;
  assert.equal(prefixOfJsonl([l('bd-a1'), l('bd-a1.1'), l('gt-gastown-polecat-nux'), l('bd-c3'), '{"id": broken'].join('\n')), 'bd');
  assert.equal(prefixOfJsonl(''), undefined);
});
