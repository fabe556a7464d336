import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessAgent, type AgentEvidence } from './assess.js';

const base: AgentEvidence = { role: 'polecat', state: 'working', hook: 'de-1', alive: true, idleMs: 0, restarts: 0, interactive: true, gaveUp: false };

test('a live, active agent is left alone; done or hookless agents too', () => {
  assert.equal(assessAgent(base).kind, 'none');
  assert.equal(assessAgent({ ...base, state: 'done', alive: false }).kind, 'none');
  assert.equal(assessAgent({ ...base, hook: undefined, alive: false }).kind, 'none');
});

test('a dead session with hooked work is restarted, until the restart budget is spent', () => {
  assert.equal(assessAgent({ ...base, alive: false }).kind, 'restart');
  assert.equal(assessAgent({ ...base, alive: false, state: 'dead', restarts: 2 }).kind, 'restart');
  assert.equal(assessAgent({ ...base, alive: false, restarts: 3 }).kind, 'give-up');
  assert.equal(assessAgent({ ...base, alive: false, restarts: 3, state: 'dead', gaveUp: true }).kind, 'none', 'given up once, not again');
});

test('a live agent idle past the threshold is nudged', () => {
  assert.equal(assessAgent({ ...base, idleMs: 11 * 60_000 }).kind, 'nudge');
  assert.equal(assessAgent({ ...base, idleMs: 60_000 }, { nudgeAfterMs: 30_000, maxRestarts: 1, spawnGraceMs: 60_000 }).kind, 'nudge');
  assert.equal(assessAgent({ ...base, idleMs: 11 * 60_000, interactive: false }).kind, 'none', 'headless sessions take no typed input');
});

test('a polecat a sling is still starting is not restarted under it; one left spawning too long is', () => {
  assert.equal(assessAgent({ ...base, state: 'spawning', alive: false, idleMs: 2_000 }).kind, 'none');
  assert.equal(assessAgent({ ...base, state: 'spawning', alive: false, idleMs: 5 * 60_000 }).kind, 'restart');
});
