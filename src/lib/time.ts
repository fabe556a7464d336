// Timestamps, in the one format the whole project writes: Beads' RFC 3339 with microseconds and
// the local zone offset (e.g. 2025-01-02T03:04:05.123456+01:00).
import { readlinkSync } from 'node:fs';

let lastMicros = 0;

/**
 * The current time as a timestamp, strictly increasing within this process: the wall clock's
 * milliseconds, and the microsecond digits count up when calls share a millisecond (or the clock
 * steps back), so events written in order keep their order.
 */
export function now(): string {
  let micros = Date.now() * 1000;
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return formatStamp(micros);
}

let utcZone: boolean | undefined;

/**
 * Whether the local zone is UTC, known without asking the engine: its first zone lookup loads the
 * time zone database (a few ms under Node, tens of ms under Bun, more than a bd command's own
 * work). TZ names UTC, or TZ is unset and /etc/localtime links to a UTC zone (as the engines read
 * it); anything else is left to the engine.
 */
export function localZoneIsUtc(env: NodeJS.ProcessEnv = process.env, localtime = '/etc/localtime'): boolean {
  const utcName = /(^|\/)(UTC|UCT|GMT|Zulu|Universal|Greenwich)$/;
  const tz = env.TZ;
  if (tz !== undefined) return utcName.test(tz.replace(/^:/, ''));
  try {
    return utcName.test(readlinkSync(localtime));
  } catch {
    return false; // not a link (a copied zone file): the engine knows
  }
}

/** Microseconds since the epoch -> the timestamp text, in the local zone. */
export function formatStamp(micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  if (utcZone ??= localZoneIsUtc()) {
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
      `.${pad(micros % 1_000_000, 6)}Z`;
  }
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `.${pad(micros % 1_000_000, 6)}${zone}`;
}

/**
 * A timestamp as a comparable instant: [epoch ms, sub-millisecond digits as nanoseconds], or
 * undefined when it does not parse. Compares across zone offsets, unlike the strings.
 */
export function instant(stamp: string): [number, number] | undefined {
  const ms = Date.parse(stamp);
  if (Number.isNaN(ms)) return undefined;
  const frac = /\.\d{3}(\d{1,6})/.exec(stamp)?.[1] ?? '';
  return [ms, Number(frac.padEnd(6, '0'))];
}

/** Orders two timestamps by the instant they name (as text when either does not parse). */
export function compareStamps(a: string | undefined, b: string | undefined): number {
  const x = a === undefined ? undefined : instant(a);
  const y = b === undefined ? undefined : instant(b);
  if (x && y) return x[0] - y[0] || x[1] - y[1];
  const [s, t] = [a ?? '', b ?? ''];
  return s < t ? -1 : s > t ? 1 : 0;
}

export function ageMs(iso: string | undefined, at = Date.now()): number {
  if (!iso) return Infinity;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Infinity : at - t;
}

/** Blocks the thread for ms: only for short, bounded waits inside synchronous APIs. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
