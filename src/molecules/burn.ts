// Burn: throw a wisp away. Its beads are deleted outright; it was never exported, so no trace of
// it is left in the JSONL or git. A durable molecule is history already: it is squashed, not burned.
import { UserError } from '../lib/errors.js';
import type { Tx } from '../beads/api.js';
import { readMolecule } from './molecule.js';

export interface Burned {
  root: string;
  /** Every bead deleted: the root and its steps. */
  deleted: string[];
}

export async function burn(store: Tx, id: string, actor: string): Promise<Burned> {
  return store.transaction(async (tx) => {
    const { root, steps, gates } = await readMolecule(tx, id);
    if (!root.ephemeral) throw new UserError(`${root.id} is not a wisp: a poured molecule is kept in the beads' history`, `'gt mol squash ${root.id}' closes it with a summary`);
    const deleted = [root.id, ...steps.map((s) => s.id), ...gates.map((g) => g.id)];
    await tx.purgeWisps(deleted, actor);
    return { root: root.id, deleted };
  });
}
