import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, durationMs, gateDecision, gateTitle, needsGateBead } from './gates.js';

test('timer gates open once their time has come; command gates are checked when due; human gates wait', () => {
  const at = Date.parse('2026-01-01T00:00:00Z');
  const timer = { gate: { type: 'timer' as const, after: '30m' }, gate_step: 's', open_at: new Date(at + durationMs('30m')).toISOString() };
  assert.equal(gateDecision(timer, at), 'wait');
  assert.equal(gateDecision(timer, at + 30 * 60_000 - 1), 'wait');
  assert.equal(gateDecision(timer, at + 30 * 60_000), 'open');
  const cmd = { gate: { type: 'command' as const, command: 'true' }, gate_step: 's' };
  assert.equal(gateDecision(cmd, at), 'check');
  assert.equal(gateDecision({ ...cmd, next_check_at: new Date(at + 1000).toISOString() }, at), 'wait');
  assert.equal(gateDecision({ gate: { type: 'human' }, gate_step: 's' }, at), 'wait');
  assert.equal(gateDecision({ gate: { type: 'bead', bead: 'hq-1' }, gate_step: 's' }, at), 'look');
});

test('a bead gate needs a gate bead only when its bead is in another store', () => {
  assert.equal(needsGateBead({ type: 'bead', bead: 'de-abc' }, 'de'), false);
  assert.equal(needsGateBead({ type: 'bead', bead: 'de-abc.3' }, 'de'), false);
  assert.equal(needsGateBead({ type: 'bead', bead: 'hq-abc' }, 'de'), true);
  assert.equal(needsGateBead({ type: 'bead', bead: 'dex-abc' }, 'de'), true);
  assert.equal(needsGateBead({ type: 'human' }, 'de'), true);
  assert.equal(needsGateBead({ type: 'conditional', condition: 'x' }, 'de'), false);
});

test('back-off doubles from 30 s up to 30 min; durations in s, m, h, d', () => {
  assert.deepEqual([1, 2, 3, 10, 100].map(backoffMs), [30_000, 60_000, 120_000, 1_800_000, 1_800_000]);
  assert.deepEqual(['45s', '30m', '2h', '1d'].map(durationMs), [45_000, 1_800_000, 7_200_000, 86_400_000]);
  assert.throws(() => durationMs('soon'), /invalid duration "soon"/);
  assert.equal(gateTitle({ type: 'command', command: 'make ci' }, 'Deploy'), 'Gate (command): `make ci` succeeds before "Deploy"');
});
