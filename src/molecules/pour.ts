// Pouring: a proto becomes real beads in one store transaction (all of it, or nothing): a root of
// type molecule carrying the formula and its variables, one child per step (`<root>.1`, `<root>.2`,
// ... in step order), and a `blocks` dependency for each need. A wisp is the same, ephemeral.
import type { Issue, Store } from '../beads/store.js';
import type { Proto } from './cook.js';

export interface Poured {
  root: Issue;
  /** In step order. */
  steps: Issue[];
}

export const MOLECULE_TYPE = 'molecule';

export function pour(store: Store, proto: Proto, opts: { actor: string; ephemeral?: boolean }): Poured {
  const { actor } = opts;
  const ephemeral = !!opts.ephemeral;
  return store.write(() => {
    const fields: Record<string, unknown> = { formula: proto.formula };
    if (Object.keys(proto.vars).length) fields.formula_vars = proto.vars;
    const root = store.create({ title: proto.title, description: proto.description, issue_type: MOLECULE_TYPE, ephemeral, fields }, actor);
    // Every step first, then the edges: a step may need one listed after it.
    const idOf = new Map<string, string>();
    for (const s of proto.steps) {
      const bead = store.create({ title: s.title, description: s.description, parent: root.id, ephemeral, fields: { mol_step: s.id } }, actor);
      idOf.set(s.id, bead.id);
    }
    for (const s of proto.steps) {
      for (const n of s.needs) store.addDependency(idOf.get(s.id)!, idOf.get(n)!, 'blocks', actor);
    }
    return { root: store.mustGet(root.id), steps: proto.steps.map((s) => store.mustGet(idOf.get(s.id)!)) };
  });
}
