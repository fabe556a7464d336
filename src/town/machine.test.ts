import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostMachineName, isShared, machineNameProblem, ownedHere } from './machine.js';
import { machineAlive, MACHINE_STALE_MS } from './registry.js';
import type { Town } from './town.js';

test('machine names: what a session name, a row and a field can carry', () => {
  for (const ok of ['m1', 'build-box', 'gpu.2', 'A_b']) assert.equal(machineNameProblem(ok), undefined, ok);
  for (const bad of ['', '-x', 'a b', 'x/y', 'é', 'a'.repeat(64)]) assert.match(machineNameProblem(bad) ?? '', /invalid machine name/, bad);
  assert.equal(hostMachineName('laptop.example.com'), 'laptop');
  assert.equal(hostMachineName('my host!'), 'my-host-');
  assert.equal(hostMachineName('...'), 'machine');
});

test('ownedHere: every agent is local in a SQLite town; in a shared one only those recorded with this machine', () => {
  const saved = process.env.GT_MACHINE;
  process.env.GT_MACHINE = 'm1';
  try {
    const sqlite = { root: '/nonexistent', config: {} } as unknown as Town;
    const shared = { root: '/nonexistent', config: { store: { url: 'postgres://h/db' } } } as unknown as Town;
    assert.equal(isShared(sqlite), false);
    assert.equal(ownedHere(sqlite, {}), true);
    assert.equal(ownedHere(sqlite, { machine: 'm2' }), true);
    assert.equal(isShared(shared), true);
    assert.equal(ownedHere(shared, { machine: 'm1' }), true);
    assert.equal(ownedHere(shared, { machine: 'm2' }), false);
    assert.equal(ownedHere(shared, {}), false, 'an agent recorded with no machine is restarted by none');
  } finally {
    if (saved === undefined) delete process.env.GT_MACHINE;
    else process.env.GT_MACHINE = saved;
  }
});

test('machineAlive: stopped or silent past the stale time is not alive', () => {
  assert.equal(machineAlive(false, 0), true);
  assert.equal(machineAlive(false, MACHINE_STALE_MS - 1), true);
  assert.equal(machineAlive(false, MACHINE_STALE_MS), false);
  assert.equal(machineAlive(true, 0), false);
});

test('renderMachines: a dead machine, what was adopted from it and how its return retired it; the beads syncer', async () => {
  const { renderMachines } = await import('./machines-status.js');
  const base = { host: 'h', root: '/t', heartbeat_at: '2026-11-30T10:00:00Z', patrols: 1, leases: [], adopted: [], beads_sync: false };
  const out = renderMachines({ me: 'm2', rows: [
    { ...base, name: 'm1', heartbeat_age_ms: 95_000, alive: false, adopted: [
      { machine: 'm1', agent: 'demo/polecats/nux', bead: 'de-1', adopted_by: 'm2', claimed_at: '2026-11-30T10:01:00Z', done_at: '2026-11-30T10:01:01Z', reopened: true },
      { machine: 'm1', agent: 'demo/polecats/ace', bead: 'de-2', adopted_by: 'm3', claimed_at: '2026-11-30T10:01:00Z', done_at: '2026-11-30T10:01:01Z', reopened: true, retired_at: '2026-11-30T10:05:00Z', retire_note: 'worktree removed' },
    ] },
    { ...base, name: 'm2', heartbeat_age_ms: 1_000, alive: true, pid: 7, leases: ['demo'], beads_sync: true },
  ] });
  assert.equal(out, [
    'Machines (2; this one: m2):',
    '  m1               DEAD     last heartbeat 95 s ago on h',
    '    adopted by m2: de-1 from demo/polecats/nux (open again for a live machine)',
    '    adopted by m3: de-2 from demo/polecats/ace (open again for a live machine); retired here: worktree removed',
    '  m2               alive    last heartbeat 1 s ago on h pid 7; refinery lease: demo; beads sync',
  ].join('\n'));
});
