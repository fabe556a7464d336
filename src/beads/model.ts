// The record shapes of the tracker, named and ordered as Beads names them, plus the vocabulary
// (statuses, dependency kinds, non-work types) that readiness decisions are made from.

export type Status = 'open' | 'in_progress' | 'blocked' | 'deferred' | 'closed' | 'pinned' | 'hooked' | 'tombstone';

export const STATUSES: readonly Status[] = ['open', 'in_progress', 'blocked', 'deferred', 'closed', 'pinned', 'hooked', 'tombstone'];

export interface Dependency { issue_id: string; depends_on_id: string; type: string; created_at: string; created_by?: string }

export interface Comment { id: number; issue_id: string; author: string; text: string; created_at: string }

export interface Issue {
  id: string; title: string; description?: string; design?: string; acceptance_criteria?: string; notes?: string;
  status: Status; priority: number; issue_type: string; assignee?: string; owner?: string;
  labels: string[]; dependencies: Dependency[]; comments: Comment[];
  created_at: string; created_by?: string; updated_at: string; closed_at?: string; close_reason?: string;
  ephemeral?: boolean; external_ref?: string;
  /** Every other top-level JSONL key (Gas Town's own fields live here too, e.g. agent_state,
   *  hook_bead, role_type, rig, mr_state); exported as top-level keys, queryable via list({fields}). */
  fields: Record<string, unknown>;
}

export interface BeadEvent {
  id: number; issue_id: string; event_type: string; actor: string;
  old_value?: string; new_value?: string; comment?: string; created_at: string;
}

/** Dependency kinds that keep the dependent issue from being ready while the target is open. */
export const BLOCKING_DEP_TYPES: readonly string[] = ['blocks', 'conditional-blocks', 'waits-for'];
/** Children inherit their parent's blocked state through this kind (issue = child, depends_on = parent). */
export const PARENT_CHILD = 'parent-child';
/** Known kinds that never affect readiness; other kinds are kept verbatim (e.g. `relates-to`). */
export const NON_BLOCKING_DEP_TYPES: readonly string[] = ['related', 'discovered-from', 'tracks', 'duplicates', 'supersedes', 'replies-to'];

export const BUILTIN_TYPES: readonly string[] = ['task', 'bug', 'feature', 'epic', 'chore', 'decision', 'message', 'agent',
  'merge-request', 'convoy', 'molecule', 'gate', 'event'];
/** Types that are bookkeeping, not work: never offered by `ready` (a molecule root is the molecule itself). */
export const NON_WORK_TYPES: readonly string[] = ['message', 'agent', 'merge-request', 'convoy', 'molecule', 'gate', 'event'];

/** Top-level JSONL keys in the order Beads writes them (consistent across the real export);
 *  keys not listed here (Gas Town's own fields, future Beads fields) follow in their stored order. */
export const KEY_ORDER: readonly string[] = ['id', 'title', 'description', 'design', 'acceptance_criteria', 'notes', 'status',
  'priority', 'issue_type', 'assignee', 'owner', 'estimated_minutes', 'created_at', 'created_by', 'updated_at', 'closed_at',
  'close_reason', 'labels', 'dependencies', 'ephemeral', 'comments', 'deleted_at', 'deleted_by', 'delete_reason',
  'original_type', 'external_ref', 'await_type', 'await_id', 'timeout'];

/** The keys modelled as Issue properties; everything else lives in `fields`. */
export const MODELLED_KEYS: ReadonlySet<string> = new Set(['id', 'title', 'description', 'design', 'acceptance_criteria', 'notes',
  'status', 'priority', 'issue_type', 'assignee', 'owner', 'created_at', 'created_by', 'updated_at', 'closed_at', 'close_reason',
  'labels', 'dependencies', 'ephemeral', 'comments', 'external_ref']);

export const TEXT_FIELDS = ['title', 'description', 'design', 'acceptance_criteria', 'notes'] as const;

export function isStatus(s: string): s is Status {
  return (STATUSES as readonly string[]).includes(s);
}

export function isBlockingDep(type: string): boolean {
  return BLOCKING_DEP_TYPES.includes(type);
}

/** Priority 0 (critical) to 4 (backlog); accepts `P2` as Beads does. Returns undefined if invalid. */
export function parsePriority(v: string | number): number | undefined {
  const s = String(v).trim().replace(/^[pP]/, '');
  if (!/^[0-4]$/.test(s)) return undefined;
  return Number(s);
}

/** Timestamps as Beads writes them: RFC 3339 with sub-second precision and the local zone offset. */
export function nowStamp(d = new Date()): string {
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
  // Microseconds from the high-resolution clock keep same-millisecond events ordered.
  const micros = pad(Math.floor((performance.timeOrigin * 1000 + performance.now() * 1000) % 1000), 3);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${micros}${zone}`;
}
