// The materialized blocked flag on PostgreSQL, kept by the write transaction that changes what it
// depends on (the same rule as SQLite: ready.ts's computeBlocked is what the flags must equal).
// Incremental changes re-derive the flag level by level from the changed issues outward, a whole
// level in one query, so a deep hierarchy costs a query per level, not per issue.
import type pg from 'pg';
import { BLOCKING_DEP_TYPES, PARENT_CHILD, type Status } from '../model.js';
import { computeBlocked, type GraphEdge } from '../ready.js';

const CLOSED = ['closed', 'tombstone'];

/** Re-derives the blocked flag of the seeds; where it changed, their children follow. */
export async function recomputeBlocked(c: pg.ClientBase, seeds: Iterable<string>): Promise<void> {
  let level = [...new Set(seeds)];
  for (let guard = 0; level.length && guard < 10_000; guard++) {
    const changed = await c.query<{ id: string }>(`
      WITH want AS (
        SELECT i.id, (
          EXISTS (SELECT 1 FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
                  WHERE d.issue_id = i.id AND d.type = ANY($2::text[]) AND NOT (t.status = ANY($3::text[])))
          OR EXISTS (SELECT 1 FROM dependencies d JOIN issues p ON p.id = d.depends_on_id
                  WHERE d.issue_id = i.id AND d.type = '${PARENT_CHILD}' AND p.blocked AND NOT (p.status = ANY($3::text[])))
        ) AS b
        FROM issues i WHERE i.id = ANY($1::text[])
      )
      UPDATE issues SET blocked = want.b FROM want WHERE issues.id = want.id AND issues.blocked IS DISTINCT FROM want.b
      RETURNING issues.id`, [level, BLOCKING_DEP_TYPES, CLOSED]);
    if (!changed.rows.length) return;
    const children = await c.query<{ issue_id: string }>(`SELECT DISTINCT issue_id FROM dependencies
      WHERE depends_on_id = ANY($1::text[]) AND type = '${PARENT_CHILD}'`, [changed.rows.map((r) => r.id)]);
    level = children.rows.map((r) => r.issue_id);
  }
}

/** After issues' status changed (closed or not): their dependents and children may change. */
export async function statusChanged(c: pg.ClientBase, ids: string | string[]): Promise<void> {
  const deps = await c.query<{ issue_id: string }>(`SELECT DISTINCT issue_id FROM dependencies WHERE depends_on_id = ANY($1::text[]) AND type = ANY($2::text[])`,
    [typeof ids === 'string' ? [ids] : ids, [...BLOCKING_DEP_TYPES, PARENT_CHILD]]);
  await recomputeBlocked(c, deps.rows.map((d) => d.issue_id));
}

/** The blocked set the whole graph implies (what the materialized flags must equal). */
export async function blockedFromGraph(c: pg.ClientBase): Promise<Set<string>> {
  const status = new Map<string, Status>();
  for (const r of (await c.query<{ id: string; status: Status }>('SELECT id, status FROM issues')).rows) status.set(r.id, r.status);
  const edges = (await c.query<GraphEdge>('SELECT issue_id, depends_on_id, type FROM dependencies')).rows;
  return computeBlocked(status, edges);
}

/** Sets every flag from the whole graph (after an import). */
export async function recomputeAllBlocked(c: pg.ClientBase): Promise<void> {
  const blocked = [...(await blockedFromGraph(c))];
  await c.query('UPDATE issues SET blocked = true WHERE id = ANY($1::text[]) AND NOT blocked', [blocked]);
  await c.query('UPDATE issues SET blocked = false WHERE blocked AND NOT (id = ANY($1::text[]))', [blocked]);
}
