// Reading a molecule back: its root and its steps (the root's children, in step order).
import { UserError } from '../lib/errors.js';
import type { Issue, Tx } from '../beads/api.js';
import { MOLECULE_TYPE } from './pour.js';
import { GATE_TYPE } from './gates.js';

export interface Molecule {
  root: Issue;
  steps: Issue[];
  /** The gate beads its gated steps wait for. */
  gates: Issue[];
}

/** Child ids in step order: `<root>.2` before `<root>.10`. */
export function byStepOrder(a: Issue, b: Issue): number {
  return a.id.localeCompare(b.id, undefined, { numeric: true });
}

export async function readMolecule(store: Tx, id: string): Promise<Molecule> {
  const root = await store.mustGet(id);
  if (root.issue_type !== MOLECULE_TYPE) {
    throw new UserError(`${root.id} is not a molecule (it is a ${root.issue_type})`, "pass the root id that 'gt mol pour' printed");
  }
  const children = (await store.list({ parent: root.id, includeEphemeral: true })).sort(byStepOrder);
  return { root, steps: children.filter((c) => c.issue_type !== GATE_TYPE), gates: children.filter((c) => c.issue_type === GATE_TYPE) };
}
