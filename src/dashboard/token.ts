// The per-town dashboard token: the key to the town's private view and its actions. Kept in the
// town (mode 0600, made once) so restarting `gt dashboard` does not lock out open pages, and a
// user with no read access to the town cannot read it. The browser gets it once in the URL, trades
// it for an HttpOnly SameSite=Strict cookie, and never shows it again.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { TOWN_ENTRIES, type Town } from '../town/town.js';

export const COOKIE = 'gt_dashboard';

export function tokenFile(town: Town): string {
  return join(town.root, TOWN_ENTRIES.dashboard, 'token');
}

/** The town's token, made on first use (created exclusively: two dashboards starting at once agree). */
export function townToken(town: Town): string {
  const file = tokenFile(town);
  for (;;) {
    try {
      const t = readFileSync(file, 'utf8').trim();
      if (t) return t;
      throw new UserError(`the dashboard token file ${file} is empty`, 'remove it and start gt dashboard again (a new token is made)');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    mkdirSync(join(town.root, TOWN_ENTRIES.dashboard), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Constant-time comparison (a timing side channel must not spell the token out). */
export function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer`, or the page's cookie. Pure. */
export function requestToken(headers: { authorization?: string; cookie?: string }): string | undefined {
  const bearer = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) return bearer;
  for (const part of (headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

/**
 * Whether a state-changing request may come from this origin: a browser always sends Origin on a
 * POST, and it must be the dashboard itself; scripts (no Origin) prove themselves with the token.
 * Pure.
 */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
