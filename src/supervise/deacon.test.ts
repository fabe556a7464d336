import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessDeacon } from './deacon.js';

test('boot starts a missing deacon, restarts a silent one, leaves a beating one alone', () => {
  assert.equal(assessDeacon({ running: false }).kind, 'start');
  assert.equal(assessDeacon({ running: true, heartbeatAgeMs: undefined }).kind, 'ok', 'just started: no beat yet');
  assert.equal(assessDeacon({ running: true, heartbeatAgeMs: 5_000 }, 60_000).kind, 'ok');
  const hung = assessDeacon({ running: true, heartbeatAgeMs: 90_000 }, 60_000);
  assert.equal(hung.kind, 'restart');
  assert.match(hung.kind === 'restart' ? hung.reason : '', /no heartbeat for 90 s/);
});
