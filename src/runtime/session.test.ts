import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchScript } from './session.js';

test('launchScript: values are single-quoted for sh; a bad variable name is a user error, not a broken script', () => {
  const script = launchScript({ env: { KEY: "it's; $x `y`" }, argv: ['agent', 'a;'] });
  assert.match(script, /^export KEY='it'\\''s; \$x `y`'$/m);
  assert.match(script, /^'agent' 'a;'$/m);
  assert.throws(() => launchScript({ env: { 'BAD-NAME': 'v' }, argv: ['agent'] }), (e: Error) => e.name === 'UserError' && /environment variable name 'BAD-NAME' is not valid/.test(e.message));
  assert.throws(() => launchScript({ env: { 'X=$(id)': 'v' }, argv: ['agent'] }), /is not valid/);
});
