// Reading a molecule back: its root and its steps (the root's children, in step order).
import { UserError } from '../lib/errors.js';
import type { Issue, Status, Tx } from '../beads/api.js';
import { MOLECULE_TYPE } from './pour.js';
import { GATE_TYPE } from './gates.js';

export interface Molecule {
  root: Issue;
  steps: Issue[];
  /** The gate beads its gated steps wait for. */
  gates: Issue[];
}

// One collator for every comparison: localeCompare with options builds one per call (under Bun,
// a 1,000-step molecule's sort took ~25 ms of `bd mol current`). The same order by definition.
let stepCollator: Intl.Collator | undefined;

/** Child ids in step order: `<root>.2` before `<root>.10`. */
export function byStepOrder(a: Issue, b: Issue): number {
  return (stepCollator ??= new Intl.Collator(undefined, { numeric: true })).compare(a.id, b.id);
}

export async function readMolecule(store: Tx, id: string): Promise<Molecule> {
  const root = await store.mustGet(id);
  if (root.issue_type !== MOLECULE_TYPE) {
    throw new UserError(`${root.id} is not a molecule (it is a ${root.issue_type})`, "pass the root id that 'gt mol pour' printed");
  }
  const children = (await store.list({ parent: root.id, includeEphemeral: true })).sort(byStepOrder);
  return { root, steps: children.filter((c) => c.issue_type !== GATE_TYPE), gates: children.filter((c) => c.issue_type === GATE_TYPE) };
}

/**
 * The status of every bead a molecule's steps wait for: its own beads, and the outside ones (a
 * bead gate's bead) read from the store, so the progress walk (moleculeProgress) stays pure.
 * A bead not in this store is left out (it no longer blocks).
 */
export async function moleculeStatuses(store: Tx, mol: Molecule): Promise<Map<string, Status>> {
  const known = new Map<string, Status>([...mol.steps, ...mol.gates].map((x) => [x.id, x.status]));
  for (const s of mol.steps) {
    const bead = (s.fields.gate as { bead?: unknown } | undefined)?.bead;
    for (const id of [...s.dependencies.map((d) => d.depends_on_id), ...(typeof bead === 'string' ? [bead] : [])]) {
      if (known.has(id)) continue;
      const status = (await store.getExact(id))?.status;
      if (status) known.set(id, status);
    }
  }
  return known;
}
