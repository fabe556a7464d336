import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockerWork, describeUnlanded } from './landed.js';

const mr = (id: string, state: 'queued' | 'testing' | 'merged' | 'bounced', at = '2026-01-01T00:00:00Z') => ({ id, state, created_at: at });

test('a closed blocker with nothing to merge, or with a merged MR (its own or a fix), has landed', () => {
  assert.deepEqual(blockerWork([], false), { state: 'landed' });
  assert.deepEqual(blockerWork([mr('de-m1', 'bounced'), mr('de-m2', 'merged')], false), { state: 'landed' }, 'bounced, then its fix merged');
});

test('a closed blocker whose MR is still queued, or whose fix is being worked, is on its way', () => {
  assert.deepEqual(blockerWork([mr('de-m1', 'queued')], false), { state: 'pending', mr: 'de-m1' });
  assert.deepEqual(blockerWork([mr('de-m1', 'bounced')], true), { state: 'pending', mr: undefined });
  assert.equal(describeUnlanded('de-a', { state: 'pending', mr: 'de-m1' }), 'waiting for de-a to land (its MR de-m1)');
});

test('a closed blocker whose MRs all bounced and nobody fixes is closed-unmerged', () => {
  const w = blockerWork([mr('de-m1', 'bounced', '2026-01-01T00:00:00Z'), mr('de-m2', 'bounced', '2026-01-02T00:00:00Z')], false);
  assert.deepEqual(w, { state: 'unmerged', mr: 'de-m2' });
  assert.equal(describeUnlanded('de-a', w), 'blocked by de-a, closed but its work never merged (its MR de-m2 bounced)');
});
