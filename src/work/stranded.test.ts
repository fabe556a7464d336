import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findStranded, type StrandFacts } from './stranded.js';

const b = (id: string, over: Partial<StrandFacts> = {}): StrandFacts => ({ id, status: 'open', staged: true, blockers: [], ...over });
const blocks = (issue: string, on: string) => ({ issue_id: issue, depends_on_id: on, type: 'blocks' });

test('staged beads waiting on convoy work, and beads being worked, are not stranded', () => {
  const beads = [b('de-1', { status: 'hooked', assignee: 'demo/polecats/a', holder: { active: true, gaveUp: false }, staged: false }), b('de-2', { blockers: [{ id: 'de-1', status: 'hooked' }] })];
  assert.deepEqual(findStranded('hq-c', beads, [blocks('de-2', 'de-1')], new Set()), []);
});

test('a blocker outside the convoy that nobody works strands its dependents; one worked elsewhere does not', () => {
  const beads = [b('de-2', { blockers: [{ id: 'de-9', status: 'open' }] })];
  assert.deepEqual(findStranded('hq-c', beads, [blocks('de-2', 'de-9')], new Set()).map((s) => s.reason), ['blocked by de-9, outside the convoy and not being worked']);
  assert.deepEqual(findStranded('hq-c', beads, [blocks('de-2', 'de-9')], new Set(['de-9'])), [], 'staged on another convoy');
  assert.deepEqual(findStranded('hq-c', [b('de-2', { blockers: [{ id: 'de-9', status: 'in_progress' }] })], [], new Set()), []);
});

test('a cycle, a given-up or retired holder, a bounce nobody fixes, an unslung bead', () => {
  const beads = [
    b('de-1', { blockers: [{ id: 'de-2', status: 'open' }] }),
    b('de-2', { blockers: [{ id: 'de-1', status: 'open' }] }),
    b('de-3', { status: 'hooked', assignee: 'demo/polecats/x', holder: { active: true, gaveUp: true }, staged: false }),
    b('de-4', { status: 'hooked', assignee: 'demo/polecats/y', holder: { active: false, gaveUp: false }, staged: false }),
    b('de-5', { status: 'in_progress', staged: false, bouncedWithoutWorker: 'de-mr1' }),
    b('de-6', { staged: false }),
    b('de-7', { status: 'closed', staged: false }),
  ];
  const r = findStranded('hq-c', beads, [blocks('de-1', 'de-2'), blocks('de-2', 'de-1')], new Set());
  assert.deepEqual(r.map((s) => [s.bead, s.reason]), [
    ['de-1', 'in a dependency cycle de-1 -> de-2 -> de-1'],
    ['de-2', 'in a dependency cycle de-1 -> de-2 -> de-1'],
    ['de-3', 'hooked to demo/polecats/x, which the witness gave up on; nobody works it'],
    ['de-4', 'hooked to demo/polecats/y, which is retired; nobody works it'],
    ['de-5', 'its MR de-mr1 bounced and no worker has the fix'],
    ['de-6', 'open but neither slung nor staged (gt sling it)'],
  ]);
});

test('a blocker closed before its work merged strands its dependent', () => {
  const r = findStranded('hq-c', [b('de-2', { unmergedBlockers: [{ id: 'de-1', mr: 'de-mr1' }] })], [], new Set());
  assert.deepEqual(r.map((s) => s.reason), ['blocked by de-1, closed but its work never merged (its MR de-mr1 bounced)']);
});
