// Running the real `claude` binary (node_modules/.bin/claude, from @anthropic-ai/claude-code)
// against the stub model, and sweeping what tests start.
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, binDir } from './cli.js';
import { killServer } from '../../src/lib/tmux.js';
import { killGroup } from '../../src/lib/proc.js';

export const claudeBinDir = join(repoRoot, 'node_modules', '.bin');
export const claudeBin = join(claudeBinDir, 'claude');

/** What the agent needs to reach the stub: base URL, any token, no other traffic, root allowed. */
export function claudeEnv(stubUrl: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: stubUrl,
    ANTHROPIC_AUTH_TOKEN: 'stub-token',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    IS_SANDBOX: '1',
    PATH: `${binDir}:${claudeBinDir}:${process.env.PATH}`,
  };
}

export function townId(town: string): string {
  const m = /^id\s*=\s*"([^"]+)"/m.exec(readFileSync(join(town, 'town.toml'), 'utf8'));
  if (!m) throw new Error('town.toml has no id');
  return m[1]!;
}

/** Kills the town's tmux server and every headless session process group. */
export function sweepTown(town: string): void {
  if (!existsSync(join(town, 'town.toml'))) return;
  killServer(`gt-${townId(town)}`);
  const dir = join(town, '.runtime', 'sessions');
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (f.endsWith('.pid')) killGroup(Number(readFileSync(join(dir, f), 'utf8')), 'SIGKILL');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, f: () => Promise<T | undefined | false | null>, ms?: number): Promise<T>;
export async function until<T>(what: string, f: () => T | undefined | false | null, ms?: number): Promise<T>;
export async function until<T>(what: string, f: () => T | undefined | false | null | Promise<T | undefined | false | null>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
