import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFeed, type FeedCandidate } from './feed.js';
import { freeSlots, describeSlots } from './capacity.js';

const cand = (bead: string, over: Partial<FeedCandidate> = {}): FeedCandidate => ({
  convoy: 'hq-c1', bead, target: 'demo', priority: 2, createdAt: `2026-01-01T00:00:0${bead.slice(-1)}Z`, ...over,
});

test('planFeed fills the free slots in priority order, then age', () => {
  const chosen = planFeed(
    [cand('de-1'), cand('de-2', { priority: 0 }), cand('de-3'), cand('de-4', { priority: 1 })],
    { town: { running: 0, limit: 20 }, rigs: { demo: { running: 1, limit: 3 } }, convoys: {} },
  );
  assert.deepEqual(chosen.map((c) => c.bead), ['de-2', 'de-4'], 'two free slots: the two most urgent');
});

test('planFeed respects the town limit across rigs and a convoy limit', () => {
  const slots = { town: { running: 4, limit: 5 }, rigs: { demo: { running: 2, limit: 3 }, web: { running: 2, limit: 3 } }, convoys: {} };
  assert.deepEqual(planFeed([cand('de-1'), cand('de-2', { target: 'web' })], slots).map((c) => c.bead), ['de-1'], 'the town has one slot');
  const convoyFull = { town: { running: 0, limit: 9 }, rigs: { demo: { running: 0, limit: 9 } }, convoys: { 'hq-c1': { running: 2, limit: 2 } } };
  assert.deepEqual(planFeed([cand('de-1'), cand('de-2', { convoy: 'hq-c2' })], convoyFull).map((c) => c.bead), ['de-2'], 'hq-c1 is at its --max-concurrent');
});

test('planFeed skips a target that is no rig and slings nothing when full', () => {
  const slots = { town: { running: 3, limit: 20 }, rigs: { demo: { running: 3, limit: 3 } }, convoys: {} };
  assert.deepEqual(planFeed([cand('de-1'), cand('de-2', { target: 'gone' })], slots), []);
});

test('freeSlots takes the tightest limit and never goes negative', () => {
  assert.equal(freeSlots([{ running: 1, limit: 3 }, { running: 5, limit: 20 }, undefined]), 2);
  assert.equal(freeSlots([{ running: 4, limit: 3 }]), 0);
  assert.equal(describeSlots({ running: 3, limit: 3 }), 'capacity 3/3');
});
