// Composition: a formula as written (extends, compose.expand, compose.aspects, parallel children,
// a bare expansion or aspect) becomes one flat list of steps with their needs. Pure: other
// formulas come from the `load` function the caller passes (the library's search path).
import { UserError } from '../lib/errors.js';
import { checkGraph, formulaError, undeclaredPlaceholder, type Advice, type Formula, type FormulaStep, type FormulaVar } from './formula.js';

export type LoadFormula = (name: string) => Formula;

/** The formula with everything it borrows applied: `steps` is flat (no children) and checked. */
export function composeFormula(f: Formula, load: LoadFormula): Formula {
  const out = resolve(f, load, []);
  const fail = (m: string): never => {
    throw formulaError(`${f.source}: ${m}`);
  };
  const graph = checkGraph(out.steps);
  if (graph) fail(graph.message);
  const bad = undeclaredPlaceholder(out);
  if (bad) fail(bad.message);
  return out;
}

function resolve(f: Formula, load: LoadFormula, chain: string[]): Formula {
  if (chain.includes(f.name)) throw formulaError(`${f.source}: formula "${f.name}" extends itself through ${[...chain, f.name].join(' -> ')}`);
  let out: Formula = { ...f, steps: [...f.steps], vars: [...f.vars], template: [], advice: [] };
  if (f.extends.length) out = inherit(f, f.extends.map((name) => resolve(loadFrom(f, name, load), load, [...chain, f.name])));
  let steps = f.type === 'expansion' ? expand(bareTarget(f), f.template) : f.type === 'aspect' ? bareAspect(f) : out.steps;
  steps = flattenParallel(steps);
  for (const e of out.compose.expand) {
    const x = loadFrom(f, e.with, load);
    if (x.type !== 'expansion') throw formulaError(`${f.source}: compose.expand uses "${e.with}", which is a ${x.type} formula, not an expansion`);
    const i = steps.findIndex((s) => s.id === e.target);
    if (i < 0) throw formulaError(`${f.source}: compose.expand targets unknown step "${e.target}"`);
    steps = replaceStep(steps, i, expand(steps[i]!, x.template));
    out.vars = mergeVars(x.vars, out.vars);
  }
  for (const name of out.compose.aspects) {
    const a = loadFrom(f, name, load);
    if (a.type !== 'aspect') throw formulaError(`${f.source}: compose.aspects uses "${name}", which is a ${a.type} formula, not an aspect`);
    steps = applyAspect(steps, a.advice);
    out.vars = mergeVars(a.vars, out.vars);
  }
  return { ...out, type: f.type === 'convoy' || out.type === 'convoy' ? 'convoy' : 'workflow', steps, template: [], advice: [], compose: { expand: [], aspects: [] }, extends: [] };
}

function loadFrom(f: Formula, name: string, load: LoadFormula): Formula {
  try {
    return load(name);
  } catch (e) {
    if (e instanceof UserError && !e.message.includes(name)) throw e;
    throw formulaError(`${f.source}: uses formula "${name}", which could not be loaded: ${(e as Error).message}`);
  }
}

/** extends: the parents' vars and steps, then this formula's (a step or var of the same id replaces the parent's). */
function inherit(f: Formula, parents: Formula[]): Formula {
  const steps: FormulaStep[] = [];
  let vars: FormulaVar[] = [];
  for (const p of [...parents, f]) {
    for (const s of p.steps) {
      const i = steps.findIndex((x) => x.id === s.id);
      if (i >= 0) steps[i] = s;
      else steps.push(s);
    }
    vars = mergeVars(vars, p.vars);
  }
  const extra = Object.assign({}, ...parents.map((p) => p.extra), f.extra) as Record<string, unknown>;
  const compose = {
    expand: [...parents.flatMap((p) => p.compose.expand), ...f.compose.expand],
    aspects: [...parents.flatMap((p) => p.compose.aspects), ...f.compose.aspects],
  };
  const type = parents.some((p) => p.type === 'convoy') ? 'convoy' : f.type;
  const out: Formula = { ...f, type, steps, vars, extra, compose };
  if (f.description === undefined && parents[0]?.description !== undefined) out.description = parents[0].description;
  return out;
}

function mergeVars(base: FormulaVar[], over: FormulaVar[]): FormulaVar[] {
  const byName = new Map(base.map((v) => [v.name, v]));
  for (const v of over) byName.set(v.name, v);
  return [...byName.values()];
}

/** A parallel step's children come before it, take its needs, and it needs them all (a join). */
function flattenParallel(steps: FormulaStep[]): FormulaStep[] {
  return steps.flatMap((s) => {
    if (!s.children?.length) return [s];
    const children = flattenParallel(s.children.map((c) => ({ ...c, needs: [...new Set([...s.needs, ...c.needs])] })));
    const { children: _, ...join } = s;
    return [...children, { ...join, needs: s.children.map((c) => c.id) }];
  });
}

/** Steps with no need inside the group (they take the replaced step's needs). */
function entries(group: FormulaStep[]): FormulaStep[] {
  const ids = new Set(group.map((s) => s.id));
  return group.filter((s) => !s.needs.some((n) => ids.has(n)));
}

/** Steps nothing in the group needs (what the replaced step's dependents now wait for). */
function exits(group: FormulaStep[]): string[] {
  const needed = new Set(group.flatMap((s) => s.needs));
  return group.filter((s) => !needed.has(s.id)).map((s) => s.id);
}

/** An expansion's template instantiated for one target step. */
function expand(target: FormulaStep, template: FormulaStep[]): FormulaStep[] {
  const fill = (t: string) => t
    .replaceAll('{target.title}', target.title)
    .replaceAll('{target.description}', target.description ?? target.title)
    .replaceAll('{target}', target.id);
  const steps = template.map((t) => {
    const s: FormulaStep = { ...t, id: fill(t.id), title: fill(t.title), needs: t.needs.map(fill) };
    if (t.description !== undefined) s.description = fill(t.description);
    return s;
  });
  for (const e of entries(steps)) e.needs = [...new Set([...target.needs, ...e.needs])];
  return steps;
}

/** Puts `group` where steps[i] was; whoever needed that step needs the group's exits instead. */
function replaceStep(steps: FormulaStep[], i: number, group: FormulaStep[]): FormulaStep[] {
  const old = steps[i]!.id;
  const ends = exits(group);
  const rewire = (s: FormulaStep): FormulaStep => (s.needs.includes(old) ? { ...s, needs: [...new Set(s.needs.flatMap((n) => (n === old ? ends : [n])))] } : s);
  return [...steps.slice(0, i).map(rewire), ...group, ...steps.slice(i + 1).map(rewire)];
}

export function globMatch(glob: string, id: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(id);
}

/** Aspect advice: `before` steps go between a matching step and its needs, `after` steps between it and its dependents. */
function applyAspect(steps: FormulaStep[], advice: Advice[]): FormulaStep[] {
  let out = steps;
  for (const a of advice) {
    for (const target of out.filter((s) => globMatch(a.target, s.id))) {
      const fill = (t: string) => t.replaceAll('{step.id}', target.id).replaceAll('{step.title}', target.title);
      const inst = (list: FormulaStep[]) => list.map((t) => {
        const s: FormulaStep = { ...t, id: fill(t.id), title: fill(t.title), needs: t.needs.map(fill) };
        if (t.description !== undefined) s.description = fill(t.description);
        return s;
      });
      const before = inst(a.before);
      const after = inst(a.after);
      for (const e of entries(before)) e.needs = [...new Set([...target.needs, ...e.needs])];
      for (const e of entries(after)) e.needs = [...new Set([target.id, ...e.needs])];
      const self: FormulaStep = before.length ? { ...target, needs: exits(before) } : target;
      const ends = after.length ? exits(after) : [target.id];
      out = out.flatMap((s) => (s.id === target.id ? [...before, self, ...after]
        : [s.needs.includes(target.id) ? { ...s, needs: [...new Set(s.needs.flatMap((n) => (n === target.id ? ends : [n])))] } : s]));
    }
  }
  return out;
}

/** A bare expansion is poured against a stand-in target named after the formula. */
function bareTarget(f: Formula): FormulaStep {
  const t: FormulaStep = { id: f.name, title: f.name, needs: [] };
  if (f.description !== undefined) t.description = f.description;
  return t;
}

/** A bare aspect is poured around one stand-in step per literal target, so its advice shows. */
function bareAspect(f: Formula): FormulaStep[] {
  const targets = [...new Set(f.advice.map((a) => a.target).filter((t) => !t.includes('*')))];
  return applyAspect(targets.map((id) => ({ id, title: id, needs: [] })), f.advice);
}
