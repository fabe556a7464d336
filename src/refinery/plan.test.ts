import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bisectStep, conflictDisposition, orderQueue, outputTail, recordProbe, startBisection, takeBatch, type QueueItem } from './plan.js';

const mr = (id: string, priority: number, createdAt: string): QueueItem => ({ id, branch: `b/${id}`, priority, createdAt });

test('queue order: priority first, then first-in first-out, then id', () => {
  const items = [
    mr('c', 2, '2025-01-01T00:00:03Z'),
    mr('a', 2, '2025-01-01T00:00:01Z'),
    mr('urgent', 0, '2025-01-01T00:00:09Z'),
    mr('b2', 2, '2025-01-01T00:00:02Z'),
    mr('b1', 2, '2025-01-01T00:00:02Z'),
    mr('low', 4, '2025-01-01T00:00:00Z'),
  ];
  assert.deepEqual(orderQueue(items).map((i) => i.id), ['urgent', 'a', 'b1', 'b2', 'c', 'low']);
  assert.equal(items[0]!.id, 'c', 'input is not mutated');
});

test('takeBatch takes the first N in queue order and rejects bad sizes', () => {
  const items = [mr('x', 1, '2'), mr('y', 1, '1'), mr('z', 0, '3')];
  assert.deepEqual(takeBatch(items, 2).map((i) => i.id), ['z', 'y']);
  assert.deepEqual(takeBatch(items, 10).map((i) => i.id), ['z', 'y', 'x']);
  assert.deepEqual(takeBatch([], 3), []);
  assert.throws(() => takeBatch(items, 0), RangeError);
  assert.throws(() => takeBatch(items, 1.5), RangeError);
});

/** Runs the bisection against a known culprit; returns the probes made and the verdict. */
function bisect(size: number, firstBad: number) {
  let b = startBisection(size);
  const probes: number[] = [];
  for (;;) {
    const step = bisectStep(b);
    if (step.kind === 'found') return { probes, ...step };
    probes.push(step.prefix);
    b = recordProbe(b, step.prefix, step.prefix < firstBad + 1);
  }
}

test('bisection finds the first bad MR of every position, in ceil(log2 n) probes at most', () => {
  for (const size of [1, 2, 3, 7, 8, 13]) {
    for (let bad = 0; bad < size; bad++) {
      const r = bisect(size, bad);
      assert.equal(r.culprit, bad, `size ${size}, bad ${bad}`);
      assert.equal(r.goodPrefix, bad, 'every MR before the culprit is in the good prefix');
      assert.ok(r.probes.length <= Math.ceil(Math.log2(size)), `size ${size}: ${r.probes.length} probes`);
      assert.ok(r.probes.every((p) => p > 0 && p < size), 'never re-tests main or the already-red full stack');
    }
  }
});

test('a batch of one needs no probe: its single MR is the culprit', () => {
  assert.deepEqual(bisectStep(startBisection(1)), { kind: 'found', culprit: 0, goodPrefix: 0 });
});

test('recordProbe refuses a prefix outside the open interval', () => {
  const b = startBisection(8);
  assert.throws(() => recordProbe(b, 0, true), RangeError);
  assert.throws(() => recordProbe(b, 8, false), RangeError);
  assert.deepEqual(recordProbe(b, 4, true), { green: 4, red: 8 });
  assert.deepEqual(recordProbe(b, 4, false), { green: 0, red: 4 });
  assert.throws(() => startBisection(0), RangeError);
});

test('a conflict against bare main bounces; one against the batch is deferred', () => {
  assert.equal(conflictDisposition(0), 'bounce');
  assert.equal(conflictDisposition(3), 'defer');
});

test('outputTail keeps the last lines, bounded in characters', () => {
  const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n\n';
  const tail = outputTail(text, 3);
  assert.equal(tail, 'line 97\nline 98\nline 99');
  assert.equal(outputTail('x'.repeat(10_000), 5, 100).length, 100);
});
