// Where this package's own files are, whether running from the bundles (dist/bin) or from the
// one-to-one transpiled tree (dist/src, used by tests).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compiled, moduleDir } from './self.js';

let root: string | undefined;

/** The package root: the nearest ancestor of this module holding package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = moduleDir(import.meta.url);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package root not found');
    dir = up;
  }
  return (root = dir);
}

/** The directory holding the `gt` and `bd` executables agents call from PATH. */
export function binDir(): string {
  return join(packageRoot(), 'dist', 'bin');
}

/** How to run our own bd or gt as a child on this process's runtime: `process.execPath` with these arguments first. */
export function selfArgs(tool: 'bd' | 'gt'): string[] {
  return compiled ? [tool] : [join(binDir(), `${tool}.js`)];
}
