// Burn: throw a wisp away. Its beads are deleted outright; it was never exported, so no trace of
// it is left in the JSONL or git. A durable molecule is history already: it is squashed, not burned.
import { UserError } from '../lib/errors.js';
import type { Store } from '../beads/store.js';
import { readMolecule } from './molecule.js';

export interface Burned {
  root: string;
  /** Every bead deleted: the root and its steps. */
  deleted: string[];
}

export function burn(store: Store, id: string, actor: string): Burned {
  return store.write(() => {
    const { root, steps, gates } = readMolecule(store, id);
    if (!root.ephemeral) throw new UserError(`${root.id} is not a wisp: a poured molecule is kept in the beads' history`, `'gt mol squash ${root.id}' closes it with a summary`);
    const deleted = [root.id, ...steps.map((s) => s.id), ...gates.map((g) => g.id)];
    store.purgeWisps(deleted, actor);
    return { root: root.id, deleted };
  });
}
