// The markdown batch format of `bd create --file` (Beads'): each `## Title` starts an issue; text
// right under it is the description; `### Priority|Type|Description|Design|Acceptance Criteria|
// Assignee|Labels|Dependencies` sections set those fields. Pure.
import { UserError } from '../../lib/errors.js';
import { parsePriority } from '../../beads/model.js';
import type { CreateInput } from '../../beads/api.js';

/** A parsed issue: CreateInput's fields, dependencies still as the ids (or type:id) written. */
export type IssueTemplate = Omit<CreateInput, 'deps' | 'labels'> & { labels: string[]; deps?: string[] };

const words = (s: string) => s.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean);

export function parseMarkdownIssues(text: string, source: string): IssueTemplate[] {
  const out: IssueTemplate[] = [];
  let cur: (typeof out)[number] | undefined;
  let section = '';
  let body: string[] = [];
  const finishSection = () => {
    const content = body.join('\n').trim();
    body = [];
    if (!cur || !section || !content) return;
    switch (section.toLowerCase()) {
      case 'priority': {
        const p = parsePriority(content);
        if (p === undefined) throw new UserError(`${source}: "${cur.title}": invalid priority "${content}"`, 'priority is 0 to 4 (or P0 to P4)');
        cur.priority = p;
        break;
      }
      case 'type': cur.issue_type = content.toLowerCase(); break;
      case 'description': cur.description = content; break;
      case 'design': cur.design = content; break;
      case 'acceptance criteria': case 'acceptance': cur.acceptance_criteria = content; break;
      case 'notes': cur.notes = content; break;
      case 'assignee': cur.assignee = content; break;
      case 'labels': cur.labels = words(content); break;
      case 'dependencies': case 'deps': cur.deps = words(content); break;
    }
  };
  for (const line of text.split(/\r?\n/)) {
    const h2 = line.match(/^##\s+(.+)$/);
    const h3 = line.match(/^###\s+(.+)$/);
    if (h2) {
      finishSection();
      cur = { title: h2[1]!.trim(), priority: 2, issue_type: 'task', labels: [] };
      out.push(cur);
      section = '';
    } else if (h3) {
      finishSection();
      section = h3[1]!.trim();
    } else if (cur && section) {
      body.push(line);
    } else if (cur && line.trim()) {
      cur.description = cur.description ? `${cur.description}\n${line}` : line;
    }
  }
  finishSection();
  if (!out.length) throw new UserError(`${source}: no issues found`, 'each issue starts with a "## Title" line');
  return out;
}
