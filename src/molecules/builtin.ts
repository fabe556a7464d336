// Formulas shipped inside the package as real `<name>.formula.toml` files (src/molecules/formulas,
// copied beside the built code by scripts/build.mjs), parsed by the same code as a town's files,
// so every town has them without copying. A town's own file of the same name wins.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../lib/errors.js';

/** The directory of the built-in formulas: beside this module, or beside the bundle it went into. */
export function builtinFormulaDir(): string {
  for (const rel of ['formulas/', '../formulas/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new InternalError(`the built-in formulas are missing from the package (no formulas/ beside ${fileURLToPath(import.meta.url)}); rebuild it`);
}
