// Printing command results, shared by bd and gt. No commander here: bd's fast path (fast.ts) runs
// hot commands without loading it.
import { printable } from '../lib/text.js';
import { writeOut } from './stdout.js';

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
