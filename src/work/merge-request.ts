// Merge-request beads: one per polecat branch handed to the refinery. Stored in the rig's store as
// issue_type 'merge-request' with the queue's own fields; open while queued/testing, closed once
// merged or bounced.
import { NotFoundError, UserError } from '../lib/errors.js';
import type { Issue } from '../beads/model.js';
import type { Tx } from '../beads/api.js';

export type MrState = 'queued' | 'testing' | 'merged' | 'bounced';

export interface MrAttempt {
  attempt: number;
  at: string;
  outcome: 'merged' | 'conflict' | 'red' | 'error';
  commit?: string;
  conflict_files?: string[];
  test_output_tail?: string;
  detail?: string;
}

export interface MergeRequest {
  id: string;
  rig: string;
  branch: string;
  target: string;
  source_bead: string;
  polecat?: string;
  state: MrState;
  priority: number;
  created_at: string;
  attempts: MrAttempt[];
  merge_commit?: string;
}

export const MR_TYPE = 'merge-request';
const OPEN_STATES: MrState[] = ['queued', 'testing'];

export function mrFromBead(b: Issue): MergeRequest {
  const f = b.fields;
  return {
    id: b.id,
    rig: String(f.rig ?? ''),
    branch: String(f.branch ?? ''),
    target: String(f.target ?? 'main'),
    source_bead: String(f.source_bead ?? ''),
    polecat: (f.polecat as string) || undefined,
    state: (f.mr_state as MrState) ?? 'queued',
    priority: b.priority,
    created_at: b.created_at,
    attempts: (f.attempts as MrAttempt[]) ?? [],
    merge_commit: (f.merge_commit as string) || undefined,
  };
}

export interface NewMergeRequest {
  rig: string;
  branch: string;
  target: string;
  source_bead: string;
  polecat?: string;
  priority?: number;
  title?: string;
}

/**
 * Files an MR into the rig's queue. Idempotent: while an MR for the same branch and source bead is
 * queued or testing, that one is returned (a crashed `gt done` can run again).
 */
export async function fileMergeRequest(outer: Tx, mr: NewMergeRequest, actor: string): Promise<{ mr: MergeRequest; created: boolean }> {
  return outer.transaction(async (store) => {
    const existing = (await store.list({ type: MR_TYPE, fields: { branch: mr.branch, source_bead: mr.source_bead } }))
      .map(mrFromBead)
      .find((m) => OPEN_STATES.includes(m.state));
    if (existing) return { mr: existing, created: false };
    const fields: Record<string, unknown> = {
      mr_state: 'queued',
      rig: mr.rig,
      branch: mr.branch,
      target: mr.target,
      source_bead: mr.source_bead,
      attempts: [],
    };
    if (mr.polecat) fields.polecat = mr.polecat;
    const bead = await store.create(
      {
        title: mr.title ?? `Merge ${mr.branch}`,
        issue_type: MR_TYPE,
        priority: mr.priority ?? 2,
        description: `Branch ${mr.branch} onto ${mr.target}, for ${mr.source_bead}${mr.polecat ? ` (by ${mr.polecat})` : ''}.`,
        fields,
      },
      actor,
    );
    return { mr: mrFromBead(bead), created: true };
  });
}

export async function listMergeRequests(store: Tx, filter: { state?: MrState | MrState[] } = {}): Promise<MergeRequest[]> {
  const states = filter.state === undefined ? undefined : Array.isArray(filter.state) ? filter.state : [filter.state];
  return (await store.list({ type: MR_TYPE }))
    .map(mrFromBead)
    .filter((m) => !states || states.includes(m.state));
}

export async function getMergeRequest(store: Tx, id: string): Promise<MergeRequest> {
  const bead = await store.get(id);
  if (!bead || bead.issue_type !== MR_TYPE) throw new NotFoundError('merge request', id, "see 'gt mq list'");
  return mrFromBead(bead);
}

export type MrPatch = Partial<Pick<MergeRequest, 'state' | 'merge_commit'>> & { attempt?: MrAttempt };

/** Moves an MR's state and appends an attempt's evidence; closes the bead when merged or bounced. */
export async function updateMergeRequest(outer: Tx, id: string, patch: MrPatch, actor: string): Promise<MergeRequest> {
  return outer.transaction(async (store) => {
    const current = await getMergeRequest(store, id);
    const fields: Record<string, unknown> = {};
    if (patch.state) fields.mr_state = patch.state;
    if (patch.merge_commit) fields.merge_commit = patch.merge_commit;
    if (patch.attempt) fields.attempts = [...current.attempts, patch.attempt];
    const bead = (await store.get(id))!;
    if (patch.state && OPEN_STATES.includes(patch.state) && bead.status === 'closed') await store.reopen(id, actor);
    await store.update(id, { fields }, actor);
    if (patch.state === 'merged' || patch.state === 'bounced') {
      if (bead.status !== 'closed') {
        const reason = patch.state === 'merged' ? `merged ${patch.merge_commit ?? ''}`.trim() : `bounced: ${patch.attempt?.outcome ?? 'see attempts'}`;
        await store.closeIssues([id], reason, actor);
      }
    }
    return getMergeRequest(store, id);
  });
}

/** Validates a state name from the command line. */
export function parseMrState(s: string): MrState {
  if (['queued', 'testing', 'merged', 'bounced'].includes(s)) return s as MrState;
  throw new UserError(`unknown merge-request state '${s}'`, 'use queued, testing, merged or bounced');
}
