// A convoy formula's `[prompts]` and `[output]` (Gas Town's): at the pour, each leg's description
// becomes the `base` prompt rendered for that leg (its own description is `{{.leg.description}}`),
// and the Go-template actions left in the other steps (the synthesis's `{{.output.directory}}`)
// are rendered too. The data is what Gas Town hands its prompts: the variables, `formula_name`,
// `leg` (id, title, focus, description), `output` and the leg's `output_path`, a `review_id`
// (the molecule's root id) and a `target_description` (the variables given). Pure.
import type { Proto, ProtoStep } from './cook.js';
import { renderGoTemplate } from './render.js';

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => !!v && typeof v === 'object' && !Array.isArray(v);

/** Does this proto carry prompts or output settings to render at the pour? */
export function hasPrompts(proto: Proto): boolean {
  return proto.steps.some((s) => s.leg) && (isTable(proto.extra?.prompts) || isTable(proto.extra?.output));
}

/** The steps with their descriptions rendered for a molecule whose root is `rootId`. */
export function renderPrompts(proto: Proto, rootId: string): ProtoStep[] {
  if (!hasPrompts(proto)) return proto.steps;
  const where = `formula "${proto.formula}"`;
  const base: Table = {
    ...proto.vars,
    formula_name: proto.formula,
    review_id: rootId,
    molecule_id: rootId,
    design_id: rootId,
    target_description: Object.entries(proto.vars).filter(([, v]) => v.trim()).map(([k, v]) => `${k} ${v}`).join(', '),
  };
  const output: Table = {};
  const outputSpec = isTable(proto.extra?.output) ? proto.extra!.output as Table : {};
  // leg_pattern is per leg (it names `.leg`): rendered for each leg below, from the raw text.
  for (const [k, v] of Object.entries(outputSpec)) output[k] = typeof v === 'string' && k !== 'leg_pattern' ? renderGoTemplate(v, base, `${where} [output] ${k}`) : v;
  base.output = output;
  const prompt = isTable(proto.extra?.prompts) && typeof (proto.extra!.prompts as Table).base === 'string' ? (proto.extra!.prompts as Table).base as string : undefined;
  return proto.steps.map((s) => {
    if (!s.leg) return s.description?.includes('{{') ? { ...s, description: renderGoTemplate(s.description, base, `${where} step "${s.id}"`) } : s;
    const leg = { id: s.id, title: s.title, focus: s.leg.focus ?? '', description: s.description ?? '' };
    const data: Table = { ...base, leg };
    if (typeof output.leg_pattern === 'string') {
      const file = renderGoTemplate(output.leg_pattern, data, `${where} [output] leg_pattern`);
      data.output_path = typeof output.directory === 'string' && output.directory ? `${output.directory}/${file}` : file;
    }
    const text = prompt ?? s.description;
    return text === undefined ? s : { ...s, description: renderGoTemplate(text, data, `${where} leg "${s.id}"`).trim() };
  });
}
