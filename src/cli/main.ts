// Shared CLI plumbing for bd and gt: one top-level catch that maps typed errors to a one-line
// message and an exit code (0 ok, 1 user error, 2 usage, 3 internal), and JSON/text printing.
import { Command, CommanderError } from 'commander';
import { printable } from '../lib/text.js';
import { reportError, quietEpipe, type RunOptions } from './report.js';
// Output helpers live in a module without commander (the fast path of bd loads them alone).
export { output, say, warn } from './output.js';

export function newProgram(name: string, description: string): Command {
  const program = new Command(name)
    .description(description)
    // One line per mistake: commander's reason, then where to look.
    .configureOutput({ outputError: (str, write) => write(`${printable(str.trim())} (see '${name} --help')\n`) })
    .exitOverride();
  return program;
}

export type { RunOptions } from './report.js';

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
    return reportError(program.name(), e, opts);
  }
}

/** Entry helper for bin scripts: run, close what the command opened (atEnd), exit with the code. */
export function main(program: Command, atEnd?: () => Promise<void>, opts: RunOptions & { argv?: string[] } = {}): void {
  quietEpipe(); // `bd list | head`: a reader that went away ends us quietly (report.ts)
  runProgram(program, opts.argv ?? process.argv, atEnd, opts).then((code) => {
    process.exitCode = code;
  });
}
