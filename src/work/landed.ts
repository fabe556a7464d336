// Has a closed blocker's work landed? A staged bead waits for its blockers' MRs to land, not for
// their beads to close: a blocker closed by hand while its MR is still queued, or after its MR
// bounced with nobody fixing it, has work that is not on main. `blockerWork` decides over plain
// data; `unlandedBlockers` reads the town.
import type { Issue } from '../beads/model.js';
import { listRigs } from '../town/rig.js';
import { HQ_PREFIX, type Town } from '../town/town.js';
import { MR_TYPE, mrFromBead, type MrState } from './merge-request.js';

/** landed: merged, or there was never anything to merge; pending: an MR or a fix is still on its way; unmerged: it bounced and nobody fixes it. */
export type BlockerWork = { state: 'landed' } | { state: 'pending'; mr?: string } | { state: 'unmerged'; mr: string };

/**
 * The state of a closed bead's work from its MRs and those of its fix beads (the refinery's bounce
 * fixes, whose merge lands the original's work), and whether any fix is still open. Pure.
 */
export function blockerWork(mrs: { id: string; state: MrState; created_at: string }[], openFix: boolean): BlockerWork {
  if (!mrs.length && !openFix) return { state: 'landed' };
  if (mrs.some((m) => m.state === 'merged')) return { state: 'landed' };
  const waiting = mrs.find((m) => m.state === 'queued' || m.state === 'testing');
  if (waiting || openFix) return { state: 'pending', mr: waiting?.id };
  return { state: 'unmerged', mr: [...mrs].sort((a, b) => a.created_at.localeCompare(b.created_at)).at(-1)!.id };
}

/** Words for a closed blocker whose work has not landed (the reason a staged bead waits). Pure. */
export function describeUnlanded(id: string, w: BlockerWork): string {
  if (w.state === 'pending') return `waiting for ${id} to land${w.mr ? ` (its MR ${w.mr})` : ' (its fix is being worked)'}`;
  if (w.state === 'unmerged') return `blocked by ${id}, closed but its work never merged (its MR ${w.mr} bounced)`;
  return '';
}

/** The closed blocking dependencies of a bead whose work has not landed, with why. */
export async function unlandedBlockers(town: Town, bead: Issue): Promise<{ id: string; work: BlockerWork }[]> {
  const out: { id: string; work: BlockerWork }[] = [];
  // Plain `blocks` only: the other blocking types (conditional-blocks, waits-for) have their own meaning of done.
  for (const d of bead.dependencies.filter((x) => x.type === 'blocks')) {
    let blocker: Issue | undefined;
    try {
      blocker = await (await town.stores.forBead(d.depends_on_id)).get(d.depends_on_id);
    } catch { continue; } // its rig is gone
    if (blocker?.status !== 'closed') continue;
    const work = await closedBeadWork(town, blocker);
    if (work.state !== 'landed') out.push({ id: blocker.id, work });
  }
  return out;
}

async function closedBeadWork(town: Town, bead: Issue): Promise<BlockerWork> {
  const home = await town.stores.forBead(bead.id);
  const fixes = [...await home.list({ fields: { bounce_root: bead.id } }), ...await home.list({ fields: { bounce_of: bead.id } })];
  const sources = new Set([bead.id, ...fixes.map((f) => f.id)]);
  // MRs live in the store of the rig the work was done in: the bead's own, or any rig for an HQ bead.
  const stores = [home];
  if (home.prefix === HQ_PREFIX) for (const rig of listRigs(town)) stores.push(await town.stores.rig(rig));
  const mrs = [];
  for (const s of stores) {
    for (const src of sources) mrs.push(...(await s.list({ type: MR_TYPE, fields: { source_bead: src } })).map(mrFromBead));
  }
  return blockerWork(mrs, fixes.some((f) => f.status !== 'closed'));
}
