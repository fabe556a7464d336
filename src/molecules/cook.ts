// Cooking: a composed formula plus the caller's variables becomes a proto, the template graph a
// molecule is poured from (ordered steps with their text filled in and their needs). Conditions
// drop steps, for_each repeats them, and the needs are wired through both. Pure.
import { fitTitle } from '../beads/model.js';
import { PLACEHOLDER_RE, formulaError, type Formula, type FormulaStep, type StepGate } from './formula.js';
import { hasPrompts, renderPrompts } from './prompts.js';

export interface ProtoStep {
  id: string;
  title: string;
  description?: string;
  acceptance?: string;
  needs: string[];
  /** The bead type, when not task. */
  type?: string;
  gate?: StepGate;
  /** A convoy leg: slung to its own polecat. */
  leg?: { focus?: string };
}

export interface Proto {
  formula: string;
  /** The molecule root's title. */
  title: string;
  description?: string;
  /** Every variable's value (given or defaulted). */
  vars: Record<string, string>;
  steps: ProtoStep[];
  /** The formula asks to be poured (kept), not wisped. */
  pour?: boolean;
  /** Formula settings carried to the root (squash, prompts, presets, output). */
  extra?: Record<string, unknown>;
  /** The preset its legs were chosen by. */
  preset?: string;
}

/** `k=v` arguments (repeatable --var) into a map; a later value for the same key wins. */
export function parseVarArgs(args: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    const key = eq < 0 ? '' : a.slice(0, eq).trim();
    if (!key) throw formulaError(`invalid --var "${a}"`, 'use --var name=value');
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
      throw formulaError(`formula "${formula.name}" has no variable "${k}"`, takes);
    }
  }
  const vars: Record<string, string> = {};
  for (const v of formula.vars) {
    const value = given[v.name] ?? v.default ?? (v.required ? undefined : '');
    if (value === undefined) {
      throw formulaError(`formula "${formula.name}" needs variable "${v.name}"${v.description ? ` (${v.description})` : ''}`, `pass --var ${v.name}=...`);
    }
    vars[v.name] = value;
  }
  for (const v of formula.vars) {
    const group = [v.name, ...(v.requiredUnless ?? [])];
    if (v.requiredUnless && !group.some((n) => given[n]?.trim())) {
      throw formulaError(`formula "${formula.name}" needs one of the variables ${group.join(', ')}`, `pass --var ${v.name}=...`);
    }
  }
  return vars;
}

const GO_FIELD_RE = /\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}/g;

/**
 * Fills `{{name}}` placeholders, and Go-template `{{.name}}` ones that name a variable. Other Go
 * template actions (`{{if}}`, `{{range}}`, `{{.leg.id}}`) are left for whoever renders the prompt.
 */
export function substitute(text: string, vars: Record<string, string>): string {
  return text
    .replace(PLACEHOLDER_RE, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : whole))
    .replace(GO_FIELD_RE, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : whole));
}

/** Does a step's condition hold over the variables? (`var`: non-empty and not "false"/"0"/"no"). */
export function conditionHolds(condition: string, vars: Record<string, string>): boolean {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=)\s*(.*)$/.exec(condition);
  if (m) {
    const want = m[3]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    return (vars[m[1]!] ?? '') === want ? m[2] === '==' : m[2] === '!=';
  }
  const negated = condition.startsWith('!');
  const value = (vars[condition.replace(/^!\s*/, '')] ?? '').trim().toLowerCase();
  const truthy = value !== '' && !['false', '0', 'no', 'off'].includes(value);
  return negated ? !truthy : truthy;
}

/** A list variable's items: comma- or newline-separated, trimmed, empty ones dropped. */
export function listItems(value: string): string[] {
  return value.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
}

export interface CookOptions {
  /** A convoy formula's `[presets.<name>]`: pour only the legs it lists. */
  preset?: string;
}

/** The legs a preset leaves out (none without a preset); an unknown preset or leg is refused. */
export function legsLeftOut(formula: Formula, preset: string | undefined): Set<string> {
  if (preset === undefined) return new Set();
  const presets = formula.extra.presets as Record<string, { legs?: unknown }> | undefined;
  const names = presets && typeof presets === 'object' ? Object.keys(presets) : [];
  if (!names.length) throw formulaError(`formula "${formula.name}" has no presets`, 'pour it without --preset');
  const chosen = presets![preset];
  if (!chosen) throw formulaError(`formula "${formula.name}" has no preset "${preset}"`, `its presets: ${names.join(', ')}`);
  const legs = formula.steps.filter((s) => s.leg).map((s) => s.id);
  const listed = Array.isArray(chosen.legs) ? chosen.legs.map(String) : [];
  const unknown = listed.find((l) => !legs.includes(l));
  if (unknown !== undefined) throw formulaError(`${formula.source}: preset "${preset}" names leg "${unknown}", which the formula does not have`, `its legs: ${legs.join(', ')}`);
  if (!listed.length) throw formulaError(`${formula.source}: preset "${preset}" lists no legs`, 'give it legs = ["<leg id>", ...]');
  return new Set(legs.filter((l) => !listed.includes(l)));
}

export function cook(formula: Formula, given: Record<string, string> = {}, opts: CookOptions = {}): Proto {
  const vars = resolveVars(formula, given);
  const leftOut = legsLeftOut(formula, opts.preset);
  for (const s of formula.steps) {
    if (s.condition) checkNamed(formula, s, s.condition.replace(/^!\s*/, '').split(/\s*[!=]=/)[0]!.trim(), 'condition');
    if (s.forEach) checkNamed(formula, s, s.forEach, 'for_each');
  }
  // What each formula step became: its own id, its copies (for_each), or nothing (condition false).
  const became = new Map<string, string[]>();
  const kept: { step: FormulaStep; id: string; item?: string }[] = [];
  for (const s of formula.steps) {
    if (leftOut.has(s.id) || (s.condition && !conditionHolds(s.condition, vars))) {
      became.set(s.id, []);
      continue;
    }
    if (s.forEach) {
      const items = listItems(vars[s.forEach]!);
      const copies = items.map((item, i) => ({ step: s, id: `${s.id}-${i + 1}`, item }));
      became.set(s.id, copies.map((c) => c.id));
      kept.push(...copies);
      continue;
    }
    became.set(s.id, [s.id]);
    kept.push({ step: s, id: s.id });
  }
  // A dropped step passes its own needs on to whoever needed it.
  const needsOf = new Map(formula.steps.map((s) => [s.id, s.needs]));
  const resolved = new Map<string, string[]>();
  const through = (id: string): string[] => {
    const done = resolved.get(id);
    if (done) return done;
    const out = became.get(id)!.length ? became.get(id)! : [...new Set(needsOf.get(id)!.flatMap(through))];
    resolved.set(id, out);
    return out;
  };
  const steps = kept.map(({ step: s, id, item }) => {
    const v = item === undefined ? vars : { ...vars, item };
    const title = substitute(s.title, v).trim();
    if (!title) throw formulaError(`formula "${formula.name}": step "${s.id}" has an empty title with these variables`, 'give the variables it uses a value');
    // A long variable must not make the step unpourable.
    const step: ProtoStep = { id, title: fitTitle(title), needs: [...new Set(s.needs.flatMap(through))] };
    const description = s.description === undefined ? undefined : substitute(s.description, v);
    if (description) step.description = description;
    if (s.acceptance) step.acceptance = substitute(s.acceptance, v);
    if (s.type && s.type !== 'task' && s.type !== 'parallel') step.type = s.type;
    if (s.gate) step.gate = fillGate(s.gate, v);
    if (s.leg) step.leg = s.leg;
    return step;
  });
  if (!steps.length) throw formulaError(`formula "${formula.name}": no step is left with these variables (every condition is false)`);
  const description = formula.description === undefined ? undefined : substitute(formula.description, vars);
  const proto: Proto = { formula: formula.name, title: fitTitle(description ? `${formula.name}: ${firstLine(description)}` : formula.name), vars, steps };
  if (description) proto.description = description;
  if (formula.pour !== undefined) proto.pour = formula.pour;
  if (Object.keys(formula.extra).length) proto.extra = formula.extra;
  if (opts.preset !== undefined) proto.preset = opts.preset;
  // Render the prompts once now, so a template they cannot render is refused before any pour.
  if (hasPrompts(proto)) renderPrompts(proto, `${formula.name}-molecule`);
  return proto;
}

function checkNamed(formula: Formula, s: FormulaStep, name: string, what: string): void {
  if (!formula.vars.some((v) => v.name === name)) throw formulaError(`${formula.source}: step "${s.id}" ${what} uses "${name}", which is not a declared variable (add [vars.${name}])`);
}

function fillGate(g: StepGate, vars: Record<string, string>): StepGate {
  const out: StepGate = { ...g };
  for (const k of ['after', 'bead', 'command', 'condition', 'description'] as const) if (out[k] !== undefined) out[k] = substitute(out[k]!, vars);
  return out;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
