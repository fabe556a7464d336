// Cooking: a formula plus the caller's variables becomes a proto, the template graph a molecule is
// poured from (ordered steps with their text filled in and their needs). Pure.
import { UserError } from '../lib/errors.js';
import { fitTitle } from '../beads/model.js';
import { PLACEHOLDER_RE, type Formula } from './formula.js';

export interface ProtoStep {
  id: string;
  title: string;
  description?: string;
  needs: string[];
}

export interface Proto {
  formula: string;
  /** The molecule root's title. */
  title: string;
  description?: string;
  /** Every variable's value (given or defaulted). */
  vars: Record<string, string>;
  steps: ProtoStep[];
}

/** `k=v` arguments (repeatable --var) into a map; a later value for the same key wins. */
export function parseVarArgs(args: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    const key = eq < 0 ? '' : a.slice(0, eq).trim();
    if (!key) throw new UserError(`invalid --var "${a}"`, 'use --var name=value');
    vars[key] = a.slice(eq + 1);
  }
  return vars;
}

/** The value of every variable of the formula, from the given ones and the defaults. */
export function resolveVars(formula: Formula, given: Record<string, string>): Record<string, string> {
  const declared = new Map(formula.vars.map((v) => [v.name, v]));
  for (const k of Object.keys(given)) {
    if (!declared.has(k)) {
      const takes = formula.vars.length ? `it takes: ${formula.vars.map((v) => v.name).join(', ')}` : 'it takes no variables';
      throw new UserError(`formula "${formula.name}" has no variable "${k}"`, takes);
    }
  }
  const vars: Record<string, string> = {};
  for (const v of formula.vars) {
    const value = given[v.name] ?? v.default ?? (v.required ? undefined : '');
    if (value === undefined) {
      throw new UserError(`formula "${formula.name}" needs variable "${v.name}"${v.description ? ` (${v.description})` : ''}`, `pass --var ${v.name}=...`);
    }
    vars[v.name] = value;
  }
  return vars;
}

/** Fills `{{name}}` placeholders (validation already made sure every name is declared). */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(PLACEHOLDER_RE, (whole, name: string) => vars[name] ?? whole);
}

export function cook(formula: Formula, given: Record<string, string> = {}): Proto {
  const vars = resolveVars(formula, given);
  const fill = (t: string | undefined) => (t === undefined ? undefined : substitute(t, vars));
  const steps = formula.steps.map((s) => {
    const title = substitute(s.title, vars).trim();
    if (!title) throw new UserError(`formula "${formula.name}": step "${s.id}" has an empty title with these variables`, 'give the variables it uses a value');
    const step: ProtoStep = { id: s.id, title: fitTitle(title), needs: [...s.needs] }; // a long variable must not make it unpourable
    const description = fill(s.description);
    if (description) step.description = description;
    return step;
  });
  const description = fill(formula.description);
  const proto: Proto = { formula: formula.name, title: fitTitle(description ? `${formula.name}: ${firstLine(description)}` : formula.name), vars, steps };
  if (description) proto.description = description;
  return proto;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
