import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareStamps, formatStamp, instant, localZoneIsUtc, now } from './time.js';

test('now(): Beads format with microseconds, strictly increasing within a process', () => {
  const stamps = Array.from({ length: 5000 }, () => now());
  for (const s of stamps) assert.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/);
  for (let i = 1; i < stamps.length; i++) assert.ok(compareStamps(stamps[i - 1], stamps[i]) < 0, `${stamps[i - 1]} < ${stamps[i]}`);
  assert.ok(Math.abs(Date.parse(stamps[0]!) - Date.now()) < 60_000); // the wall clock, not another one
});

test('compareStamps: instants across zone offsets and sub-millisecond digits', () => {
  assert.ok(compareStamps('2026-01-01T10:00:00+02:00', '2026-01-01T09:00:00Z') < 0);
  assert.ok(compareStamps('2026-01-01T09:00:00.000002Z', '2026-01-01T09:00:00.000001Z') > 0);
  assert.equal(compareStamps('2026-01-01T09:00:00.5Z', '2026-01-01T09:00:00.500Z'), 0);
  assert.ok(compareStamps('2', '3') < 0); // not timestamps: as text
  assert.deepEqual(instant('2026-01-01T00:00:00.123456Z'), [Date.UTC(2026, 0, 1, 0, 0, 0, 123), 456000]);
  assert.equal(instant('soon'), undefined);
});

test('the local zone is known to be UTC without the engine only when TZ or /etc/localtime names a UTC zone', () => {
  assert.equal(localZoneIsUtc({ TZ: 'UTC' }), true);
  assert.equal(localZoneIsUtc({ TZ: ':Etc/UTC' }), true);
  assert.equal(localZoneIsUtc({ TZ: 'Europe/Paris' }), false);
  assert.equal(localZoneIsUtc({ TZ: 'UTC-2' }), false);
  assert.equal(localZoneIsUtc({}, '/nonexistent/localtime'), false);
  // Whatever it says here, the stamp it leads to is the engine's own local time.
  const micros = Date.UTC(2026, 10, 30, 7, 8, 9, 123) * 1000 + 456;
  const d = new Date(micros / 1000);
  const off = -d.getTimezoneOffset();
  const stamp = formatStamp(micros);
  assert.equal(Date.parse(stamp), Math.floor(micros / 1000));
  if (off === 0) assert.equal(stamp, '2026-11-30T07:08:09.123456Z');
});
