// `gt mq`: look at and steer the merge queue. Reads MR beads across rigs; retry puts a bounced MR
// back in the queue, remove takes a queued one out (and gives its work back). Both refuse while
// the refinery is testing it.
import { ConflictError, UserError } from '../lib/errors.js';
import type { Town } from '../town/town.js';
import { listRigs, loadRig } from '../town/rig.js';
import { getMergeRequest, listMergeRequests, updateMergeRequest, type MergeRequest, type MrState } from '../work/merge-request.js';
import { now } from '../lib/time.js';
import { parseAddress } from '../town/address.js';
import { getAgent } from '../town/identity.js';

/** The queue across rigs (or one), queued and testing first in the order the refinery takes them. */
export async function mqList(town: Town, opts: { rig?: string; states?: MrState[] } = {}): Promise<MergeRequest[]> {
  const rigs = opts.rig ? [loadRig(town, opts.rig)] : listRigs(town);
  const rank: Record<MrState, number> = { testing: 0, queued: 1, bounced: 2, merged: 3 };
  const all: MergeRequest[] = [];
  for (const r of rigs) all.push(...await listMergeRequests(await town.stores.rig(r), opts.states ? { state: opts.states } : {}));
  return all
    .sort((a, b) => rank[a.state] - rank[b.state] || a.priority - b.priority || (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
}

export interface MrStatus extends MergeRequest {
  source?: { id: string; title: string; status: string; close_reason?: string };
  /** Position in its rig's queue (1 = next), when queued. */
  position?: number;
}

export async function mqStatus(town: Town, id: string): Promise<MrStatus> {
  const store = await town.stores.forBead(id);
  const mr = await getMergeRequest(store, await store.resolveId(id));
  const src = mr.source_bead ? await safeGet(town, mr.source_bead) : undefined;
  const status: MrStatus = { ...mr };
  if (src) status.source = { id: src.id, title: src.title, status: src.status, close_reason: src.close_reason };
  if (mr.state === 'queued') {
    const queue = await mqList(town, { rig: mr.rig || undefined, states: ['queued'] });
    status.position = queue.findIndex((m) => m.id === mr.id) + 1 || undefined;
  }
  return status;
}

async function safeGet(town: Town, id: string) {
  try {
    return await (await town.stores.forBead(id)).get(id);
  } catch {
    return undefined;
  }
}

/** Puts a bounced MR back in the queue. Already queued: nothing to do. */
export async function mqRetry(town: Town, id: string, actor: string): Promise<{ mr: MergeRequest; changed: boolean }> {
  const store = await town.stores.forBead(id);
  return store.transaction(async (tx) => {
    const mr = await getMergeRequest(tx, await tx.resolveId(id));
    if (mr.state === 'queued') return { mr, changed: false };
    refuseBusy(mr, 'retry');
    return { mr: await updateMergeRequest(tx, mr.id, { state: 'queued' }, actor), changed: true };
  });
}

const REMOVED = 'removed from the queue by ';

export interface MqRemoveResult { mr: MergeRequest; changed: boolean; reopened?: string; decommissioned?: string }

/**
 * Takes a queued MR out of the queue (recorded as bounced, with who removed it), and gives its
 * work back: the source bead returns to open and unassigned (so it can be slung again), and the
 * polecat that made it is decommissioned, its branch kept. Running it again finishes a removal
 * that stopped half-way (each step checks before it acts).
 */
export async function mqRemove(town: Town, id: string, actor: string): Promise<MqRemoveResult> {
  const store = await town.stores.forBead(id);
  const { mr, changed } = await store.transaction(async (tx) => {
    const mr = await getMergeRequest(tx, await tx.resolveId(id));
    if (mr.state === 'bounced') return { mr, changed: false };
    refuseBusy(mr, 'remove');
    const attempt = { attempt: mr.attempts.length + 1, at: now(), outcome: 'error' as const, detail: `${REMOVED}${actor}` };
    return { mr: await updateMergeRequest(tx, mr.id, { state: 'bounced', attempt }, actor), changed: true };
  });
  const result: MqRemoveResult = { mr, changed };
  if (!mr.attempts.at(-1)?.detail?.startsWith(REMOVED)) return result; // bounced by the refinery: its fix bead carries the work
  result.reopened = await reopenSource(town, mr, actor);
  result.decommissioned = await decommissionOwnPolecat(town, mr);
  return result;
}

/** The source bead back to open and unassigned, unless it was closed or re-slung meanwhile. */
async function reopenSource(town: Town, mr: MergeRequest, actor: string): Promise<string | undefined> {
  if (!mr.source_bead) return undefined;
  const store = await town.stores.forBead(mr.source_bead);
  return store.transaction(async (tx) => {
    const src = await tx.get(mr.source_bead);
    if (!src || src.status === 'closed' || src.status === 'open') return undefined;
    if (src.assignee && mr.polecat && src.assignee !== mr.polecat) return undefined; // someone else has it now
    await tx.update(src.id, { status: 'open', assignee: null }, actor);
    return src.id;
  });
}

/** The MR's polecat, if that name still belongs to the polecat that made the branch. */
async function decommissionOwnPolecat(town: Town, mr: MergeRequest): Promise<string | undefined> {
  if (!mr.polecat || !mr.rig) return undefined;
  let name: string | undefined;
  try {
    const p = parseAddress(mr.polecat);
    name = p.role === 'polecat' ? p.name : undefined;
  } catch {
    return undefined;
  }
  const agent = await getAgent(town, mr.polecat);
  if (!name || !agent?.active || agent.branch !== mr.branch) return undefined;
  const { decommissionPolecat } = await import('../work/polecat.js');
  await decommissionPolecat(town, loadRig(town, mr.rig), name, { keepBranch: true, reason: `${mr.id} removed from the queue` });
  return mr.polecat;
}

function refuseBusy(mr: MergeRequest, verb: string): void {
  if (mr.state === 'merged') throw new UserError(`${mr.id} is already merged (${mr.merge_commit?.slice(0, 12) ?? 'commit unknown'}); nothing to ${verb}`);
  if (mr.state === 'testing') {
    throw new ConflictError(`${mr.id} is being tested by the refinery right now; cannot ${verb} it (if no refinery is running, 'gt refinery run ${mr.rig}' queues it again)`);
  }
}
