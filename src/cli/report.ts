// How a command's failure becomes one line and an exit code (0 ok, 1 user error, 3 internal; 2,
// usage, is commander's), shared by the commander path (main.ts) and bd's fast path (fast.ts), so
// both print the same bytes. No commander here.
import { isUserError } from '../lib/errors.js';
import { printable } from '../lib/text.js';

/** How bd wants errors printed: user errors as one JSON object {"error", "hint"} under --json (as Beads prints them). */
export interface RunOptions { jsonErrors?: boolean }

/** Prints a command's failure (not a usage error) on stderr; returns the exit code. */
export function reportError(name: string, e: unknown, opts: RunOptions = {}): number {
  if (isUserError(e) && opts.jsonErrors) {
    process.stderr.write(JSON.stringify({ error: e.message, ...(e.hint ? { hint: e.hint } : {}) }) + '\n');
    return e.exitCode;
  }
  if (isUserError(e)) {
    process.stderr.write(`${name}: ${printable(e.message)}${e.hint ? ` (${printable(e.hint)})` : ''}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  if (process.env.GT_DEBUG) process.stderr.write(`${err.stack ?? err}\n`);
  else process.stderr.write(`${name}: internal error: ${err?.message ?? err} (set GT_DEBUG=1 for the stack)\n`);
  return 3;
}

/**
 * `bd list | head` closes our stdout early: that is the reader's choice, not an error. Output
 * through writeOut (stdout.ts) handles it itself; under Node the stream is cheap, so whatever
 * writes to process.stdout directly is covered too. Under Bun it is not touched here (it would
 * load node:stream); the long-running commands that write to it directly run on Node.
 */
export function quietEpipe(): void {
  if (process.versions.bun) return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
