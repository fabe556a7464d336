// Text rendering of a convoy's progress: a tree of tracked beads and a progress bar.
import type { ConvoyStatus } from './convoy.js';

const MARK: Record<string, string> = { closed: '✓', hooked: '⚙', in_progress: '⚙', open: '·', blocked: '✗', missing: '?' };

export function renderConvoy(c: ConvoyStatus): string {
  const width = 20;
  const filled = c.total ? Math.round((c.closed / c.total) * width) : 0;
  const staged = new Map(c.staged.map((s) => [s.id, s.reason]));
  const queued = c.staged.find((s) => s.reason.startsWith('queued: '));
  const head = `${c.id} ${c.title}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${c.closed}/${c.total}${c.landed ? '  LANDED' : ''}` +
    (c.staged.length ? `  (${c.staged.length} staged${queued ? `; ${queued.reason}` : ''})` : '');
  const rows = c.tracked.map((t, i) => `${i === c.tracked.length - 1 ? '└─' : '├─'} ${MARK[t.status] ?? '·'} ${t.id} ${t.title} [${t.status}${t.assignee ? ` · ${t.assignee}` : ''}${staged.has(t.id) ? ` · staged: ${staged.get(t.id)}` : ''}]`);
  return [head, ...rows].join('\n');
}
