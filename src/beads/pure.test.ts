// Pure decision and format functions, tested without a disk (but for the JSONL patch over an open file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeBlocked, findCycles, notReadyReasons } from './ready.js';
import { fileSource, patchJsonl, patchLines, planImport } from './sync.js';
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

const jline = (id: string, t = 'x') => `{"id":"${id}","title":"${t}"}`;
const jfile = (lines: string[]) => Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8');
/** What a patch must produce: the file's lines with the changes applied, sorted by id bytes. */
function expected(lines: string[], changes: Map<string, string | null>): string {
  const byId = new Map(lines.map((l) => [JSON.parse(l).id as string, l]));
  for (const [id, l] of changes) if (l === null) byId.delete(id); else byId.set(id, l);
  return [...byId.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((id) => byId.get(id)! + '\n').join('');
}
const patched = (buf: Buffer, changes: Map<string, string | null>) => {
  const out = patchJsonl(buf, changes);
  return out && Buffer.concat(out).toString('utf8');
};

test('patchJsonl replaces, inserts and removes lines in a sorted file', () => {
  const buf = jfile([jline('a-1'), jline('a-3'), jline('a-5')]);
  const out = patchJsonl(buf, new Map([['a-3', jline('a-3', 'new')], ['a-0', jline('a-0')], ['a-5', null], ['a-4', jline('a-4')], ['a-9', jline('a-9')]]));
  assert.equal(Buffer.concat(out!).toString(), [jline('a-0'), jline('a-1'), jline('a-3', 'new'), jline('a-4'), jline('a-9')].map((l) => l + '\n').join(''));
  assert.equal(patched(Buffer.alloc(0), new Map([['a', jline('a')]])), jline('a') + '\n');
  assert.equal(patched(Buffer.alloc(0), new Map([['a', null]])), '');
});

test('patchJsonl: unchanged stretches are views of the old bytes, not copies', () => {
  const buf = jfile(Array.from({ length: 100 }, (_, i) => jline(`a-${String(i).padStart(3, '0')}`)));
  const out = patchJsonl(buf, new Map([['a-050', jline('a-050', 'new')]]))!;
  assert.equal(out.length, 3);
  assert.equal(out[0]!.buffer, buf.buffer);
  assert.equal(out[2]!.buffer, buf.buffer);
});

test('patchJsonl finds lines by binary search at every position: first, last, before, after, deletes, several', () => {
  const ids = ['bd-1', 'bd-10', 'bd-100', 'bd-1a', 'bd-1a.1', 'bd-2', 'bd-20', 'bd-9', 'bd-a', 'bd-b.10', 'bd-b.2'];
  // multi-byte titles of varying length, so byte offsets and line lengths differ from char counts
  const lines = ids.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((id, i) => jline(id, 'ü€😀'.repeat(i % 4) + 'x'.repeat(i * 7)));
  const buf = jfile(lines);
  const cases: [string, string | null][][] = [
    [['bd-1', jline('bd-1', 'first')]],
    [['bd-b.2', jline('bd-b.2', 'last')]],
    [['bd-0', jline('bd-0')]], // before the first
    [['bd-zz', jline('bd-zz')]], // after the last
    [['bd-1', null]], [['bd-b.2', null]], [['bd-1a', null]],
    [['bd-10', jline('bd-10', 'ten')], ['bd-1a', jline('bd-1a', 'one-a')], ['bd-1', null]], // ids that share prefixes
    [['bd-11', jline('bd-11')], ['bd-1a.0', jline('bd-1a.0')], ['bd-1', jline('bd-1', 'ß')], ['bd-missing', null]],
    [['bd-é', jline('bd-é')], ['bd-Z', jline('bd-Z')], ['bd-~', jline('bd-~', 'ñ')]], // byte order, not UTF-16 order
    ids.map((id) => [id, null]), // everything goes
    ids.map((id) => [id, jline(id, 'all new')]),
  ];
  for (const c of cases) {
    const changes = new Map(c);
    assert.equal(patched(buf, changes), expected(lines, changes), JSON.stringify(c));
  }
  // every single insert, replace and delete over a larger file
  const many = Array.from({ length: 300 }, (_, i) => `bd-${i}`).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((id, i) => jline(id, '€'.repeat(i % 5)));
  const big = jfile(many);
  for (let i = 0; i < 310; i++) {
    const edits: [string, string | null][] = [[`bd-${i}`, jline(`bd-${i}`, 'changed')], [`bd-${i}`, null], [`bd-${i}x`, jline(`bd-${i}x`)]];
    for (const edit of edits) {
      const changes = new Map([edit]);
      assert.equal(patched(big, changes), expected(many, changes), edit.join(' '));
    }
  }
});

test('patchLines over an open file reads it by position and gives its unchanged stretches as ranges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patch-'));
  try {
    // lines longer than a search's read window, and ids that share prefixes
    const lines = ['bd-1', 'bd-10', 'bd-1a', 'bd-2', 'bd-3'].map((id, i) => jline(id, 'é'.repeat(i * 3000)));
    const buf = jfile(lines);
    writeFileSync(join(dir, 'f.jsonl'), buf);
    const fd = openSync(join(dir, 'f.jsonl'), 'r');
    try {
      for (const changes of [new Map([['bd-10', jline('bd-10', 'new')], ['bd-0', jline('bd-0')], ['bd-3', null]]), new Map([['bd-9', jline('bd-9')]]), new Map([['bd-1a', null]])]) {
        const pieces = patchLines(fileSource(fd, buf.length), changes)!;
        const text = Buffer.concat(pieces.map((p) => (Buffer.isBuffer(p) ? p : buf.subarray(p.start, p.end)))).toString();
        assert.equal(text, expected(lines, changes));
        assert.ok(pieces.some((p) => !Buffer.isBuffer(p)));
      }
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('patchJsonl refuses what it cannot patch safely (the caller rewrites the whole file)', () => {
  const change = new Map([['a-2', jline('a-2')]]);
  assert.equal(patchJsonl(Buffer.from('{"title":"no id first"}\n'), new Map([['a', jline('a')]])), undefined);
  assert.equal(patchJsonl(Buffer.from(jline('a-1') + '\n' + jline('a-3')), change), undefined, 'no trailing newline');
  assert.equal(patchJsonl(jfile([jline('a-1'), '{"title":"t","id":"a-3"}']), change), undefined, 'a line without its id first');
  assert.equal(patchJsonl(jfile([jline('a-1'), '{"id":"a-\\"3"}']), change), undefined, 'an escaped id');
  assert.equal(patchJsonl(jfile([jline('a-1'), jline('a-2'), jline('a-2', 'dup')]), change), undefined, 'a duplicate id');
  assert.equal(patchJsonl(Buffer.from(jline('a-1') + '\n\n' + jline('a-3') + '\n'), change), undefined, 'a blank line');
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
