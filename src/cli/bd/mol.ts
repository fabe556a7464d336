// bd mol current <root>: the step of a molecule to work now (what Gas Town's Hanoi formula tells
// its agent to run before every close). One store, one read of the molecule; nothing else loads.
import { output } from '../output.js';
import { openStoreForId } from '../../beads/routes.js';
import { moleculeStatuses, readMolecule } from '../../molecules/molecule.js';
import { moleculeProgress } from '../../molecules/progress.js';
import type { Command } from 'commander';

type Ctx = { program: Command; args: unknown[]; opts: Record<string, unknown> };

export async function molCurrent(c: Ctx): Promise<void> {
  const g = c.program.opts() as { db?: string; json?: boolean };
  const id = c.args[0] as string;
  const s = await openStoreForId(process.cwd(), id, { db: g.db });
  try {
    const mol = await readMolecule(s, id);
    const known = await moleculeStatuses(s, mol);
    const p = moleculeProgress(mol.root, mol.steps, (dep) => known.get(dep), mol.gates);
    const cur = p.steps.find((x) => x.current);
    const out = { root: p.root, done: p.done, total: p.total, current: cur ? { id: cur.id, step: cur.step, title: cur.title, status: cur.status, blockedBy: cur.blockedBy } : null };
    output(g.json, out, (d) => (d.current
      ? `${d.current.id} ${d.current.title}${d.current.blockedBy.length ? ` (waits for ${d.current.blockedBy.join(', ')})` : ''}\n${d.done}/${d.total} steps done`
      : `${d.root}: all ${d.total} steps done`));
  } finally {
    await s.close();
  }
}
