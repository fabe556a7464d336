// The real data beside the repository (`../shared/data/`): CI always places it there; a plain clone
// has none. Tests that need it ask here and are skipped by name (with this reason) when it is absent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cli.js';

export const sharedDataDir = join(repoRoot, '..', 'shared', 'data');

/** The path of a file under ../shared/data, or undefined when it is not there. */
export function sharedData(name: string): string | undefined {
  const p = join(sharedDataDir, name);
  return existsSync(p) ? p : undefined;
}

/** node:test's `skip` option for a test that needs `name`: false when present, else the reason. */
export function skipUnlessShared(name: string): false | string {
  return sharedData(name) ? false : `needs ../shared/data/${name} beside the repository (absent in this checkout)`;
}
