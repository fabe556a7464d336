// Text renderings of issues for humans and agents (the --json output is the JSONL record).
// Control characters are escaped on the way out (cli/main.ts output); a title is also kept on one
// line here, so a newline in it cannot forge a line of the listing.
import type { Issue } from '../../beads/model.js';
import { printable } from '../../lib/text.js';

export function formatIssueLine(i: Issue): string {
  return `${i.id} [P${i.priority}] [${i.issue_type}] ${i.status}${i.assignee ? ` @${i.assignee}` : ''} - ${printable(i.title)}`;
}

export function formatIssueFull(i: Issue): string {
  const out = [`${i.id}: ${printable(i.title)}`, `Status: ${i.status}   Priority: P${i.priority}   Type: ${i.issue_type}${i.ephemeral ? '   (ephemeral)' : ''}`];
  if (i.assignee) out.push(`Assignee: ${i.assignee}`);
  out.push(`Created: ${i.created_at}${i.created_by ? ` by ${i.created_by}` : ''}   Updated: ${i.updated_at}`);
  if (i.closed_at) out.push(`Closed: ${i.closed_at}${i.close_reason ? ` (${i.close_reason})` : ''}`);
  if (i.labels.length) out.push(`Labels: ${i.labels.join(', ')}`);
  for (const [k, v] of Object.entries(i.fields)) out.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  for (const [name, text] of [['Description', i.description], ['Design', i.design], ['Acceptance criteria', i.acceptance_criteria], ['Notes', i.notes]] as const) {
    if (text) out.push('', `${name}:`, text);
  }
  if (i.dependencies.length) {
    out.push('', 'Depends on:');
    for (const d of i.dependencies) out.push(`  ${d.depends_on_id} (${d.type})`);
  }
  if (i.comments.length) {
    out.push('', `Comments (${i.comments.length}):`);
    for (const c of i.comments) out.push(`  [${c.created_at}] ${c.author}: ${c.text.replace(/\n/g, '\n    ')}`);
  }
  return out.join('\n');
}

export interface TreeNode { id: string; title: string; status: string; depth: number; type: string; parent_id?: string; repeat?: boolean }

export function formatTree(nodes: TreeNode[]): string {
  return nodes.map((n) => `${'  '.repeat(n.depth)}${n.depth ? '└─ ' : ''}${n.id} [${n.status}] ${printable(n.title)}${n.type ? ` (${n.type})` : ''}${n.repeat ? ' (shown above)' : ''}`).join('\n');
}
