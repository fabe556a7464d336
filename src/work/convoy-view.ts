// Text rendering of a convoy's progress: a tree of tracked beads and a progress bar.
import type { ConvoyStatus } from './convoy.js';

const MARK: Record<string, string> = { closed: '✓', hooked: '⚙', in_progress: '⚙', open: '·', blocked: '✗', missing: '?' };

export function renderConvoy(c: ConvoyStatus): string {
  const width = 20;
  const filled = c.total ? Math.round((c.closed / c.total) * width) : 0;
  const head = `${c.id} ${c.title}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${c.closed}/${c.total}${c.landed ? '  LANDED' : ''}`;
  const rows = c.tracked.map((t, i) => `${i === c.tracked.length - 1 ? '└─' : '├─'} ${MARK[t.status] ?? '·'} ${t.id} ${t.title} [${t.status}${t.assignee ? ` · ${t.assignee}` : ''}]`);
  return [head, ...rows].join('\n');
}
