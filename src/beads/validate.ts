// The one validator of an issue's values, used by create, update and import (`bd import` and a
// JSONL that arrived by git), so nothing enters the database that an export could not write back
// or another clone could not import. Pure: the caller says which statuses are known.
import { MAX_TITLE_LENGTH, STATUSES, statusShaped, type Issue } from './model.js';

/** Size caps: generous for real data (the largest line of Beads' own export is 9 KB), small enough
 *  that a runaway paste cannot bloat every clone. Titles follow Beads' 500. */
export const LIMITS = { id: 200, title: MAX_TITLE_LENGTH, text: 1_000_000, short: 500, type: 64, label: 100 } as const;

/** The values validated; an Issue has them all (create and update build one to check). */
export type Checked = Pick<Issue, 'id' | 'title' | 'status' | 'priority' | 'issue_type'>
  & Partial<Pick<Issue, 'description' | 'design' | 'acceptance_criteria' | 'notes' | 'close_reason' | 'assignee' | 'owner'
    | 'created_by' | 'external_ref' | 'labels' | 'dependencies' | 'comments'>>;

/** `<prefix>-<hash>`, children `<parent>.N`, Gas Town's `<prefix>-<role>-<name>`: one word of
 *  letters, digits, `_`, `-` and `.`, starting with a letter; no `..`, no trailing separator. */
export function idProblem(id: string): string | undefined {
  if (!id) return 'empty id';
  if (id.length > LIMITS.id) return `id is ${id.length} characters (at most ${LIMITS.id})`;
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(id) || id.includes('..') || /[.-]$/.test(id)) {
    return `invalid id ${show(id)} (ids look like <prefix>-<hash> or <parent>.N: letters, digits, _ - .)`;
  }
  return undefined;
}

/** The first problem with an issue's values, or undefined when it may be stored. */
export function issueProblem(i: Checked, knownStatuses: ReadonlySet<string>): string | undefined {
  const idp = idProblem(i.id);
  if (idp) return idp;
  if (!i.title.trim()) return `${i.id}: empty title`;
  if (i.title.length > LIMITS.title) return `${i.id}: title is ${i.title.length} characters (at most ${LIMITS.title})`;
  if (!Number.isInteger(i.priority) || i.priority < 0 || i.priority > 4) return `${i.id}: priority ${i.priority} (must be 0 to 4)`;
  if (!statusShaped(i.status)) return `${i.id}: invalid status ${show(i.status)} (one lowercase word)`;
  if (!knownStatuses.has(i.status)) {
    return `${i.id}: unknown status "${i.status}" (configure it: bd config set status.custom "${i.status}")`;
  }
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(i.issue_type) || i.issue_type.length > LIMITS.type) return `${i.id}: invalid issue_type ${show(i.issue_type)}`;
  for (const k of ['description', 'design', 'acceptance_criteria', 'notes', 'close_reason'] as const) {
    const v = i[k];
    if (v !== undefined && v.length > LIMITS.text) return `${i.id}: ${k} is ${v.length} characters (at most ${LIMITS.text})`;
  }
  for (const k of ['assignee', 'owner', 'created_by', 'external_ref'] as const) {
    const v = i[k];
    if (v !== undefined && v.length > LIMITS.short) return `${i.id}: ${k} is ${v.length} characters (at most ${LIMITS.short})`;
  }
  for (const l of i.labels ?? []) {
    if (!l || /[,\s]/.test(l) || l.length > LIMITS.label) return `${i.id}: invalid label ${show(l)} (one word, no commas or spaces)`;
  }
  for (const d of i.dependencies ?? []) {
    if (d.depends_on_id === i.id) return `${i.id}: depends on itself (${d.type})`;
    if (!d.depends_on_id || /\s/.test(d.depends_on_id) || d.depends_on_id.length > LIMITS.id) return `${i.id}: invalid dependency target ${show(d.depends_on_id)}`;
    if (!/^[A-Za-z][A-Za-z0-9_:-]*$/.test(d.type) || d.type.length > LIMITS.type) return `${i.id}: invalid dependency type ${show(d.type)}`;
  }
  for (const c of i.comments ?? []) {
    if (c.text.length > LIMITS.text) return `${i.id}: a comment is ${c.text.length} characters (at most ${LIMITS.text})`;
  }
  return undefined;
}

/** The statuses a store accepts: the built-in ones and its configured custom ones. */
export function knownStatuses(custom: Iterable<string>): Set<string> {
  return new Set<string>([...STATUSES, ...custom]);
}

/** A value quoted for a one-line message: JSON-escaped and cut short. */
function show(v: string): string {
  const s = JSON.stringify(v);
  return s.length > 42 ? `${s.slice(0, 40)}…"` : s;
}
