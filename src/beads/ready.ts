// Readiness decisions as pure functions over plain data (no database): what blocks an issue,
// which issues of a whole graph are blocked, and why a given issue is not ready.
import { BLOCKING_DEP_TYPES, NON_WORK_TYPES, PARENT_CHILD, type Status } from './model.js';

/** A target stops blocking once it is closed, deleted, or not in this database at all. */
export function isOpenBlocker(status: Status | undefined): boolean {
  return status !== undefined && status !== 'closed' && status !== 'tombstone';
}

export interface GraphEdge { issue_id: string; depends_on_id: string; type: string }

/**
 * Blocked = a blocking dependency on an open target, or a parent (parent-child) that is itself
 * blocked and not closed: blocking flows down the hierarchy to every descendant.
 */
export function computeBlocked(status: Map<string, Status>, edges: GraphEdge[]): Set<string> {
  const blocked = new Set<string>();
  const children = new Map<string, string[]>();
  for (const e of edges) {
    if (BLOCKING_DEP_TYPES.includes(e.type) && isOpenBlocker(status.get(e.depends_on_id))) blocked.add(e.issue_id);
    else if (e.type === PARENT_CHILD) {
      const list = children.get(e.depends_on_id);
      if (list) list.push(e.issue_id);
      else children.set(e.depends_on_id, [e.issue_id]);
    }
  }
  const queue = [...blocked];
  while (queue.length) {
    const parent = queue.pop()!;
    const st = status.get(parent);
    if (st === 'closed' || st === 'tombstone') continue;
    for (const child of children.get(parent) ?? []) {
      if (!blocked.has(child)) {
        blocked.add(child);
        queue.push(child);
      }
    }
  }
  return blocked;
}

export interface ReadinessFacts {
  status: Status; issue_type: string; ephemeral?: boolean;
  /** Ids of open targets of this issue's own blocking dependencies. */
  blockers: string[];
  /** The nearest blocked ancestor, if blocking is inherited through parent-child. */
  blockedAncestor?: string;
  /** Blockers that are gates (type gate), with their titles: said as what the issue waits for. */
  gates?: Record<string, string>;
}

/** The reasons an issue is not ready to work on; [] means ready. */
export function notReadyReasons(f: ReadinessFacts): string[] {
  const why: string[] = [];
  if (f.status !== 'open') why.push(`status is ${f.status} (ready work must be open)`);
  if (f.ephemeral) why.push('it is ephemeral (a wisp), not tracked work');
  if (NON_WORK_TYPES.includes(f.issue_type)) why.push(`type ${f.issue_type} is bookkeeping, not work`);
  for (const b of f.blockers) why.push(f.gates?.[b] ? `waits for gate ${b}: ${f.gates[b]}` : `blocked by ${b} (still open)`);
  if (f.blockedAncestor) why.push(`its parent chain is blocked at ${f.blockedAncestor}`);
  return why;
}

/** Is this reason (from notReadyReasons) a blocker that will clear by itself once other work closes? */
export function isBlockerReason(reason: string): boolean {
  return reason.startsWith('blocked by ') || reason.startsWith('its parent chain is blocked');
}

/** Finds dependency cycles among blocking + parent-child edges; each cycle listed once. */
export function findCycles(edges: GraphEdge[]): string[][] {
  const adj = new Map<string, string[]>();
  for (const e of edges) {
    if (!BLOCKING_DEP_TYPES.includes(e.type) && e.type !== PARENT_CHILD) continue;
    const l = adj.get(e.issue_id);
    if (l) l.push(e.depends_on_id);
    else adj.set(e.issue_id, [e.depends_on_id]);
  }
  const state = new Map<string, 1 | 2>(); // 1 = on stack, 2 = done
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (start: string) => {
    // Iterative DFS so deep chains cannot overflow the call stack.
    const iters: [string, number][] = [[start, 0]];
    state.set(start, 1);
    stack.push(start);
    while (iters.length) {
      const top = iters[iters.length - 1]!;
      const next = adj.get(top[0]) ?? [];
      if (top[1] < next.length) {
        const n = next[top[1]++]!;
        const s = state.get(n);
        if (s === 1) {
          const cyc = stack.slice(stack.indexOf(n));
          const key = [...cyc].sort().join(' ');
          if (!seen.has(key)) { seen.add(key); cycles.push(cyc); }
        } else if (s === undefined) {
          state.set(n, 1);
          stack.push(n);
          iters.push([n, 0]);
        }
      } else {
        state.set(top[0], 2);
        stack.pop();
        iters.pop();
      }
    }
  };
  for (const id of adj.keys()) if (!state.has(id)) visit(id);
  return cycles;
}
