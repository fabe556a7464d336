// JSON as Beads emits it, built from the store's records: list items with their dependency,
// dependent and comment counts and parent; show details with dependencies and dependents as issue
// objects; epic progress; the stats summary. Beads' field names are kept exactly; this project's
// own fields (hooks, MR state...) ride along as extra keys, never renamed.
import { issueToRecord } from '../../beads/jsonl.js';
import { PARENT_CHILD, type Dependency, type Issue } from '../../beads/model.js';
import type { Tx } from '../../beads/api.js';

export type Json = Record<string, unknown>;

/** Counts over every edge of the database, computed once for a whole listing. */
export interface EdgeIndex {
  dependencyCount: Map<string, number>;
  dependentCount: Map<string, number>;
  parent: Map<string, string>;
  children: Map<string, string[]>;
}

export function indexEdges(edges: Dependency[]): EdgeIndex {
  const ix: EdgeIndex = { dependencyCount: new Map(), dependentCount: new Map(), parent: new Map(), children: new Map() };
  for (const e of edges) {
    ix.dependencyCount.set(e.issue_id, (ix.dependencyCount.get(e.issue_id) ?? 0) + 1);
    ix.dependentCount.set(e.depends_on_id, (ix.dependentCount.get(e.depends_on_id) ?? 0) + 1);
    if (e.type === PARENT_CHILD) {
      if (!ix.parent.has(e.issue_id)) ix.parent.set(e.issue_id, e.depends_on_id);
      const kids = ix.children.get(e.depends_on_id);
      if (kids) kids.push(e.issue_id); else ix.children.set(e.depends_on_id, [e.issue_id]);
    }
  }
  return ix;
}

/** The index over every edge, or (given the listed issues) only over the edges that touch them. */
export async function edgeIndex(s: Tx, of?: Issue[]): Promise<EdgeIndex> {
  return indexEdges(await s.allEdges(of?.map((i) => i.id)));
}

/** A list/ready/blocked item: the issue plus dependency_count, dependent_count, comment_count, parent. */
export function withCounts(i: Issue, ix: EdgeIndex): Json {
  const out: Json = { ...issueToRecord(i), dependency_count: ix.dependencyCount.get(i.id) ?? 0, dependent_count: ix.dependentCount.get(i.id) ?? 0, comment_count: i.comments.length };
  const parent = ix.parent.get(i.id);
  if (parent) out.parent = parent;
  return out;
}

/** An issue as a dependency or dependent of another: the issue, plus the edge's type. */
function related(i: Issue | undefined, id: string, type: string): Json {
  return i ? { ...issueToRecord(i), dependency_type: type } : { id, title: '', status: 'unknown', dependency_type: type };
}

/**
 * `bd show --json` for one issue: dependencies and dependents as issue objects with
 * dependency_type, the counts, parent, and for an epic with children its progress.
 */
export async function issueDetails(s: Tx, i: Issue): Promise<Json> {
  const dependencies: Json[] = [];
  for (const d of i.dependencies) dependencies.push(related(await s.getExact(d.depends_on_id), d.depends_on_id, d.type));
  const dependents: Json[] = [];
  for (const d of await s.dependents(i.id)) {
    for (const e of d.dependencies) if (e.depends_on_id === i.id) dependents.push(related(d, d.id, e.type));
  }
  const out: Json = { ...issueToRecord(i), labels: i.labels, dependencies, dependents, comments: i.comments };
  const parent = i.dependencies.find((d) => d.type === PARENT_CHILD)?.depends_on_id;
  if (parent) out.parent = parent;
  out.dependency_count = i.dependencies.length;
  out.dependent_count = dependents.length;
  out.comment_count = i.comments.length;
  const kids = dependents.filter((d) => d.dependency_type === PARENT_CHILD);
  if (i.issue_type === 'epic' && kids.length) {
    const closed = kids.filter((k) => k.status === 'closed').length;
    Object.assign(out, { epic_total_children: kids.length, epic_closed_children: closed, epic_closeable: closed === kids.length });
  }
  return out;
}

export interface EpicStatus { epic: Json; total_children: number; closed_children: number; eligible_for_close: boolean }

/** Every epic that is not closed, with its children's progress (Beads' `bd epic status`). */
export async function epicStatuses(s: Tx): Promise<EpicStatus[]> {
  const epics = await s.list({ type: 'epic', includeClosed: false });
  if (!epics.length) return [];
  const ix = await edgeIndex(s);
  const childIds = epics.flatMap((e) => ix.children.get(e.id) ?? []);
  const status = new Map((childIds.length ? await s.list({ ids: childIds, includeEphemeral: true }) : []).map((c) => [c.id, c.status]));
  return epics.map((e) => {
    const kids = (ix.children.get(e.id) ?? []).filter((k) => status.has(k));
    const closed = kids.filter((k) => status.get(k) === 'closed').length;
    return { epic: issueToRecord(e), total_children: kids.length, closed_children: closed, eligible_for_close: kids.length > 0 && closed === kids.length };
  });
}

/** `bd stats --json`: Beads' summary object, plus this project's own counts beside it. */
export async function statsJson(s: Tx): Promise<Json> {
  const st = await s.stats();
  const closed = await s.list({ status: 'closed' });
  const leads = closed.filter((i) => i.closed_at).map((i) => Date.parse(i.closed_at!) - Date.parse(i.created_at)).filter(Number.isFinite);
  const epics = await epicStatuses(s);
  const summary = {
    total_issues: st.total ?? 0, open_issues: st.open ?? 0, in_progress_issues: st.in_progress ?? 0, closed_issues: st.closed ?? 0,
    blocked_issues: st.blocked_open ?? 0, deferred_issues: st.deferred ?? 0, ready_issues: st.ready ?? 0, pinned_issues: st.pinned ?? 0,
    epics_eligible_for_closure: epics.filter((e) => e.eligible_for_close).length,
    average_lead_time_hours: leads.length ? Math.round((leads.reduce((a, b) => a + b, 0) / leads.length / 3600e3) * 100) / 100 : 0,
  };
  return { summary, ...st };
}
