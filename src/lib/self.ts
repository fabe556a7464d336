// How this process runs: as the compiled CLI (dist/bin/native: the Bun binary with our code inside
// as bytecode, built by scripts/build.mjs) or as a script under Node or Bun. Inside the compiled
// binary every module's URL is in Bun's virtual /$bunfs, so files shipped beside the binary are
// found from its own path instead.
import { dirname } from 'node:path';
import { builtin } from './builtin.js';

export const compiled = import.meta.url.startsWith('file:///$bunfs/');

/** The directory of the module at `url` (its `import.meta.url`), or of the compiled binary. */
export function moduleDir(url: string): string {
  return compiled ? dirname(process.execPath) : dirname(builtin<typeof import('node:url')>('node:url').fileURLToPath(url));
}
