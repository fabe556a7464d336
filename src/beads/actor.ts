// Who is making a change: --actor, else BD_ACTOR, else the git user name (as Beads does), else $USER.
import { gitSyncTry } from '../lib/git.js';

export function resolveActor(flag?: string, cwd: string = process.cwd()): string {
  if (flag?.trim()) return flag.trim();
  const env = process.env.BD_ACTOR?.trim() || process.env.BEADS_ACTOR?.trim();
  if (env) return env;
  try {
    const r = gitSyncTry(cwd, ['config', 'user.name']);
    const name = r.code === 0 ? r.stdout.trim() : '';
    if (name) return name;
  } catch { /* git not installed */ }
  return process.env.GIT_AUTHOR_NAME?.trim() || process.env.USER || 'unknown';
}
