// Squash: the end of a molecule. Every step still open and the root are closed with one summary
// reason. A wisp leaves one durable, exported digest bead behind (what ran, what each step came to)
// and its own beads are deleted. Squashing again is a no-op that names the result.
import { NotFoundError } from '../lib/errors.js';
import type { Issue, Tx } from '../beads/api.js';
import { fitTitle } from '../beads/model.js';
import { readMolecule, type Molecule } from './molecule.js';
import { MOLECULE_TYPE } from './pour.js';

export interface Squashed {
  root: string;
  wisp: boolean;
  summary: string;
  /** The beads this squash closed (steps, then the root) in a poured molecule. */
  closed: string[];
  /** The wisp's beads, deleted once the digest holds their story (root, then steps). */
  deleted: string[];
  /** The digest bead a squashed wisp left. */
  digest?: string;
  /** Nothing was left to do (squashed before). */
  already: boolean;
}

/** A wisp squashed earlier is gone; its digest (found by digest_of) answers for it. */
async function priorDigest(tx: Tx, id: string): Promise<Issue | undefined> {
  for (const key of [id, `${tx.prefix}-${id}`]) {
    const d = (await tx.list({ type: MOLECULE_TYPE, fields: { digest_of: key } }))[0];
    if (d) return d;
  }
  return undefined;
}

export async function squash(store: Tx, id: string, opts: { summary?: string; actor: string }): Promise<Squashed> {
  const { actor } = opts;
  return store.transaction(async (tx) => {
    let mol: Molecule;
    try {
      mol = await readMolecule(tx, id);
    } catch (e) {
      const d = e instanceof NotFoundError ? await priorDigest(tx, id) : undefined;
      if (!d) throw e;
      return { root: String(d.fields.digest_of), wisp: true, summary: d.close_reason ?? '', closed: [], deleted: [], digest: d.id, already: true };
    }
    const { root, steps, gates } = mol;
    const open = steps.filter((s) => s.status !== 'closed');
    const openGates = gates.filter((g) => g.status !== 'closed');
    const summary = opts.summary?.trim() || `squashed with ${steps.length - open.length}/${steps.length} steps done`;
    if (!root.ephemeral) {
      const closing = [...open.map((s) => s.id), ...openGates.map((g) => g.id), ...(root.status === 'closed' ? [] : [root.id])];
      if (closing.length) await tx.closeIssues(closing, summary, actor);
      return { root: root.id, wisp: false, summary, closed: closing, deleted: [], already: !closing.length };
    }
    const fields: Record<string, unknown> = { digest_of: root.id };
    if (root.fields.formula !== undefined) fields.formula = root.fields.formula;
    if (root.fields.formula_vars !== undefined) fields.formula_vars = root.fields.formula_vars;
    const digest = await tx.create({ title: fitTitle(`Digest: ${root.title}`), description: digestText(root, steps, summary), issue_type: MOLECULE_TYPE, labels: ['digest'], fields }, actor);
    await tx.closeIssues([digest.id], summary, actor);
    const deleted = [root.id, ...steps.map((s) => s.id), ...gates.map((g) => g.id)];
    await tx.purgeWisps(deleted, actor);
    return { root: root.id, wisp: true, summary, closed: [], deleted, digest: digest.id, already: false };
  });
}

function digestText(root: Issue, steps: Issue[], summary: string): string {
  const vars = root.fields.formula_vars as Record<string, string> | undefined;
  const from = root.fields.formula ? ` from formula ${String(root.fields.formula)}${vars && Object.keys(vars).length ? ` (${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}` : '';
  const lines = steps.map((s) => `- [${s.status === 'closed' ? 'x' : ' '}] ${String(s.fields.mol_step ?? s.id)}: ${s.title}${s.status === 'closed' ? (s.close_reason ? ` (${s.close_reason})` : '') : ` (left ${s.status})`}`);
  return [summary, '', `Wisp ${root.id}${from}, ${steps.filter((s) => s.status === 'closed').length}/${steps.length} steps done:`, ...lines].join('\n');
}
