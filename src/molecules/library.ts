// Where formulas come from: `<name>.formula.toml` files in a search path of directories (first
// directory wins for a name), then the built-in ones (files shipped in the package). Reads files; the parsing is formula.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError } from '../lib/errors.js';
import { builtinFormulaDir } from './builtin.js';
import { composeFormula } from './compose.js';
import { FORMULA_SUFFIX, parseFormula, type Formula } from './formula.js';

export interface FormulaEntry {
  name: string;
  /** The file path (a built-in one lies in the package's formulas/). */
  source: string;
  formula?: Formula;
  /** Why it does not parse (a broken file is listed, not hidden). */
  error?: string;
}

interface Candidate { name: string; source: string; read: () => string }

function candidates(dirs: string[]): Candidate[] {
  const out: Candidate[] = [];
  for (const dir of [...dirs, builtinFormulaDir()]) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith(FORMULA_SUFFIX)).sort()) {
      const path = join(dir, file);
      out.push({ name: file.slice(0, -FORMULA_SUFFIX.length), source: path, read: () => readFileSync(path, 'utf8') });
    }
  }
  return out;
}

function load(c: Candidate): Formula {
  return parseFormula(c.read(), c.source, c.name);
}

/** Every formula by name (the first of the search path for each), sorted by name. */
export function listFormulas(dirs: string[]): FormulaEntry[] {
  const byName = new Map<string, FormulaEntry>();
  for (const c of candidates(dirs)) {
    if (byName.has(c.name)) continue;
    try {
      load(c);
      byName.set(c.name, { name: c.name, source: c.source, formula: loadComposed(c.name, dirs) });
    } catch (e) {
      byName.set(c.name, { name: c.name, source: c.source, error: (e as Error).message });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The names of every formula in the search path and the built-in ones (files not parsed). */
export function listFormulaNames(dirs: string[]): string[] {
  return [...new Set(candidates(dirs).map((c) => c.name))].sort();
}

/** The formula of that name with extends/compose applied: flat, checked steps. */
export function loadComposed(name: string, dirs: string[]): Formula {
  const cache = new Map<string, Formula>();
  const load = (n: string) => {
    let f = cache.get(n);
    if (!f) cache.set(n, (f = loadFormula(n, dirs)));
    return f;
  };
  return composeFormula(load(name), load);
}

/** The formula of that name, parsed and validated as written (its problems are the error). */
export function loadFormula(name: string, dirs: string[]): Formula {
  const c = candidates(dirs).find((x) => x.name === name);
  if (!c) {
    const known = [...new Set(candidates(dirs).map((x) => x.name))].sort();
    throw new NotFoundError('formula', name, `known formulas: ${known.join(', ')} (files are <name>${FORMULA_SUFFIX} in ${dirs.join(', ') || 'the search path'})`);
  }
  return load(c);
}
