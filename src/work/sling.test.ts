import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slingRefusal } from './sling.js';
import type { Issue } from '../beads/api.js';

const bead = (over: Partial<Issue>): Issue => ({
  id: 'de-1', title: 't', status: 'open', priority: 2, issue_type: 'task', labels: [], dependencies: [], comments: [],
  created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', fields: {}, ...over,
});

test('open and ready: slingable', () => {
  assert.equal(slingRefusal(bead({}), [], false), undefined);
});

test('closed is refused even with --force', () => {
  assert.match(slingRefusal(bead({ status: 'closed' }), [], true)!, /is closed/);
});

test('blocked, claimed or deferred work is refused unless forced', () => {
  assert.match(slingRefusal(bead({}), ['blocked by de-2'], false)!, /not ready: blocked by de-2/);
  assert.match(slingRefusal(bead({ status: 'in_progress', assignee: 'ann' }), [], false)!, /already claimed by ann/);
  assert.match(slingRefusal(bead({ status: 'deferred' }), [], false)!, /is deferred/);
  for (const b of [bead({ status: 'deferred' }), bead({ status: 'in_progress', assignee: 'ann' })]) assert.equal(slingRefusal(b, ['x'], true), undefined);
});

test('hooked beads are decided by where they are hooked, not refused here', () => {
  assert.equal(slingRefusal(bead({ status: 'hooked', assignee: 'demo/polecats/x' }), [], false), undefined);
});

test('a bad max_polecats or gupp_nudge_sec is one clear line naming the key', async () => {
  const { validateAutonomy } = await import('../town/config.js');
  assert.throws(() => validateAutonomy('town.toml', { max_polecats: 0 }), /town\.toml: max_polecats must be a whole number of at least 1, not 0/);
  assert.throws(() => validateAutonomy('rig.toml', { gupp_nudge_sec: 'x' as unknown as number }), /gupp_nudge_sec must be a whole number/);
  assert.doesNotThrow(() => validateAutonomy('town.toml', { max_polecats: 3, gupp_nudge_sec: 30 }));
});
