// Formulas: TOML workflow sources (`<name>.formula.toml`) in Gas Town's format, parsed and
// validated as pure functions over the text. Four types: `workflow` (steps with `needs`),
// `convoy` (parallel `[[legs]]` and a `[synthesis]` that needs them), `expansion` (`[[template]]`
// steps that replace a target step) and `aspect` (`[[advice]]` steps around matching steps).
// `extends`/`compose` are resolved by compose.ts. Every problem is one line naming the file and,
// where the text has one, the line.
import { parse, TomlError } from 'smol-toml';
import { UserError } from '../lib/errors.js';
import { printable } from '../lib/text.js';
import { findCycles } from '../beads/ready.js';
import { keyLines, lineOf, type KeyPath } from './toml-lines.js';

export interface FormulaVar {
  name: string;
  description?: string;
  /** Required vars must be given when the formula is poured; the others fall back to `default` ('' if none). */
  required: boolean;
  default?: string;
  /** Gas Town's `required_unless`: this one or one of these must be given. */
  requiredUnless?: string[];
}

export const GATE_TYPES = ['human', 'timer', 'bead', 'command', 'conditional'] as const;
export type GateType = (typeof GATE_TYPES)[number];

/** What a gated step waits for besides its needs. */
export interface StepGate {
  type: GateType;
  /** timer: a duration (`30s`, `30m`, `2h`, `1d`) counted from the pour. */
  after?: string;
  /** bead: the bead that must close. */
  bead?: string;
  /** command: a shell check; exit 0 opens the gate. */
  command?: string;
  /** conditional (Gas Town): the step runs only when this holds; the agent judges it. */
  condition?: string;
  description?: string;
}

/** Bead types a step may be (`type`); `parallel` is Gas Town's container of `children`. */
export const STEP_TYPES = ['task', 'bug', 'feature', 'chore', 'epic', 'parallel'] as const;

export interface FormulaStep {
  id: string;
  title: string;
  description?: string;
  acceptance?: string;
  /** Ids of the steps this one waits for. */
  needs: string[];
  type?: (typeof STEP_TYPES)[number];
  gate?: StepGate;
  /** Poured only when this holds over the variables (`var`, `!var`, `var == value`, `var != value`). */
  condition?: string;
  /** Repeat the step once per item of this list variable (comma or newline separated), `{{item}}` in its text. */
  forEach?: string;
  /** A `parallel` step's children: they take its needs, and it waits for all of them. */
  children?: FormulaStep[];
  /** A convoy leg (slung to its own polecat), with its focus. */
  leg?: { focus?: string };
}

export interface Advice {
  /** A step id or glob (`*` any run of characters). */
  target: string;
  before: FormulaStep[];
  after: FormulaStep[];
}

export type FormulaType = 'workflow' | 'convoy' | 'expansion' | 'aspect';

export interface Formula {
  name: string;
  description?: string;
  version?: number;
  type: FormulaType;
  vars: FormulaVar[];
  /** workflow and convoy (legs, then the synthesis) steps, in file order. */
  steps: FormulaStep[];
  /** expansion: the steps that replace a target (`{target}`, `{target.title}`, `{target.description}`). */
  template: FormulaStep[];
  /** aspect: steps inserted before/after every step matching a target or pointcut (`{step.id}`). */
  advice: Advice[];
  extends: string[];
  compose: { expand: { target: string; with: string }[]; aspects: string[] };
  /** Gas Town's `pour = true`: meant to be poured (kept), not run as a wisp. */
  pour?: boolean;
  /** Settings carried to the molecule root as they are (`squash`, `prompts`, `presets`, `output`). */
  extra: Record<string, unknown>;
  /** Where it was read from (a file path), for messages. */
  source: string;
}

export const FORMULA_SUFFIX = '.formula.toml';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const STEP_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Template and advice ids may hold `{target}` / `{step.id}`. */
const TEMPLATE_ID_RE = /^[A-Za-z0-9{][A-Za-z0-9_.{}-]*$/;
const VAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `{{name}}`, spaces inside the braces allowed (Go-template `{{.name}}` is render.ts's). */
export const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

const TOP_KEYS = ['formula', 'description', 'version', 'type', 'vars', 'inputs', 'steps', 'legs', 'synthesis', 'template', 'advice', 'pointcuts', 'aspects', 'extends', 'compose', 'pour', 'squash', 'prompts', 'presets', 'output'];
const STEP_KEYS = ['id', 'title', 'description', 'acceptance', 'needs', 'type', 'gate', 'condition', 'for_each', 'children'];
const LEG_KEYS = ['id', 'title', 'description', 'focus', 'acceptance', 'needs', 'gate', 'condition'];
const SYNTHESIS_KEYS = ['id', 'title', 'description', 'acceptance', 'depends_on', 'needs', 'gate'];
const VAR_KEYS = ['description', 'required', 'default', 'type', 'required_unless'];
const GATE_KEYS = ['type', 'after', 'bead', 'command', 'condition', 'description'];
const TYPES: FormulaType[] = ['workflow', 'convoy', 'expansion', 'aspect'];

/** Go-template words that look like `{{name}}` but are actions (`{{else}}`, `{{end}}`). */
const TEMPLATE_WORDS = new Set(['else', 'end', 'if', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil']);

/** The variable names a template refers to, in order of first use. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!).filter((n) => !TEMPLATE_WORDS.has(n)))];
}

type Fail = (problem: string, at?: KeyPath) => never;
type Table = Record<string, unknown>;

/**
 * Parses and validates a formula. `expectedName` (from the file name) must equal its `formula` key.
 * Throws a UserError `<source>:<line>: <problem>` for the first problem found.
 */
export function parseFormula(text: string, source: string, expectedName?: string): Formula {
  let lines: Map<string, number> | undefined;
  const fail: Fail = (problem, at) => {
    lines ??= keyLines(text);
    const line = at && lineOf(lines, at);
    throw new UserError(`${source}${line ? `:${line}` : ''}: ${oneLine(problem)}`);
  };
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) fail(`invalid TOML at line ${e.line}, column ${e.column}: ${e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`);
    throw e;
  }

  unknownKeys(doc, TOP_KEYS, 'the formula', [], fail);
  const name = doc.formula;
  if (name === undefined) fail('missing `formula = "<name>"`');
  if (typeof name !== 'string') fail(`formula must be a string (got ${typeName(name)})`, ['formula']);
  const formulaName = name as string;
  if (!NAME_RE.test(formulaName)) fail(`invalid formula name "${formulaName}" (letters, digits, '.', '_' or '-')`, ['formula']);
  if (expectedName !== undefined && formulaName !== expectedName) fail(`formula is named "${formulaName}" but the file is ${expectedName}${FORMULA_SUFFIX}`, ['formula']);
  const description = optionalString(doc.description, ['description'], fail);
  let version: number | undefined;
  if (doc.version !== undefined) {
    if (typeof doc.version !== 'number' || !Number.isInteger(doc.version) || doc.version < 0) fail(`version must be a whole number (got ${show(doc.version)})`, ['version']);
    version = doc.version as number;
  }
  const extendsList = stringList(doc.extends, ['extends'], fail, true);
  formulaNames(extendsList, 'extends', ['extends'], fail);
  const type = inferType(doc, fail);
  const vars = [...parseVars(doc.vars, 'vars', fail), ...parseVars(doc.inputs, 'inputs', fail)];
  const compose = parseCompose(doc.compose, fail);
  if (doc.pour !== undefined && typeof doc.pour !== 'boolean') fail(`pour must be true or false (got ${show(doc.pour)})`, ['pour']);
  const extra: Record<string, unknown> = {};
  for (const k of ['squash', 'prompts', 'presets', 'output']) {
    if (doc[k] === undefined) continue;
    if (!isTable(doc[k])) fail(`${k} must be a table (got ${typeName(doc[k])})`, [k]);
    extra[k] = doc[k];
  }

  const f: Formula = {
    name: formulaName, type, vars, steps: [], template: [], advice: [], extends: extendsList, compose, extra, source,
  };
  if (description !== undefined) f.description = description;
  if (version !== undefined) f.version = version;
  if (doc.pour !== undefined) f.pour = doc.pour as boolean;

  if (type === 'convoy') f.steps = parseConvoy(doc, fail);
  else if (doc.legs !== undefined || doc.synthesis !== undefined) fail('[[legs]] and [synthesis] belong to a convoy formula (type = "convoy")', [doc.legs !== undefined ? 'legs' : 'synthesis']);
  if (type === 'workflow') {
    if (doc.steps !== undefined || !extendsList.length) f.steps = parseSteps(doc.steps, ['steps'], fail, !extendsList.length);
  } else if (doc.steps !== undefined) fail(`[[steps]] do not belong in a ${type} formula`, ['steps']);
  if (type === 'expansion') f.template = parseSteps(doc.template, ['template'], fail, true, TEMPLATE_ID_RE);
  else if (doc.template !== undefined) fail('[[template]] belongs to an expansion formula (type = "expansion")', ['template']);
  if (type === 'aspect') f.advice = parseAdvice(doc, fail);
  else if (doc.advice !== undefined || doc.pointcuts !== undefined) fail('[[advice]] and [[pointcuts]] belong to an aspect formula (type = "aspect")', [doc.advice !== undefined ? 'advice' : 'pointcuts']);
  if (doc.aspects !== undefined) fail('a top-level `aspects` list is not supported: apply aspect formulas with [compose] aspects = ["<name>"]', ['aspects']);

  // A formula that extends another is checked once composed (its needs may name inherited steps).
  if (!extendsList.length) {
    const where = (id: string): KeyPath => stepPath(f, id);
    const problem = checkGraph(f.type === 'expansion' ? f.template : f.steps);
    if (problem) fail(problem.message, problem.step ? where(problem.step) : undefined);
    const bad = undeclaredPlaceholder(f);
    if (bad) fail(bad.message, bad.step ? [...where(bad.step), bad.field ?? 'title'] : ['description']);
  }
  return f;
}

/** Problems of a composed step graph: unknown needs or a cycle. */
export function checkGraph(steps: FormulaStep[]): { message: string; step?: string } | undefined {
  const all = flatten(steps);
  const ids = new Set(all.map((s) => s.id));
  for (const s of all) {
    for (const n of s.needs) if (!ids.has(n)) return { message: `step "${s.id}" needs unknown step "${n}"`, step: s.id };
  }
  const cycle = findNeedsCycle(all);
  if (cycle) return { message: `steps form a cycle through needs: ${cycle.join(' -> ')}`, step: cycle[0] };
  return undefined;
}

/** A `{{name}}` that no variable declares, with where it is. */
export function undeclaredPlaceholder(f: Formula): { message: string; step?: string; field?: string } | undefined {
  const declared = new Set(f.vars.map((v) => v.name));
  for (const v of placeholders(f.description ?? '')) {
    if (!declared.has(v)) return { message: `description uses {{${v}}}, which is not a declared variable (add [vars.${v}])` };
  }
  for (const s of flatten([...f.steps, ...f.template, ...f.advice.flatMap((a) => [...a.before, ...a.after])])) {
    const own = new Set(s.forEach ? [...declared, 'item'] : declared);
    for (const field of ['title', 'description', 'acceptance'] as const) {
      for (const v of placeholders(s[field] ?? '')) {
        if (!own.has(v)) return { message: `step "${s.id}" ${field} uses {{${v}}}, which is not a declared variable (add [vars.${v}])`, step: s.id, field };
      }
    }
  }
  return undefined;
}

/** Steps with their children, depth first. */
export function flatten(steps: FormulaStep[]): FormulaStep[] {
  return steps.flatMap((s) => [s, ...flatten(s.children ?? [])]);
}

/** A cycle among the steps' needs as a path (first id repeated at the end), or undefined. Iterative: a chain of a million steps is fine. */
export function findNeedsCycle(steps: Pick<FormulaStep, 'id' | 'needs'>[]): string[] | undefined {
  const cycle = findCycles(steps.flatMap((s) => s.needs.map((n) => ({ issue_id: s.id, depends_on_id: n, type: 'blocks' }))))[0];
  return cycle && [...cycle, cycle[0]!];
}

function stepPath(f: Formula, id: string): KeyPath {
  const find = (list: FormulaStep[], base: KeyPath): KeyPath | undefined => {
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.id === id) return [...base, i];
      const inner = find(list[i]!.children ?? [], [...base, i, 'children']);
      if (inner) return inner;
    }
    return undefined;
  };
  if (f.type === 'expansion') return find(f.template, ['template']) ?? [];
  if (f.type === 'convoy') {
    const legs = f.steps.filter((s) => s.leg);
    const i = legs.findIndex((s) => s.id === id);
    return i >= 0 ? ['legs', i] : ['synthesis'];
  }
  return find(f.steps, ['steps']) ?? [];
}

function inferType(doc: Table, fail: Fail): FormulaType {
  if (doc.type !== undefined) {
    if (typeof doc.type !== 'string' || !TYPES.includes(doc.type as FormulaType)) fail(`unknown formula type ${show(doc.type)} (known: ${TYPES.join(', ')})`, ['type']);
    return doc.type as FormulaType;
  }
  // Gas Town infers the type from the content when `type` is absent.
  if (doc.legs !== undefined) return 'convoy';
  if (doc.template !== undefined) return 'expansion';
  if (doc.advice !== undefined) return 'aspect';
  return 'workflow';
}

function parseVars(raw: unknown, key: 'vars' | 'inputs', fail: Fail): FormulaVar[] {
  if (raw === undefined) return [];
  if (!isTable(raw)) fail(`${key} must be a table of [${key}.<name>] sections (got ${typeName(raw)})`, [key]);
  const vars: FormulaVar[] = [];
  for (const [name, spec] of Object.entries(raw as Table)) {
    const at: KeyPath = [key, name];
    if (!VAR_NAME_RE.test(name)) fail(`invalid variable name "${name}" (letters, digits and '_', not starting with a digit)`, at);
    // `name = "value"` is shorthand for a variable with that default.
    if (typeof spec === 'string') {
      vars.push({ name, required: false, default: spec });
      continue;
    }
    if (!isTable(spec)) fail(`${key}.${name} must be a table or a default string (got ${typeName(spec)})`, at);
    const t = spec as Table;
    unknownKeys(t, VAR_KEYS, `${key}.${name}`, at, fail);
    const description = optionalString(t.description, [...at, 'description'], fail);
    if (t.default !== undefined && !['string', 'number', 'boolean'].includes(typeof t.default)) fail(`${key}.${name}.default must be a string (got ${typeName(t.default)})`, [...at, 'default']);
    const def = t.default === undefined ? undefined : String(t.default);
    if (t.required !== undefined && typeof t.required !== 'boolean') fail(`${key}.${name}.required must be true or false (got ${show(t.required)})`, [...at, 'required']);
    if (t.type !== undefined && !['string', 'number', 'boolean', 'list'].includes(t.type as string)) fail(`${key}.${name}.type must be string, number, boolean or list (got ${show(t.type)})`, [...at, 'type']);
    const unless = stringList(t.required_unless, [...at, 'required_unless'], fail, false);
    // As in Gas Town: required only when it says `required = true`, and a default makes it
    // optional even then (Gas Town files carry both).
    const required = def === undefined && !unless.length && t.required === true;
    const v: FormulaVar = { name, required };
    if (description !== undefined) v.description = description;
    if (def !== undefined) v.default = def;
    if (unless.length) v.requiredUnless = unless;
    vars.push(v);
  }
  return vars;
}

function parseSteps(raw: unknown, at: KeyPath, fail: Fail, required: boolean, idRe = STEP_ID_RE, keys = STEP_KEYS): FormulaStep[] {
  const what = String(at[at.length - 1]);
  if (raw === undefined) {
    if (required) fail(`no ${what} (add [[${at.join('.')}]] sections)`);
    return [];
  }
  if (!Array.isArray(raw)) fail(`${what} must be an array of [[${what}]] tables (got ${typeName(raw)})`, at);
  const list = raw as unknown[];
  if (!list.length && required) fail(`no ${what} (add [[${at.join('.')}]] sections)`, at);
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const step = parseStep(entry, [...at, i], `${what}[${i + 1}]`, fail, idRe, keys);
    if (seen.has(step.id)) fail(`duplicate step id "${step.id}"`, [...at, i, 'id']);
    seen.add(step.id);
    return step;
  });
}

function parseStep(entry: unknown, at: KeyPath, label: string, fail: Fail, idRe: RegExp, keys: string[]): FormulaStep {
  if (!isTable(entry)) fail(`${label} must be a table (got ${typeName(entry)})`, at);
  const t = entry as Table;
  if (t.id === undefined) fail(`${label} has no id`, at);
  if (typeof t.id !== 'string') fail(`${label}.id must be a string (got ${typeName(t.id)})`, [...at, 'id']);
  const id = t.id as string;
  if (!idRe.test(id)) fail(`invalid step id "${id}" (letters, digits, '.', '_' or '-')`, [...at, 'id']);
  const where = `step "${id}"`;
  unknownKeys(t, keys, where, at, fail);
  if (t.title === undefined) fail(`${where} has no title`, at);
  if (typeof t.title !== 'string') fail(`${where} title must be a string (got ${typeName(t.title)})`, [...at, 'title']);
  if (!(t.title as string).trim()) fail(`${where} has an empty title`, [...at, 'title']);
  const step: FormulaStep = { id, title: t.title as string, needs: [] };
  const description = optionalString(t.description, [...at, 'description'], fail);
  if (description !== undefined) step.description = description;
  const acceptance = optionalString(t.acceptance, [...at, 'acceptance'], fail);
  if (acceptance !== undefined) step.acceptance = acceptance;
  if (t.needs !== undefined) {
    if (!Array.isArray(t.needs) || !t.needs.every((n) => typeof n === 'string')) fail(`${where} needs must be an array of step ids (got ${show(t.needs)})`, [...at, 'needs']);
    step.needs = [...new Set(t.needs as string[])];
  }
  if (t.type !== undefined) {
    if (!STEP_TYPES.includes(t.type as never)) {
      const hint = t.type === 'human' || t.type === 'gate' ? '; a step that waits for a person is `gate = { type = "human" }`' : '';
      fail(`${where} has unknown type ${show(t.type)} (known: ${STEP_TYPES.join(', ')})${hint}`, [...at, 'type']);
    }
    step.type = t.type as FormulaStep['type'];
  }
  if (t.gate !== undefined) step.gate = parseGate(t.gate, [...at, 'gate'], where, fail);
  if (t.condition !== undefined) {
    if (typeof t.condition !== 'string' || !CONDITION_RE.test(t.condition.trim())) fail(`${where} condition must look like "var", "!var", "var == value" or "var != value" (got ${show(t.condition)})`, [...at, 'condition']);
    step.condition = (t.condition as string).trim();
  }
  if (t.for_each !== undefined) {
    if (typeof t.for_each !== 'string' || !VAR_NAME_RE.test(t.for_each)) fail(`${where} for_each must name a list variable (got ${show(t.for_each)})`, [...at, 'for_each']);
    step.forEach = t.for_each as string;
  }
  if (t.children !== undefined) {
    if (step.type !== 'parallel') fail(`${where} has children but is not type = "parallel"`, [...at, 'children']);
    step.children = parseSteps(t.children, [...at, 'children'], fail, true, idRe, keys);
  } else if (step.type === 'parallel') fail(`${where} is type = "parallel" but has no [[steps.children]]`, at);
  return step;
}

/** `var`, `!var`, `var == value`, `var != value` (value quoted or bare). */
export const CONDITION_RE = /^(!?\s*[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*\s*(==|!=)\s*("[^"]*"|'[^']*'|[^\s"']+))$/;
export const DURATION_RE = /^(\d+)\s*(s|m|h|d)$/;

function parseGate(raw: unknown, at: KeyPath, where: string, fail: Fail): StepGate {
  if (typeof raw === 'string') raw = { type: raw };
  if (!isTable(raw)) fail(`${where} gate must be a table like { type = "human" } (got ${typeName(raw)})`, at);
  const t = raw as Table;
  unknownKeys(t, GATE_KEYS, `${where} gate`, at, fail);
  if (!GATE_TYPES.includes(t.type as GateType)) fail(`${where} has unknown gate type ${show(t.type)} (known: ${GATE_TYPES.join(', ')})`, at);
  const gate: StepGate = { type: t.type as GateType };
  for (const k of ['after', 'bead', 'command', 'condition', 'description'] as const) {
    const v = optionalString(t[k], at, fail);
    if (v !== undefined) gate[k] = v;
  }
  const needsKey = ({ timer: 'after', bead: 'bead', command: 'command', conditional: 'condition', human: undefined } as const)[gate.type];
  if (needsKey && !gate[needsKey]) fail(`${where} has a ${gate.type} gate without \`${needsKey}\``, at);
  if (gate.after !== undefined && !DURATION_RE.test(gate.after)) fail(`${where} gate after must be a duration like "30s", "30m", "2h" or "1d" (got "${gate.after}")`, at);
  return gate;
}

function parseConvoy(doc: Table, fail: Fail): FormulaStep[] {
  const legs = parseSteps(doc.legs, ['legs'], fail, true, STEP_ID_RE, LEG_KEYS);
  for (const [i, leg] of legs.entries()) {
    const focus = optionalString((doc.legs as Table[])[i]!.focus, ['legs', i, 'focus'], fail);
    leg.leg = focus === undefined ? {} : { focus };
  }
  if (doc.synthesis === undefined) return legs;
  if (!isTable(doc.synthesis)) fail(`synthesis must be a table (got ${typeName(doc.synthesis)})`, ['synthesis']);
  const s: Table = { id: 'synthesis', ...(doc.synthesis as Table) };
  const synthesis = parseStep(s, ['synthesis'], 'synthesis', fail, STEP_ID_RE, SYNTHESIS_KEYS);
  // The synthesis needs the legs it names (`depends_on`), all of them when it names none.
  const dependsOn = stringList(s.depends_on, ['synthesis', 'depends_on'], fail, false);
  synthesis.needs = [...new Set([...synthesis.needs, ...(dependsOn.length ? dependsOn : legs.map((l) => l.id))])];
  if (legs.some((l) => l.id === synthesis.id)) fail(`duplicate step id "${synthesis.id}"`, ['synthesis']);
  return [...legs, synthesis];
}

function parseAdvice(doc: Table, fail: Fail): Advice[] {
  if (doc.advice === undefined) fail('no [[advice]] (an aspect says what to insert around which steps)');
  if (!Array.isArray(doc.advice)) fail(`advice must be an array of [[advice]] tables (got ${typeName(doc.advice)})`, ['advice']);
  const advice = (doc.advice as unknown[]).map((raw, i): Advice => {
    const at: KeyPath = ['advice', i];
    if (!isTable(raw)) fail(`advice[${i + 1}] must be a table`, at);
    const t = raw as Table;
    unknownKeys(t, ['target', 'around', 'before', 'after'], `advice[${i + 1}]`, at, fail);
    if (typeof t.target !== 'string' || !t.target) fail(`advice[${i + 1}] needs target = "<step id or glob>"`, at);
    let around: Table = {};
    if (t.around !== undefined) {
      if (!isTable(t.around)) fail(`advice[${i + 1}].around must be a table`, [...at, 'around']);
      around = t.around as Table;
      unknownKeys(around, ['before', 'after'], `advice[${i + 1}].around`, [...at, 'around'], fail);
    }
    const list = (k: 'before' | 'after') => [
      ...parseSteps(t[k], [...at, k], fail, false, TEMPLATE_ID_RE),
      ...parseSteps(around[k], [...at, 'around', k], fail, false, TEMPLATE_ID_RE),
    ];
    return { target: t.target as string, before: list('before'), after: list('after') };
  });
  if (doc.pointcuts !== undefined) {
    if (!Array.isArray(doc.pointcuts)) fail('pointcuts must be an array of [[pointcuts]] tables', ['pointcuts']);
    (doc.pointcuts as unknown[]).forEach((p, i) => {
      if (!isTable(p)) fail(`pointcuts[${i + 1}] must be a table`, ['pointcuts', i]);
      unknownKeys(p as Table, ['glob'], `pointcuts[${i + 1}]`, ['pointcuts', i], fail);
      if (typeof (p as Table).glob !== 'string') fail(`pointcuts[${i + 1}] needs glob = "<pattern>"`, ['pointcuts', i]);
    });
  }
  return advice;
}

function parseCompose(raw: unknown, fail: Fail): Formula['compose'] {
  const compose: Formula['compose'] = { expand: [], aspects: [] };
  if (raw === undefined) return compose;
  if (!isTable(raw)) fail(`compose must be a table (got ${typeName(raw)})`, ['compose']);
  const t = raw as Table;
  unknownKeys(t, ['expand', 'aspects'], 'compose', ['compose'], fail);
  compose.aspects = stringList(t.aspects, ['compose', 'aspects'], fail, false);
  formulaNames(compose.aspects, 'compose.aspects', ['compose', 'aspects'], fail);
  if (t.expand !== undefined) {
    if (!Array.isArray(t.expand)) fail('compose.expand must be an array of [[compose.expand]] tables', ['compose', 'expand']);
    compose.expand = (t.expand as unknown[]).map((e, i) => {
      const at: KeyPath = ['compose', 'expand', i];
      if (!isTable(e)) fail(`compose.expand[${i + 1}] must be a table`, at);
      unknownKeys(e as Table, ['target', 'with'], `compose.expand[${i + 1}]`, at, fail);
      const { target, with: w } = e as Table;
      if (typeof target !== 'string' || typeof w !== 'string') fail(`compose.expand[${i + 1}] needs target = "<step id>" and with = "<expansion formula>"`, at);
      formulaNames([w as string], `compose.expand[${i + 1}].with`, [...at, 'with'], fail);
      return { target: target as string, with: w as string };
    });
  }
  return compose;
}

/** Names of other formulas (extends, compose): formula names, like the `formula` key's own. */
function formulaNames(names: string[], where: string, at: KeyPath, fail: Fail): void {
  const bad = names.find((n) => !NAME_RE.test(n));
  if (bad !== undefined) fail(`${where} names ${show(bad)}, which is not a formula name (letters, digits, '.', '_' or '-')`, at);
}

function unknownKeys(t: Table, known: string[], where: string, at: KeyPath, fail: Fail): void {
  for (const k of Object.keys(t)) {
    if (!known.includes(k)) fail(`unknown key "${k}" in ${where} (known: ${known.join(', ')})`, [...at, k]);
  }
}

function stringList(v: unknown, at: KeyPath, fail: Fail, allowString: boolean): string[] {
  if (v === undefined) return [];
  if (allowString && typeof v === 'string') return [v];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(`${at.join('.')} must be an array of strings (got ${show(v)})`, at);
  return v as string[];
}

function optionalString(v: unknown, at: KeyPath, fail: Fail): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(`${at.filter((p) => typeof p === 'string').join('.')} must be a string (got ${typeName(v)})`, at);
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
  return typeof v === 'string' ? `the string "${v.length > 60 ? `${v.slice(0, 60)}...` : v}"` : typeName(v);
}

/** A problem as one line of bounded length: the file's own text in it may hold newlines, or be huge. */
function oneLine(problem: string): string {
  const line = printable(problem);
  return line.length > 400 ? `${line.slice(0, 400)}...` : line;
}

/** The error for a problem of a formula found after parsing (composing, cooking): one bounded line, like parse errors. */
export function formulaError(problem: string, hint?: string): UserError {
  return new UserError(oneLine(problem), hint === undefined ? undefined : oneLine(hint));
}
