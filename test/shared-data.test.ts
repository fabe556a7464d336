// A clone with nothing beside it must pass: every test that reads ../shared/data goes through
// support/shared-data.ts, which skips it by name when the data is absent, instead of throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './support/cli.js';

// A path built in code ('shared', 'data' joined, or a literal holding ../shared/data); comments may name it.
const reachesShared = /['"`]shared['"`]\s*,\s*['"`]data['"`]|\.\.\/shared\/data/;
const withoutComments = (src: string) => src.replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');

test('tests reach ../shared/data only through support/shared-data (skipped by name when absent)', () => {
  const dir = join(repoRoot, 'test');
  const offenders = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !['shared-data.test.ts', join('support', 'shared-data.ts')].includes(f))
    .filter((f) => reachesShared.test(withoutComments(readFileSync(join(dir, f), 'utf8'))));
  assert.deepEqual(offenders, []);
});
