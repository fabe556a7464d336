// The record shapes of the tracker, named and ordered as Beads names them, plus the vocabulary
// (statuses, dependency kinds, non-work types) that readiness decisions are made from.
import { UserError } from '../lib/errors.js';

export type BuiltinStatus = 'open' | 'in_progress' | 'blocked' | 'deferred' | 'closed' | 'pinned' | 'hooked' | 'tombstone';
/** A built-in status, or a custom one configured as Beads does (`bd config set status.custom "in_review,qa"`).
 *  A custom status is neither ready nor closed: its issue still blocks what depends on it. */
export type Status = BuiltinStatus | (string & {});

export const STATUSES: readonly BuiltinStatus[] = ['open', 'in_progress', 'blocked', 'deferred', 'closed', 'pinned', 'hooked', 'tombstone'];
/** The config key holding the custom statuses, comma-separated (Beads' key). */
export const CUSTOM_STATUS_KEY = 'status.custom';

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

/** The longest title a bead may have (Beads' cap; `bd create` refuses longer). */
export const MAX_TITLE_LENGTH = 500;

/**
 * A title made from other text (`Merge: <title>`, `Fix <title>: ...`, a mail subject quoting a
 * convoy) cut to fit the cap, so one long title never makes the bead that quotes it unfileable.
 * Whitespace runs become one space (a quoted description may hold newlines). Pure.
 */
export function fitTitle(text: string, max = MAX_TITLE_LENGTH): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  let cut = max - 1;
  // Never split a surrogate pair: half an emoji is not text.
  if (/[\uD800-\uDBFF]/.test(t[cut - 1]!)) cut--;
  return t.slice(0, cut).trimEnd() + '…';
}

export function isStatus(s: string): s is BuiltinStatus {
  return (STATUSES as readonly string[]).includes(s);
}

/** What a status name may look like (built-in or custom): one lowercase word. */
export function statusShaped(s: string): boolean {
  return /^[a-z][a-z0-9_-]{0,31}$/.test(s);
}

/** The custom statuses of a `status.custom` setting ("in_review, qa" -> in_review, qa). */
export function parseCustomStatuses(setting: string | undefined): string[] {
  return (setting ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** Priority 0 (critical) to 4 (backlog); accepts `P2` as Beads does. Returns undefined if invalid. */
export function parsePriority(v: string | number): number | undefined {
  const s = String(v).trim().replace(/^[pP]/, '');
  if (!/^[0-4]$/.test(s)) return undefined;
  return Number(s);
}

/** A label is one word: no spaces, no commas (they separate labels on the command line). */
export function checkLabel(label: string): string {
  const l = label.trim();
  if (!l || /[,\s]/.test(l)) throw new UserError(`invalid label "${label}"`, 'labels are single words without commas or spaces');
  return l;
}
