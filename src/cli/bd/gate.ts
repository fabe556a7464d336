// bd gate resolve: open a molecule step's gate by hand (a human gate's approval).
import { output } from '../output.js';
import { resolveActor } from '../../beads/actor.js';
import { openStoreForId } from '../../beads/routes.js';
import { resolveGate } from '../../molecules/gates.js';
import type { Command } from 'commander';

type Ctx = { program: Command; args: unknown[]; opts: Record<string, unknown> };

export async function gateResolve(c: Ctx): Promise<void> {
  const g = c.program.opts() as { db?: string; actor?: string; json?: boolean };
  const id = c.args[0] as string;
  const s = await openStoreForId(process.cwd(), id, { db: g.db });
  try {
    const gate = await resolveGate(s, id, resolveActor(g.actor), c.opts.reason as string | undefined);
    output(g.json, gate, (x) => `Gate ${x.id} open: ${x.close_reason ?? ''}`);
  } finally {
    await s.close();
  }
}
