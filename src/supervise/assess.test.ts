import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessAgent, restartBackoff, DEFAULT_POLICY, type AgentEvidence } from './assess.js';

const base: AgentEvidence = {
  role: 'polecat', state: 'working', hook: 'de-1', hookHeld: true, alive: true, idleMs: 0, restarts: 0,
  sinceRestartMs: Infinity, interactive: true, gaveUp: false, sinceGaveUpMs: Infinity,
};
const dead = { ...base, alive: false, state: 'dead' as const };

test('a live, active agent is left alone; done or hookless agents too', () => {
  assert.equal(assessAgent(base).kind, 'none');
  assert.equal(assessAgent({ ...base, state: 'done', alive: false }).kind, 'none');
  assert.equal(assessAgent({ ...base, hook: undefined, alive: false }).kind, 'none');
});

test('GUPP: an agent idle with hooked work is nudged within a minute by default, configurable', () => {
  assert.equal(assessAgent({ ...base, idleMs: 59_000 }).kind, 'none');
  assert.equal(assessAgent({ ...base, idleMs: 60_000 }).kind, 'nudge');
  assert.equal(assessAgent({ ...base, idleMs: 20_000 }, { ...DEFAULT_POLICY, nudgeAfterMs: 15_000 }).kind, 'nudge');
  assert.equal(assessAgent({ ...base, idleMs: 11 * 60_000, interactive: false }).kind, 'none', 'headless sessions take no typed input');
});

test('deaths after working are restarted with back-off, never a fixed budget that strands the bead', () => {
  assert.equal(assessAgent(dead).kind, 'restart', 'the first restart is at once');
  assert.deepEqual([1, 2, 3, 4, 5, 10].map((n) => restartBackoff(n)), [2_000, 4_000, 8_000, 16_000, 32_000, 60_000]);
  assert.equal(assessAgent({ ...dead, restarts: 3, sinceRestartMs: 7_000 }).kind, 'none', 'backing off');
  assert.equal(assessAgent({ ...dead, restarts: 3, sinceRestartMs: 8_000 }).kind, 'restart');
  // Killed 4 times in 32 s (the chaos run that stranded a bead): still restarted.
  assert.equal(assessAgent({ ...dead, restarts: 4, sinceRestartMs: 16_000, lastExit: { status: 137, ranMs: 2_000 } }).kind, 'restart', 'a kill is no deterministic failure');
  const spent = assessAgent({ ...dead, restarts: 6, sinceRestartMs: 60_000 });
  assert.equal(spent.kind, 'release', 'a polecat restarted too often hands its bead to a fresh polecat');
  assert.equal(assessAgent({ ...dead, role: 'crew', restarts: 6 }).kind, 'give-up', 'a crew member is reported instead');
});

test('a session that exits at once with an error goes to the Mayor; after the cool-down its bead is released', () => {
  const quick = assessAgent({ ...dead, lastExit: { status: 1, ranMs: 800 } });
  assert.equal(quick.kind, 'give-up');
  assert.match((quick as { reason: string }).reason, /exited with status 1 1 s after it started/);
  assert.equal(assessAgent({ ...dead, lastExit: { status: 1, ranMs: 60_000 } }).kind, 'restart', 'an error after working is a crash');
  assert.equal(assessAgent({ ...dead, lastExit: { status: -1, ranMs: 800 } }).kind, 'restart', 'killed (no status recorded) is a crash, however soon');
  assert.equal(assessAgent({ ...dead, gaveUp: true, sinceGaveUpMs: 60_000 }).kind, 'none', 'cooling down');
  assert.equal(assessAgent({ ...dead, gaveUp: true, sinceGaveUpMs: DEFAULT_POLICY.coolDownMs }).kind, 'release');
  assert.equal(assessAgent({ ...dead, role: 'crew', gaveUp: true, sinceGaveUpMs: Infinity }).kind, 'none', 'crew keep their hook');
});

test('a polecat whose bead was taken from it is released; one a sling is still starting is left alone', () => {
  assert.equal(assessAgent({ ...base, hookHeld: false }).kind, 'release');
  assert.equal(assessAgent({ ...base, state: 'spawning', alive: false, idleMs: 2_000, hookHeld: false }).kind, 'none');
  assert.equal(assessAgent({ ...base, state: 'spawning', alive: false, idleMs: 2_000 }).kind, 'none');
  assert.equal(assessAgent({ ...base, state: 'spawning', alive: false, idleMs: 5 * 60_000 }).kind, 'restart');
});

test('the GUPP delay comes from rig.toml, else town.toml, else a minute', async () => {
  const { guppNudgeMs } = await import('./witness.js');
  const town = (gupp?: number) => ({ root: '/t', id: 'x', name: 't', binDir: '/b', config: { name: 't', id: 'x', gupp_nudge_sec: gupp } }) as unknown as Parameters<typeof guppNudgeMs>[0];
  const rig = (gupp?: number) => ({ name: 'demo', guppNudgeSec: gupp }) as unknown as Parameters<typeof guppNudgeMs>[1];
  assert.equal(guppNudgeMs(town(), rig()), 60_000);
  assert.equal(guppNudgeMs(town(20), rig()), 20_000);
  assert.equal(guppNudgeMs(town(20), rig(5)), 5_000);
});
