import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moleculeStep, fill } from './prime.js';
import type { Issue } from '../beads/api.js';

const step = (id: string, status: Issue['status'] = 'open'): Issue => ({
  id, title: id, status, priority: 2, issue_type: 'task', labels: [], dependencies: [], comments: [],
  created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', fields: {},
});

test('the current step is the first open step that is ready', () => {
  const steps = [step('m.1', 'closed'), step('m.2'), step('m.3')];
  assert.deepEqual(moleculeStep(steps, new Set(['m.3'])).current?.id, 'm.3');
  assert.deepEqual(moleculeStep(steps, new Set(['m.2', 'm.3'])), { done: 1, total: 3, current: steps[1] });
  assert.equal(moleculeStep(steps, new Set()).current?.id, 'm.2', 'nothing ready: the first open one');
  assert.equal(moleculeStep([step('m.1', 'closed')], new Set()).current, undefined);
});

test('templates fill known variables and blank unknown ones', () => {
  assert.equal(fill('{{a}} and {{b}}', { a: 'x' }), 'x and ');
});
