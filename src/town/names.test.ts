import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickPolecatName, POLECAT_NAMES } from './names.js';

test('picks the first free name, then numbered names past the pool', () => {
  assert.equal(pickPolecatName(new Set()), POLECAT_NAMES[0]);
  assert.equal(pickPolecatName(new Set([POLECAT_NAMES[0]!])), POLECAT_NAMES[1]);
  assert.equal(pickPolecatName(new Set(POLECAT_NAMES)), `${POLECAT_NAMES[0]}-2`);
  assert.equal(new Set(POLECAT_NAMES).size, POLECAT_NAMES.length, 'pool has no duplicates');
});
