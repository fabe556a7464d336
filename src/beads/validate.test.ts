import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idProblem, issueProblem, knownStatuses, type Checked } from './validate.js';
import { parseJsonl, parseJsonlLines, newStatuses } from './jsonl.js';

const known = knownStatuses(['in_review']);
const ok: Checked = { id: 'bd-a1', title: 'fine', status: 'open', priority: 2, issue_type: 'task' };
const problem = (over: Partial<Checked>) => issueProblem({ ...ok, ...over }, known);

test('ids: prefix-hash, children and Gas Town names pass; empty, paths, spaces and separators at the end do not', () => {
  for (const id of ['bd-a1', 'bd-a1.2', 'bd-a1.2.10', 'hq-mayor', 'gt-gastown-polecat-nux', 'x_y-1']) assert.equal(idProblem(id), undefined, id);
  for (const id of ['', '../etc', 'bd-../x', 'bd a', 'bd-a.', 'bd-', '1bd-a', 'bd/a', 'bd-a..1', 'x'.repeat(201)]) assert.ok(idProblem(id), JSON.stringify(id));
});

test('one validator: title, priority, status (custom ones when configured), type, self-dependency, sizes', () => {
  assert.equal(problem({}), undefined);
  assert.equal(problem({ status: 'in_review' }), undefined);
  assert.match(problem({ title: '  ' })!, /bd-a1: empty title/);
  assert.match(problem({ title: 'x'.repeat(1_000_000) })!, /title is 1000000 characters \(at most 500\)/);
  assert.match(problem({ priority: 99 })!, /priority 99 \(must be 0 to 4\)/);
  assert.match(problem({ priority: 1.5 })!, /priority 1.5/);
  assert.match(problem({ status: 'qa' })!, /unknown status "qa" \(configure it: bd config set status.custom "qa"\)/);
  assert.match(problem({ status: 'In Review' })!, /invalid status/);
  assert.match(problem({ issue_type: '' })!, /invalid issue_type/);
  assert.match(problem({ dependencies: [{ issue_id: 'bd-a1', depends_on_id: 'bd-a1', type: 'blocks', created_at: 'c' }] })!, /bd-a1: depends on itself \(blocks\)/);
  assert.match(problem({ dependencies: [{ issue_id: 'bd-a1', depends_on_id: 'bd-b', type: 'no spaces', created_at: 'c' }] })!, /invalid dependency type/);
  assert.match(problem({ labels: ['a b'] })!, /invalid label "a b"/);
  assert.match(problem({ description: 'x'.repeat(1_000_001) })!, /description is 1000001 characters/);
});

const line = (id: string, extra = '') => `{"id":"${id}","title":"t ${id}","status":"open","priority":1,"issue_type":"task","created_at":"c","updated_at":"c"${extra}}`;

test('a JSONL file: the first bad record names its line; duplicate ids name both lines; conflict markers refuse', () => {
  assert.throws(() => parseJsonl([line('bd-a'), line('', ''), ''].join('\n'), 'f.jsonl', known), /^UserError: f\.jsonl:2: empty id$/m);
  assert.throws(() => parseJsonl([line('bd-a'), line('bd-b', ',"priority":99')].join('\n'), 'f.jsonl', known), /f\.jsonl:2: bd-b: priority 99/);
  assert.throws(() => parseJsonl([line('bd-a'), line('bd-b'), line('bd-a')].join('\n'), 'f.jsonl', known), /f\.jsonl:3: duplicate id bd-a \(also on line 1\)/);
  assert.throws(() => parseJsonl([line('bd-a'), '<<<<<<< HEAD'].join('\n'), 'f.jsonl', known), /f\.jsonl:2: git conflict marker/);
  const recs = parseJsonlLines([line('bd-a', ',"status":"qa"'), line('bd-b', ',"status":"in_review"')].join('\n'), 'f');
  assert.deepEqual(newStatuses(recs, known), ['qa']);
});
