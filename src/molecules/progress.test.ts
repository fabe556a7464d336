import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Issue, Status } from '../beads/api.js';
import { moleculeProgress } from './progress.js';

const bead = (id: string, status: Status = 'open', needs: string[] = [], over: Partial<Issue> = {}): Issue => ({
  id, title: `t ${id}`, status, priority: 2, issue_type: 'task', labels: [], comments: [],
  dependencies: needs.map((n) => ({ issue_id: id, depends_on_id: n, type: 'blocks', created_at: '' })),
  created_at: '', updated_at: '', fields: { mol_step: id.split('.')[1] }, ...over,
});

const root = bead('m', 'open', [], { issue_type: 'molecule', fields: { formula: 'f', formula_vars: { v: '1' } } });

function progress(steps: Issue[], outside: Record<string, Status> = {}) {
  const all = new Map<string, Status>([...steps.map((s) => [s.id, s.status] as const), ...Object.entries(outside)]);
  return moleculeProgress(root, steps, (id) => all.get(id));
}

test('the current step is the first open one nothing blocks; the rest say what they wait for', () => {
  const p = progress([bead('m.1', 'closed'), bead('m.2', 'open', ['m.1']), bead('m.3', 'open', ['m.2'])]);
  assert.equal(p.current, 'm.2');
  assert.equal(p.done, 1);
  assert.equal(p.total, 3);
  assert.deepEqual(p.steps.map((s) => [s.id, s.current, s.blockedBy]), [['m.1', false, []], ['m.2', true, []], ['m.3', false, ['m.2']]]);
  assert.equal(p.steps[0]!.step, '1');
  assert.equal(p.formula, 'f');
  assert.deepEqual(p.vars, { v: '1' });
  assert.equal(p.wisp, false);
});

test('a step in progress stays current while what follows waits for it; all closed: no current step', () => {
  assert.equal(progress([bead('m.1', 'in_progress'), bead('m.2', 'open', ['m.1'])]).current, 'm.1');
  const finished = progress([bead('m.1', 'closed'), bead('m.2', 'closed')]);
  assert.equal(finished.current, undefined);
  assert.equal(finished.done, 2);
});

test('a blocker outside the molecule counts while it is open, not once closed or unknown', () => {
  assert.deepEqual(progress([bead('m.1', 'open', ['x-9'])], { 'x-9': 'open' }).steps[0]!.blockedBy, ['x-9']);
  assert.deepEqual(progress([bead('m.1', 'open', ['x-9'])], { 'x-9': 'closed' }).steps[0]!.blockedBy, []);
  assert.deepEqual(progress([bead('m.1', 'open', ['gone-1'])]).steps[0]!.blockedBy, []);
});
