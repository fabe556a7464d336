// The issue columns both backends store, and how a row of them becomes an Issue (absent values
// stay absent, so the JSONL export is the same bytes whichever backend wrote it).
import type { Issue, Status } from './model.js';

export interface IssueColumns {
  id: string; title: string; description: string | null; design: string | null; acceptance_criteria: string | null; notes: string | null;
  status: string; priority: number; issue_type: string; assignee: string | null; owner: string | null;
  created_at: string; created_by: string | null; updated_at: string; closed_at: string | null; close_reason: string | null;
  external_ref: string | null; fields: string | null;
  /** 0/1 on SQLite, a boolean on PostgreSQL. */
  ephemeral: number | boolean;
}

export function rowToIssue(r: IssueColumns): Issue {
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
