// Protomolecules: a cooked formula (composition applied, variables fixed) frozen into the tracker
// as one bookkeeping bead (type molecule, label proto) holding the proto, so later pours start
// from exactly that template even if the formula file changes. Listed with `gt formula list --protos`.
import { UserError } from '../lib/errors.js';
import type { Issue, Tx } from '../beads/api.js';
import type { Proto } from './cook.js';
import { MOLECULE_TYPE } from './pour.js';

export const PROTO_LABEL = 'proto';

export function saveProto(store: Tx, proto: Proto, actor: string): Promise<Issue> {
  return store.create({
    title: `proto ${proto.title}`.slice(0, 500), description: proto.description, issue_type: MOLECULE_TYPE, labels: [PROTO_LABEL],
    fields: { formula: proto.formula, formula_vars: proto.vars, proto },
  }, actor);
}

export function listProtos(store: Tx): Promise<Issue[]> {
  return store.list({ type: MOLECULE_TYPE, label: PROTO_LABEL });
}

/** The proto a proto bead holds; anything else is refused by name. */
export function protoOf(bead: Issue): Proto {
  if (bead.issue_type !== MOLECULE_TYPE || !bead.labels.includes(PROTO_LABEL) || typeof bead.fields.proto !== 'object') {
    throw new UserError(`${bead.id} is not a protomolecule`, "'gt formula list --protos' lists them; 'gt formula cook <formula>' makes one");
  }
  return bead.fields.proto as Proto;
}
