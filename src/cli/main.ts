// Shared CLI plumbing for bd and gt: one top-level catch that maps typed errors to a one-line
// message and an exit code (0 ok, 1 user error, 2 usage, 3 internal), and JSON/text printing.
import { Command, CommanderError } from 'commander';
import { isUserError } from '../lib/errors.js';
import { printable } from '../lib/text.js';
import { writeOut } from './stdout.js';

export function newProgram(name: string, description: string): Command {
  const program = new Command(name)
    .description(description)
    // One line per mistake: commander's reason, then where to look.
    .configureOutput({ outputError: (str, write) => write(`${printable(str.trim())} (see '${name} --help')\n`) })
    .exitOverride();
  return program;
}

/** How bd wants errors printed: user errors as one JSON object {"error", "hint"} under --json (as Beads prints them). */
export interface RunOptions { jsonErrors?: boolean }

/**
 * Parses argv and runs the matched command, then atEnd (closing what the command opened, even when
 * it failed); never throws, returns the exit code.
 */
export async function runProgram(program: Command, argv = process.argv, atEnd?: () => Promise<void>, opts: RunOptions = {}): Promise<number> {
  try {
    try {
      await program.parseAsync(argv);
    } catch (e) {
      await atEnd?.().catch(() => undefined); // the command's own failure is the one to report
      throw e;
    }
    await atEnd?.();
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help asked for is success; help shown because a subcommand was missing is a usage error.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2;
      return 2; // commander already printed the one-line reason
    }
    const name = program.name();
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
}

/**
 * Prints data as JSON (--json, exact) or via a text renderer. Text output shows control characters
 * escaped (lib/text.ts printable), always, not only on a TTY: it holds titles and messages anyone
 * could write, and text piped to a file or a pager reaches a terminal all the same. Programs that
 * need the exact bytes read --json.
 */
export function output<T>(json: boolean | undefined, data: T, text: (d: T) => string): void {
  if (json) writeOut(JSON.stringify(data, null, 2) + '\n');
  else {
    const s = printable(text(data), { multiline: true });
    if (s) writeOut(s.endsWith('\n') ? s : s + '\n');
  }
}

/**
 * One line of progress (a command that reports as it goes), escaped like output(): on stdout, or
 * on stderr when stdout holds --json.
 */
export function say(line: string, stream?: NodeJS.WriteStream): void {
  const text = `${printable(line, { multiline: true })}\n`;
  if (stream) stream.write(text);
  else writeOut(text);
}

/**
 * A failure or warning that does not end the command (the mail went, the nudge did not): one
 * line on stderr, whatever the output mode, so stdout holds only the command's normal output.
 */
export function warn(program: 'gt' | 'bd', text: string): void {
  process.stderr.write(`${program}: ${printable(text)}\n`);
}

/** Entry helper for bin scripts: run, close what the command opened (atEnd), exit with the code. */
export function main(program: Command, atEnd?: () => Promise<void>, opts: RunOptions & { argv?: string[] } = {}): void {
  // `bd list | head` closes our stdout early: that is the reader's choice, not an error. Output
  // through writeOut (stdout.ts) handles it itself; under Node the stream is cheap, so whatever
  // writes to process.stdout directly is covered too. Under Bun it is not touched here (it would
  // load node:stream); the long-running commands that write to it directly run on Node.
  if (!process.versions.bun) {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  runProgram(program, opts.argv ?? process.argv, atEnd, opts).then((code) => {
    process.exitCode = code;
  });
}
