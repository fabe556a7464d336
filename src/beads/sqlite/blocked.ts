// The materialized blocked state: issues.blocked is kept equal to what the dependency graph
// implies (ready.ts says what that is), inside each write transaction, so ready() is an index scan.
import { BLOCKING_DEP_TYPES, PARENT_CHILD, type Status } from '../model.js';
import { computeBlocked, type GraphEdge } from '../ready.js';
import type { SqlStatement } from './driver.js';

/** The engine's cached statement lookup. */
export type Query = (sql: string) => SqlStatement;

export const BLOCKING_SQL = BLOCKING_DEP_TYPES.map((t) => `'${t}'`).join(',');
export const CLOSED_SQL = `('closed','tombstone')`;

/** The blocked set the whole graph implies (what the materialized flags must equal). */
export function blockedFromGraph(q: Query): Set<string> {
  const status = new Map<string, Status>();
  for (const r of q('SELECT id, status FROM issues').all() as { id: string; status: Status }[]) status.set(r.id, r.status);
  return computeBlocked(status, q('SELECT issue_id, depends_on_id, type FROM dependencies').all() as GraphEdge[]);
}

/** After a bulk change (an import): every flag from the whole graph. */
export function recomputeAllBlocked(q: Query): void {
  const blocked = blockedFromGraph(q);
  const now = new Set((q('SELECT id FROM issues WHERE blocked = 1').all() as { id: string }[]).map((r) => r.id));
  const set = q('UPDATE issues SET blocked = ? WHERE id = ?');
  for (const id of blocked) if (!now.has(id)) set.run(1, id);
  for (const id of now) if (!blocked.has(id)) set.run(0, id);
}

/** Re-derives the blocked flag from the seeds outward (children follow a parent's change). */
export function recomputeBlocked(q: Query, seeds: Iterable<string>): void {
  const queue = [...seeds];
  const direct = q(`SELECT 1 FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
    WHERE d.issue_id = ? AND d.type IN (${BLOCKING_SQL}) AND t.status NOT IN ${CLOSED_SQL} LIMIT 1`);
  const viaParent = q(`SELECT 1 FROM dependencies d JOIN issues p ON p.id = d.depends_on_id
    WHERE d.issue_id = ? AND d.type = '${PARENT_CHILD}' AND p.blocked = 1 AND p.status NOT IN ${CLOSED_SQL} LIMIT 1`);
  const children = q(`SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type = '${PARENT_CHILD}'`);
  const cur = q('SELECT blocked FROM issues WHERE id = ?');
  const set = q('UPDATE issues SET blocked = ? WHERE id = ?');
  let guard = 0;
  while (queue.length && guard++ < 1_000_000) {
    const id = queue.shift()!;
    const row = cur.get(id) as { blocked: number } | undefined;
    if (!row) continue;
    const b = direct.get(id) || viaParent.get(id) ? 1 : 0;
    if (b !== row.blocked) {
      set.run(b, id);
      for (const c of children.all(id) as { issue_id: string }[]) queue.push(c.issue_id);
    }
  }
}

/** After an issue's status changed: its dependents and children may change. */
export function statusChanged(q: Query, id: string): void {
  const deps = q(`SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type IN (${BLOCKING_SQL}, '${PARENT_CHILD}')`)
    .all(id) as { issue_id: string }[];
  recomputeBlocked(q, deps.map((d) => d.issue_id));
}
