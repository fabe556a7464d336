// Rows of the PostgreSQL schema <-> the tracker's records, and the small SQL helpers every query uses.
import type { Issue, Status } from '../model.js';

export interface IssueRow {
  id: string; title: string; description: string | null; design: string | null; acceptance_criteria: string | null; notes: string | null;
  status: string; priority: number; issue_type: string; assignee: string | null; owner: string | null;
  created_at: string; created_by: string | null; updated_at: string; closed_at: string | null; close_reason: string | null;
  external_ref: string | null; ephemeral: boolean; wisp: boolean; fields: string | null; blocked: boolean; rev: number;
}

const ISSUE_COLUMNS = ['id', 'title', 'description', 'design', 'acceptance_criteria', 'notes', 'status', 'priority', 'issue_type',
  'assignee', 'owner', 'created_at', 'created_by', 'updated_at', 'closed_at', 'close_reason', 'external_ref', 'ephemeral', 'wisp',
  'fields', 'blocked', 'rev'];

/** The issue columns to select (never fields_j, the parsed twin of fields), optionally qualified. */
export function issueCols(alias?: string): string {
  return alias ? ISSUE_COLUMNS.map((c) => `${alias}.${c}`).join(', ') : ISSUE_COLUMNS.join(', ');
}

export function rowToIssue(r: IssueRow): Issue {
  const issue: Issue = {
    id: r.id, title: r.title, status: r.status as Status, priority: r.priority, issue_type: r.issue_type,
    labels: [], dependencies: [], comments: [], created_at: r.created_at, updated_at: r.updated_at,
    fields: r.fields ? (JSON.parse(r.fields) as Record<string, unknown>) : {},
  };
  if (r.description !== null) issue.description = r.description;
  if (r.design !== null) issue.design = r.design;
  if (r.acceptance_criteria !== null) issue.acceptance_criteria = r.acceptance_criteria;
  if (r.notes !== null) issue.notes = r.notes;
  if (r.assignee !== null) issue.assignee = r.assignee;
  if (r.owner !== null) issue.owner = r.owner;
  if (r.created_by !== null) issue.created_by = r.created_by;
  if (r.closed_at !== null) issue.closed_at = r.closed_at;
  if (r.close_reason !== null) issue.close_reason = r.close_reason;
  if (r.external_ref !== null) issue.external_ref = r.external_ref;
  if (r.ephemeral) issue.ephemeral = true;
  return issue;
}

export function nonEmpty(v: string | undefined): string | null {
  return v === undefined || v === '' ? null : v;
}

/** A LIKE pattern matching every text that starts with `s`. */
export function startsWithPattern(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/** Collects positional parameters: `p(value)` returns its placeholder ($1, $2, ...). */
export class Params {
  readonly values: unknown[] = [];
  p(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}
