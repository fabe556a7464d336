// Where a molecule stands: each step's status, what still blocks it, and the current step (the
// first open step nothing blocks, as `gt prime` picks it). Pure over the beads.
import { BLOCKING_DEP_TYPES, type Issue, type Status } from '../beads/model.js';
import { isOpenBlocker } from '../beads/ready.js';

export interface StepProgress {
  id: string;
  /** The formula's step id. */
  step?: string;
  title: string;
  status: Status;
  /** Open beads this step waits for. */
  blockedBy: string[];
  /** Its gate, when it has one (a gate bead's id; a bead gate's bead). */
  gate?: { type: string; id?: string; title?: string; open: boolean };
  current: boolean;
}

export interface MoleculeProgress {
  root: string;
  title: string;
  status: Status;
  formula?: string;
  vars?: Record<string, string>;
  wisp: boolean;
  done: number;
  total: number;
  current?: string;
  steps: StepProgress[];
}

/**
 * steps in step order; statusOf answers for every bead a step depends on (siblings and any
 * outside target; undefined = not in this database, which no longer blocks).
 */
export function moleculeProgress(root: Issue, steps: Issue[], statusOf: (id: string) => Status | undefined, gates: Issue[] = []): MoleculeProgress {
  const gateOf = new Map(gates.map((g) => [String(g.fields.gate_step), g]));
  const views: StepProgress[] = steps.map((s) => {
    const blockedBy = s.dependencies
      .filter((d) => BLOCKING_DEP_TYPES.includes(d.type) && isOpenBlocker(statusOf(d.depends_on_id)))
      .map((d) => d.depends_on_id);
    const v: StepProgress = { id: s.id, title: s.title, status: s.status, blockedBy, current: false };
    if (typeof s.fields.mol_step === 'string') v.step = s.fields.mol_step;
    const spec = s.fields.gate as { type: string; bead?: string } | undefined;
    const g = v.step !== undefined ? gateOf.get(v.step) : undefined;
    if (g) v.gate = { type: spec?.type ?? 'gate', id: g.id, title: g.title, open: !isOpenBlocker(g.status) };
    else if (spec) v.gate = { type: spec.type, ...(spec.bead ? { id: spec.bead } : {}), open: spec.type === 'bead' ? !isOpenBlocker(statusOf(spec.bead!)) : true };
    return v;
  });
  const open = views.filter((v) => v.status !== 'closed' && v.status !== 'tombstone');
  const current = open.find((v) => v.status === 'open' && !v.blockedBy.length) ?? open[0];
  if (current) current.current = true;
  const p: MoleculeProgress = {
    root: root.id, title: root.title, status: root.status, wisp: !!root.ephemeral,
    done: views.length - open.length, total: views.length, steps: views,
  };
  if (typeof root.fields.formula === 'string') p.formula = root.fields.formula;
  if (root.fields.formula_vars && typeof root.fields.formula_vars === 'object') p.vars = root.fields.formula_vars as Record<string, string>;
  if (current) p.current = current.id;
  return p;
}
