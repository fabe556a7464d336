// Pouring: a proto becomes real beads in one store transaction (all of it, or nothing): a root of
// type molecule carrying the formula and its variables, one child per step (`<root>.1`, `<root>.2`,
// ... in step order), and a `blocks` dependency for each need. A convoy formula's [prompts] are
// rendered into its legs' descriptions (prompts.ts). A step keeps its gate (`gate`) and,
// for a convoy leg, its focus (`mol_leg`) in its fields. A wisp is the same, ephemeral.
// The steps and edges go in with one bulk insert (the cook already checked the graph), so a pour
// costs time linear in its steps and holds the write lock only that long.
import type { ChildEdge, ChildInput, Issue, Tx } from '../beads/api.js';
import type { Proto } from './cook.js';
import { renderPrompts } from './prompts.js';
import { durationMs, gateTitle, GATE_TYPE, needsGateBead, type GateState } from './gates.js';

export interface PouredStep {
  /** The step's bead id. */
  id: string;
  /** The formula's step id. */
  step: string;
  title: string;
}

export interface Poured {
  root: Issue;
  /** In step order. */
  steps: PouredStep[];
}

export const MOLECULE_TYPE = 'molecule';

export async function pour(store: Tx, proto: Proto, opts: { actor: string; ephemeral?: boolean; now?: number }): Promise<Poured> {
  const { actor } = opts;
  const ephemeral = !!opts.ephemeral;
  return store.transaction(async (tx) => {
    const fields: Record<string, unknown> = { formula: proto.formula };
    if (Object.keys(proto.vars).length) fields.formula_vars = proto.vars;
    Object.assign(fields, proto.extra);
    if (proto.preset !== undefined) fields.formula_preset = proto.preset;
    const root = await tx.create({ title: proto.title, description: proto.description, issue_type: MOLECULE_TYPE, ephemeral, fields }, actor);
    const protoSteps = renderPrompts(proto, root.id);
    const index = new Map(proto.steps.map((s, i) => [s.id, i]));
    const edges: ChildEdge[] = [];
    proto.steps.forEach((s, i) => {
      for (const n of s.needs) edges.push({ from: i, to: index.get(n)!, type: 'blocks' });
    });
    const children = protoSteps.map((s): ChildInput => {
      const f: Record<string, unknown> = { mol_step: s.id };
      if (s.gate) f.gate = s.gate;
      if (s.leg) f.mol_leg = s.leg.focus ?? true;
      const c: ChildInput = { title: s.title, description: s.description, acceptance_criteria: s.acceptance, ephemeral, fields: f };
      if (s.type) c.issue_type = s.type;
      return c;
    });
    // Gate beads after the steps (so step N stays <root>.N), each step depending on its gate.
    const now = opts.now ?? Date.now();
    proto.steps.forEach((s, i) => {
      if (!s.gate || !needsGateBead(s.gate, tx.prefix)) return;
      const state: GateState = { gate: s.gate, gate_step: s.id };
      if (s.gate.type === 'timer') state.open_at = new Date(now + durationMs(s.gate.after!)).toISOString();
      edges.push({ from: i, to: children.length, type: 'blocks' });
      children.push({ title: gateTitle(s.gate, s.title), issue_type: GATE_TYPE, ephemeral, fields: state as unknown as Record<string, unknown> });
    });
    const ids = await tx.createChildren(root.id, children, edges, actor);
    // A bead gate on a bead of this store is a plain dependency on it (one elsewhere got a gate bead).
    for (const [i, s] of proto.steps.entries()) {
      if (s.gate?.type === 'bead' && !needsGateBead(s.gate, tx.prefix)) await tx.addDependency(ids[i]!, s.gate.bead!, 'blocks', actor);
    }
    return { root: await tx.mustGet(root.id), steps: proto.steps.map((s, i) => ({ id: ids[i]!, step: s.id, title: s.title })) };
  });
}
