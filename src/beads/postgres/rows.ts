// Rows of the PostgreSQL schema <-> the tracker's records, and the small SQL helpers every query uses.
import { rowToIssue, type IssueColumns } from '../issue-row.js';

export interface IssueRow extends IssueColumns {
  ephemeral: boolean; wisp: boolean; blocked: boolean; rev: number;
}

const ISSUE_COLUMNS = ['id', 'title', 'description', 'design', 'acceptance_criteria', 'notes', 'status', 'priority', 'issue_type',
  'assignee', 'owner', 'created_at', 'created_by', 'updated_at', 'closed_at', 'close_reason', 'external_ref', 'ephemeral', 'wisp',
  'fields', 'blocked', 'rev'];

/** The issue columns to select (never fields_j, the parsed twin of fields), optionally qualified. */
export function issueCols(alias?: string): string {
  return alias ? ISSUE_COLUMNS.map((c) => `${alias}.${c}`).join(', ') : ISSUE_COLUMNS.join(', ');
}

export { rowToIssue };

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
