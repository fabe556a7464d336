// A clone with nothing beside it must pass: every test that reads ../shared/data goes through
// support/shared-data.ts, which skips it by name when the data is absent, instead of throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './support/cli.js';

const reachesShared = /['"]shared['"]\s*,\s*['"]data['"]|\.\.\/shared\/data/;

test('tests reach ../shared/data only through support/shared-data (skipped by name when absent)', () => {
  const dir = join(repoRoot, 'test');
  const offenders = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !['shared-data.test.ts', join('support', 'shared-data.ts')].includes(f))
    .filter((f) => reachesShared.test(readFileSync(join(dir, f), 'utf8')));
  assert.deepEqual(offenders, []);
});
