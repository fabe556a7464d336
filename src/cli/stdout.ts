// Command output written straight to file descriptor 1. Under Bun, touching process.stdout loads
// the whole node:stream stack (about a quarter of a short command's start-up); under Node it is
// cheap but not free. A write that would block (a non-blocking pipe that is full) hands the rest,
// and every later write, to process.stdout, so order is kept. A reader that went away (`bd list |
// head`) ends the process quietly with the command's exit code, as before.
import { writeSync } from 'node:fs';

let viaStream = false;

function toStream(text: string): void {
  if (!viaStream) {
    viaStream = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  process.stdout.write(text);
}

export function writeOut(text: string): void {
  if (viaStream) return toStream(text);
  let buf = Buffer.from(text);
  while (buf.length) {
    try {
      buf = buf.subarray(writeSync(1, buf));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      if (code === 'EAGAIN') return toStream(buf.toString());
      throw e;
    }
  }
}
