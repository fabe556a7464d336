import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress, formatAddress, canonicalAddress, sessionName, agentBeadId } from './address.js';

test('parses every address form to one canonical form', () => {
  assert.deepEqual(parseAddress('mayor'), { role: 'mayor' });
  assert.deepEqual(parseAddress('demo/witness'), { role: 'witness', rig: 'demo' });
  assert.deepEqual(parseAddress('demo/nux'), { role: 'polecat', rig: 'demo', name: 'nux' });
  assert.equal(canonicalAddress('demo/nux'), 'demo/polecats/nux');
  assert.equal(canonicalAddress('demo/polecats/nux/'), 'demo/polecats/nux');
  assert.equal(canonicalAddress('demo/crew/ann'), 'demo/crew/ann');
  assert.equal(formatAddress({ role: 'dog', name: 'rex' }), 'dogs/rex');
});

test('rejects malformed addresses with a hint', () => {
  for (const bad of ['', 'nobody', 'demo/crew', 'Demo/x', 'a/b/c/d', 'demo/polecats', '../x']) {
    assert.throws(() => parseAddress(bad), /not an agent address/, bad);
  }
});

test('session names and bead ids are derived, stable and distinct', () => {
  assert.equal(sessionName(parseAddress('demo/nux')), 'gt-demo-polecat-nux');
  assert.equal(sessionName(parseAddress('mayor')), 'gt-town-mayor');
  assert.equal(agentBeadId('dm', parseAddress('demo/nux')), 'dm-agent-polecat-nux');
  assert.equal(agentBeadId('hq', parseAddress('overseer')), 'hq-agent-overseer');
});
