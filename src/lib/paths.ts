// Where this package's own files are, whether running from the bundles (dist/bin) or from the
// one-to-one transpiled tree (dist/src, used by tests).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package root: the nearest ancestor of this module holding package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
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
