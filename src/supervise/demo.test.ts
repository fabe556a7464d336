import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannotLand, type PolecatEvidence } from './demo.js';

const p = (o: Partial<PolecatEvidence>): PolecatEvidence => ({ address: 'calc/polecats/a', alive: false, failed: true, lastWords: '', ...o });

test('cannotLand: only when every polecat failed and none handed in work', () => {
  const dead = [p({ lastWords: 'Invalid API key' }), p({ address: 'calc/polecats/b', lastWords: 'Invalid API key' })];
  assert.equal(cannotLand(dead, 0), "every polecat's agent failed before handing in any work; the agent said: Invalid API key");
  assert.equal(cannotLand(dead, 1), undefined, 'some work reached the queue: the refinery and witness carry on');
  assert.equal(cannotLand([...dead, p({ alive: true, failed: false })], 0), undefined, 'one still works');
  assert.equal(cannotLand([...dead, p({ failed: false })], 0), undefined, 'one ended cleanly (a shell agent that finished)');
  assert.equal(cannotLand([], 0), undefined, 'nothing slung yet');
  assert.match(cannotLand([p({})], 0)!, /failed before handing in any work$/);
});
