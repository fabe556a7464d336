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
