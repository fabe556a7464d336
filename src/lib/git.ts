// The one module that runs git. Thin, typed wrappers; callers get GitError with git's own message.
import { run, runSync, type RunResult } from './proc.js';

export class GitError extends Error {
  constructor(readonly args: string[], readonly result: RunResult) {
    super(`git ${args.join(' ')} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    this.name = 'GitError';
  }
}

/** git's own reason for a failure: its first fatal/error line, else its last line. */
export function gitErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.pop() ?? '').slice(0, 300);
}

/** Environment for git calls: never prompt, never page. Identity stays the user's own. */
export function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', ...extra };
}

/** Runs git and returns trimmed stdout; throws GitError on non-zero exit. */
export async function git(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<string> {
  const r = await run('git', args, { cwd, env: gitEnv(opts.env), timeoutMs: opts.timeoutMs, input: opts.input });
  if (r.code !== 0) throw new GitError(args, r);
  return r.stdout.trimEnd();
}

/** Runs git and returns the full result without throwing (for commands whose failure is data). */
export function gitTry(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return run('git', args, { cwd, env: gitEnv(opts.env), timeoutMs: opts.timeoutMs });
}

/** Synchronous git for the CLI hot path (config lookups, rev-parse). */
export function gitSync(cwd: string, args: string[]): string {
  const r = runSync('git', args, { cwd, env: gitEnv() });
  if (r.code !== 0) throw new GitError(args, r);
  return r.stdout.trimEnd();
}

export function gitSyncTry(cwd: string, args: string[]): RunResult {
  return runSync('git', args, { cwd, env: gitEnv() });
}
