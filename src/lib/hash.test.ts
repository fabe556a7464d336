import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { digestBase64url, digestBytes, randomHex } from './hash.js';

// Ids and JSONL line hashes must not depend on the runtime: the same test runs under `bun test`
// (Bun.CryptoHasher) from beads/sqlite/driver-bun.test.ts.
test('digests equal node:crypto for ASCII, non-ASCII and empty input', () => {
  for (const s of ['', 'hello', 'héllo {"a":1} ✓', 'x'.repeat(10_000)]) {
    assert.equal(digestBase64url('sha1', s), createHash('sha1').update(s).digest('base64url'));
    assert.deepEqual(digestBytes('sha256', s), createHash('sha256').update(s).digest());
  }
  assert.match(randomHex(4), /^[0-9a-f]{8}$/);
});
