// Formulas shipped inside the package as real `<name>.formula.toml` files (src/molecules/formulas,
// copied beside the built code by scripts/build.mjs), parsed by the same code as a town's files,
// so every town has them without copying. A town's own file of the same name wins.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError } from '../lib/errors.js';
import { moduleDir } from '../lib/self.js';

/** The directory of the built-in formulas: beside this module, or beside the bundle it went into. */
export function builtinFormulaDir(): string {
  const here = moduleDir(import.meta.url);
  for (const rel of ['formulas', '../formulas']) {
    const dir = join(here, rel);
    if (existsSync(dir)) return dir + '/';
  }
  throw new InternalError(`the built-in formulas are missing from the package (no formulas/ in or above ${here}); rebuild it`);
}
