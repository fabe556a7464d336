// Formulas: TOML workflow sources (`<name>.formula.toml`), parsed and validated as pure functions
// over the text. A subset of Gas Town's format: name, description, version, variables and steps
// with `needs`. Every problem is one line naming the file and what is wrong with it.
import { parse, TomlError } from 'smol-toml';
import { UserError } from '../lib/errors.js';
import { findCycles } from '../beads/ready.js';

export interface FormulaVar {
  name: string;
  description?: string;
  /** Required vars must be given when the formula is poured; the others fall back to `default` ('' if none). */
  required: boolean;
  default?: string;
}

export interface FormulaStep {
  id: string;
  title: string;
  description?: string;
  /** Ids of the steps this one waits for. */
  needs: string[];
}

export interface Formula {
  name: string;
  description?: string;
  version?: number;
  vars: FormulaVar[];
  steps: FormulaStep[];
  /** Where it was read from (a file path, or `builtin:<name>`), for messages. */
  source: string;
}

export const FORMULA_SUFFIX = '.formula.toml';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const STEP_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const VAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `{{name}}`, spaces inside the braces allowed. */
export const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

// Keys Gas Town formulas carry that this subset reads past (`type = "workflow"`, a step's `type`).
const TOP_KEYS = new Set(['formula', 'description', 'version', 'vars', 'steps', 'type']);
const STEP_KEYS = new Set(['id', 'title', 'description', 'needs', 'type']);
const VAR_KEYS = new Set(['description', 'required', 'default']);

/** The variable names a template refers to, in order of first use. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!))];
}

/**
 * Parses and validates a formula. `expectedName` (from the file name) must equal its `formula` key.
 * Throws a UserError `<source>: <problem>` for the first problem found.
 */
export function parseFormula(text: string, source: string, expectedName?: string): Formula {
  const fail = (problem: string): never => {
    throw new UserError(`${source}: ${problem}`);
  };
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) fail(`invalid TOML at line ${e.line}, column ${e.column}: ${e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`);
    throw e;
  }

  unknownKeys(doc, TOP_KEYS, 'the formula', fail);
  const name = doc.formula;
  if (name === undefined) fail('missing `formula = "<name>"`');
  if (typeof name !== 'string') fail(`formula must be a string (got ${typeName(name)})`);
  const formulaName = name as string;
  if (!NAME_RE.test(formulaName)) fail(`invalid formula name "${formulaName}" (letters, digits, '.', '_' or '-')`);
  if (expectedName !== undefined && formulaName !== expectedName) fail(`formula is named "${formulaName}" but the file is ${expectedName}${FORMULA_SUFFIX}`);
  const description = optionalString(doc.description, 'description', fail);
  if (doc.type !== undefined && typeof doc.type !== 'string') fail(`type must be a string (got ${typeName(doc.type)})`);
  let version: number | undefined;
  if (doc.version !== undefined) {
    if (typeof doc.version !== 'number' || !Number.isInteger(doc.version) || doc.version < 0) fail(`version must be a whole number (got ${show(doc.version)})`);
    version = doc.version as number;
  }

  const vars = parseVars(doc.vars, fail);
  const steps = parseSteps(doc.steps, fail);

  const cycle = findNeedsCycle(steps);
  if (cycle) fail(`steps form a cycle through needs: ${cycle.join(' -> ')}`);

  const declared = new Set(vars.map((v) => v.name));
  const templates: [string, string | undefined][] = [['description', description]];
  for (const s of steps) templates.push([`step "${s.id}" title`, s.title], [`step "${s.id}" description`, s.description]);
  for (const [where, text] of templates) {
    for (const v of placeholders(text ?? '')) {
      if (!declared.has(v)) fail(`${where} uses {{${v}}}, which is not a declared variable (add [vars.${v}])`);
    }
  }
  return { name: formulaName, description, version, vars, steps, source };
}

function parseVars(raw: unknown, fail: (p: string) => never): FormulaVar[] {
  if (raw === undefined) return [];
  if (!isTable(raw)) fail(`vars must be a table of [vars.<name>] sections (got ${typeName(raw)})`);
  const vars: FormulaVar[] = [];
  for (const [name, spec] of Object.entries(raw as Record<string, unknown>)) {
    if (!VAR_NAME_RE.test(name)) fail(`invalid variable name "${name}" (letters, digits and '_', not starting with a digit)`);
    // `name = "value"` is shorthand for a variable with that default.
    if (typeof spec === 'string') {
      vars.push({ name, required: false, default: spec });
      continue;
    }
    if (!isTable(spec)) fail(`vars.${name} must be a table or a default string (got ${typeName(spec)})`);
    const t = spec as Record<string, unknown>;
    unknownKeys(t, VAR_KEYS, `vars.${name}`, fail);
    const description = optionalString(t.description, `vars.${name}.description`, fail);
    const def = optionalString(t.default, `vars.${name}.default`, fail);
    if (t.required !== undefined && typeof t.required !== 'boolean') fail(`vars.${name}.required must be true or false (got ${show(t.required)})`);
    if (t.required === true && def !== undefined) fail(`vars.${name} is required and has a default; choose one`);
    // A variable with neither a default nor `required = false` must be given.
    const required = t.required === true || (t.required === undefined && def === undefined);
    const v: FormulaVar = { name, required };
    if (description !== undefined) v.description = description;
    if (def !== undefined) v.default = def;
    vars.push(v);
  }
  return vars;
}

function parseSteps(raw: unknown, fail: (p: string) => never): FormulaStep[] {
  if (raw === undefined) fail('no steps (add [[steps]] sections)');
  if (!Array.isArray(raw)) fail(`steps must be an array of [[steps]] tables (got ${typeName(raw)})`);
  const list = raw as unknown[];
  if (!list.length) fail('no steps (add [[steps]] sections)');
  const steps: FormulaStep[] = [];
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const at = `steps[${i + 1}]`;
    if (!isTable(entry)) fail(`${at} must be a table (got ${typeName(entry)})`);
    const t = entry as Record<string, unknown>;
    if (t.id === undefined) fail(`${at} has no id`);
    if (typeof t.id !== 'string') fail(`${at}.id must be a string (got ${typeName(t.id)})`);
    const id = t.id as string;
    if (!STEP_ID_RE.test(id)) fail(`invalid step id "${id}" (letters, digits, '_' or '-')`);
    if (seen.has(id)) fail(`duplicate step id "${id}"`);
    seen.add(id);
    const where = `step "${id}"`;
    unknownKeys(t, STEP_KEYS, where, fail);
    if (t.title === undefined) fail(`${where} has no title`);
    if (typeof t.title !== 'string') fail(`${where} title must be a string (got ${typeName(t.title)})`);
    if (!(t.title as string).trim()) fail(`${where} has an empty title`);
    if (t.type !== undefined && typeof t.type !== 'string') fail(`${where} type must be a string (got ${typeName(t.type)})`);
    const description = optionalString(t.description, `${where} description`, fail);
    let needs: string[] = [];
    if (t.needs !== undefined) {
      if (!Array.isArray(t.needs) || !t.needs.every((n) => typeof n === 'string')) fail(`${where} needs must be an array of step ids (got ${show(t.needs)})`);
      needs = [...new Set(t.needs as string[])];
    }
    const step: FormulaStep = { id, title: t.title as string, needs };
    if (description !== undefined) step.description = description;
    steps.push(step);
  });
  for (const s of steps) {
    for (const n of s.needs) {
      if (!seen.has(n)) fail(`step "${s.id}" needs unknown step "${n}"`);
    }
  }
  return steps;
}

/** A cycle among the steps' needs as a path (first id repeated at the end), or undefined. Iterative: a chain of a million steps is fine. */
export function findNeedsCycle(steps: Pick<FormulaStep, 'id' | 'needs'>[]): string[] | undefined {
  const cycle = findCycles(steps.flatMap((s) => s.needs.map((n) => ({ issue_id: s.id, depends_on_id: n, type: 'blocks' }))))[0];
  return cycle && [...cycle, cycle[0]!];
}

function unknownKeys(t: Record<string, unknown>, known: Set<string>, where: string, fail: (p: string) => never): void {
  for (const k of Object.keys(t)) {
    if (!known.has(k)) fail(`unknown key "${k}" in ${where} (known: ${[...known].join(', ')})`);
  }
}

function optionalString(v: unknown, where: string, fail: (p: string) => never): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(`${where} must be a string (got ${typeName(v)})`);
  return v as string;
}

function isTable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  if (typeof v === 'number' || typeof v === 'bigint') return `the number ${String(v)}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return `a ${typeof v}`;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `the string "${v}"` : typeName(v);
}
