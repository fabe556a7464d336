// bd's read commands as Beads users call them: list (Beads' filters, sort, default limit 50),
// ready (default limit 100), blocked, show, children, count, stale, stats, epic status, dep list,
// dep tree (JSON nodes, mermaid), label list-all. JSON shapes come from compat.ts.
import { output } from '../output.js';
import { UserError } from '../../lib/errors.js';
import { issueToRecord } from '../../beads/jsonl.js';
import { NON_WORK_TYPES, type Issue } from '../../beads/model.js';
import type { ListFilter, Tx } from '../../beads/api.js';
import { edgeIndex, epicStatuses, issueDetails, statsJson, withCounts, type EdgeIndex, type Json } from './compat.js';
import { dateArg, forId, g, local, priorityArg, statusesArg, wholeArg, withStore, type Ctx } from './ctx.js';
import { formatIssueFull, formatIssueLine, formatTree, type TreeNode } from './format.js';
import { writeOut } from '../stdout.js';

type Opts = Record<string, unknown>;
const str = (v: unknown) => (v === undefined || v === '' ? undefined : String(v));
const truncationHint = (c: Ctx, shown: number, limit: number) => {
  if (!g(c).quiet) process.stderr.write(`bd: showing ${shown} issues (--limit ${limit}); --limit 0 shows all\n`);
};

/** The store-side filter of list/count/children: what SQL can answer. */
function storeFilter(o: Opts): ListFilter {
  const st = statusesArg(o.status);
  const f: ListFilter = {
    type: o.type as string[] | undefined, label: o.label as string[] | undefined,
    assignee: typeof o.assignee === 'string' ? o.assignee : undefined, priority: priorityArg(o.priority), parent: str(o.parent), includeEphemeral: !!o.ephemeral,
  };
  if (st && st !== 'all') f.status = st;
  if (o.id) f.ids = o.id as string[];
  if (!o.all && st === undefined) f.includeClosed = false;
  // Identities, merge requests, mail and events share the database but are not work.
  if (!o.all && !o.type) f.excludeType = [...NON_WORK_TYPES];
  if (o.excludeType) f.excludeType = [...(f.excludeType ?? []), ...(o.excludeType as string[])];
  return f;
}

/** The filters SQL does not answer today, applied to the fetched issues. */
function memoryFilter(o: Opts): (i: Issue) => boolean {
  const tests: ((i: Issue) => boolean)[] = [];
  const has = (field: string | undefined, v: unknown) => (field ?? '').toLowerCase().includes(String(v).toLowerCase());
  const title = str(o.titleContains) ?? str(o.title);
  if (title) tests.push((i) => has(i.title, title));
  if (str(o.descContains)) tests.push((i) => has(i.description, o.descContains));
  if (str(o.notesContains)) tests.push((i) => has(i.notes, o.notesContains));
  const min = priorityArg(o.priorityMin, 'priority-min');
  const max = priorityArg(o.priorityMax, 'priority-max');
  if (min !== undefined) tests.push((i) => i.priority >= min);
  if (max !== undefined) tests.push((i) => i.priority <= max);
  // commander turns --no-assignee / --no-labels into assignee: false / labels: false.
  if (o.assignee === false) tests.push((i) => !i.assignee);
  if (o.labels === false) tests.push((i) => i.labels.length === 0);
  if (o.emptyDescription) tests.push((i) => !i.description?.trim());
  for (const [flag, key, after] of [
    ['createdAfter', 'created_at', true], ['createdBefore', 'created_at', false], ['updatedAfter', 'updated_at', true],
    ['updatedBefore', 'updated_at', false], ['closedAfter', 'closed_at', true], ['closedBefore', 'closed_at', false],
  ] as const) {
    const v = str(o[flag]);
    if (!v) continue;
    const t = Date.parse(dateArg(v, `--${flag.replace(/[A-Z]/g, (x) => '-' + x.toLowerCase())}`));
    tests.push((i) => {
      const at = i[key] ? Date.parse(i[key]!) : NaN;
      return Number.isFinite(at) && (after ? at > t : at < t);
    });
  }
  return (i) => tests.every((t) => t(i));
}

const SORTS = ['priority', 'created', 'updated', 'closed', 'status', 'id', 'title', 'type', 'assignee'];
/** Beads' --sort: times newest first, the rest ascending; --reverse flips. */
function sortIssues(issues: Issue[], by: string | undefined, reverse: boolean): Issue[] {
  if (!by) return reverse ? issues.reverse() : issues;
  if (!SORTS.includes(by)) throw new UserError(`invalid sort "${by}"`, `sort by ${SORTS.join(', ')}`);
  const time = (v: string | undefined) => (v ? Date.parse(v) : -Infinity);
  const cmp = (a: Issue, b: Issue): number => {
    switch (by) {
      case 'priority': return a.priority - b.priority;
      case 'created': return time(b.created_at) - time(a.created_at);
      case 'updated': return time(b.updated_at) - time(a.updated_at);
      case 'closed': return time(b.closed_at) - time(a.closed_at);
      case 'status': return a.status.localeCompare(b.status);
      case 'title': return a.title.toLowerCase().localeCompare(b.title.toLowerCase());
      case 'type': return a.issue_type.localeCompare(b.issue_type);
      case 'assignee': return (a.assignee ?? '').localeCompare(b.assignee ?? '');
      default: return a.id.localeCompare(b.id, undefined, { numeric: true });
    }
  };
  return issues.sort((a, b) => (reverse ? -cmp(a, b) : cmp(a, b)));
}

/** Children under their parents, for the text listing (Beads' default --tree). */
function treeLines(issues: Issue[], ix: EdgeIndex): string {
  const shown = new Set(issues.map((i) => i.id));
  const byParent = new Map<string, Issue[]>();
  const roots: Issue[] = [];
  for (const i of issues) {
    const p = ix.parent.get(i.id);
    if (p && shown.has(p) && p !== i.id) (byParent.get(p) ?? byParent.set(p, []).get(p)!).push(i);
    else roots.push(i);
  }
  const lines: string[] = [];
  const seen = new Set<string>();
  const walk = (i: Issue, depth: number) => {
    if (seen.has(i.id)) return;
    seen.add(i.id);
    lines.push(`${'  '.repeat(depth)}${depth ? '└─ ' : ''}${formatIssueLine(i)}`);
    for (const k of byParent.get(i.id) ?? []) walk(k, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  for (const i of issues) walk(i, 0); // a parent cycle leaves no root: list it anyway
  return lines.join('\n');
}

/**
 * The first `limit` issues `read` gives that pass `keep` (every one for limit 0), and whether there
 * were more. In the store's own order (no `order`) a page of twice the limit and some is read
 * first: reading and hydrating every match cost most of `bd ready`/`bd list` on a large store.
 * Only when `keep` leaves that page short, and the store had more, is everything read; the result
 * is the same either way.
 */
async function firstMatches(read: (limit?: number) => Promise<Issue[]>, keep: (i: Issue) => boolean, limit: number, order?: (all: Issue[]) => Issue[]): Promise<{ items: Issue[]; truncated: boolean }> {
  if (limit > 0 && !order) {
    const want = limit * 2 + 20;
    const page = await read(want);
    const kept = page.filter(keep);
    if (kept.length > limit || page.length < want) return { items: kept.slice(0, limit), truncated: kept.length > limit };
  }
  let all = (await read()).filter(keep);
  if (order) all = order(all);
  return limit > 0 ? { items: all.slice(0, limit), truncated: all.length > limit } : { items: all, truncated: false };
}

async function listed(c: Ctx, o: Opts, defaults: { limit: number }): Promise<void> {
  const limit = wholeArg(o.limit, 'limit') ?? defaults.limit;
  const keep = memoryFilter(o);
  const { items, ix, truncated } = await withStore(local(c), async (s) => {
    const filter = storeFilter(o);
    const sort = str(o.sort);
    const order = sort || o.reverse ? (all: Issue[]) => sortIssues(all, sort, !!o.reverse) : undefined;
    const { items, truncated } = await firstMatches((n) => s.list({ ...filter, limit: n }), keep, limit, order);
    return { items, ix: await edgeIndex(s, items), truncated };
  });
  if (truncated) truncationHint(c, items.length, limit);
  const flat = o.flat || o.tree === false;
  output(g(c).json, items.map((i) => withCounts(i, ix)), () =>
    (items.length ? (flat ? items.map(formatIssueLine).join('\n') : treeLines(items, ix)) : 'No issues.'));
}

export async function list(c: Ctx): Promise<void> {
  await listed(c, c.opts, { limit: 50 });
}

/** `bd children <id>`: every child of an issue, closed ones too. */
export async function children(c: Ctx): Promise<void> {
  await listed(c, { ...c.opts, parent: c.args[0], status: ['all'], all: true }, { limit: 0 });
}

export async function show(c: Ctx): Promise<void> {
  const ids = c.args[0] as string[];
  const out: { issue: Issue; json: Json }[] = [];
  for (const id of ids) {
    out.push(await withStore(forId(c, id), async (s) => {
      const i = await s.mustGet(id);
      if (i.status === 'tombstone') throw new UserError(`${i.id} was deleted${i.fields.delete_reason ? ` (${i.fields.delete_reason})` : ''}`);
      return { issue: i, json: await issueDetails(s, i) };
    }));
  }
  output(g(c).json, out.map((x) => x.json), () => out.map((x) => formatIssueFull(x.issue) + dependentsText(x.json)).join('\n\n'));
}

function dependentsText(d: Json): string {
  const deps = d.dependents as Json[];
  if (!deps.length) return '';
  return '\n\nDependents:\n' + deps.map((x) => `  ${x.id} (${x.dependency_type}) ${x.status}: ${x.title}`).join('\n');
}

const deferredNow = (i: Issue) => typeof i.fields.defer_until === 'string' && Date.parse(i.fields.defer_until) > Date.now();

export async function ready(c: Ctx): Promise<void> {
  const o = c.opts;
  if (o.explain !== undefined || o.claim) {
    const { ready: classic } = await import('./actions.js');
    return classic({ ...c, opts: { ...o, limit: undefined } });
  }
  const limit = wholeArg(o.limit, 'limit') ?? 100;
  const filter: ListFilter = {
    assignee: str(o.assignee), label: o.label as string[] | undefined, type: o.type as string[] | undefined,
    priority: priorityArg(o.priority), parent: str(o.parent), includeEphemeral: !!o.includeEphemeral,
  };
  const keep = (i: Issue) => (o.includeDeferred || !deferredNow(i)) && (!o.unassigned || !i.assignee);
  const { items, ix } = await withStore(local(c), async (s) => {
    const oldest = o.sort === 'oldest' ? (all: Issue[]) => all.sort((x, y) => x.created_at.localeCompare(y.created_at)) : undefined;
    const { items } = await firstMatches((n) => s.ready({ ...filter, limit: n }), keep, limit, oldest);
    return { items, ix: await edgeIndex(s, items) };
  });
  output(g(c).json, items.map((i) => withCounts(i, ix)), () => (items.length ? `Ready work (${items.length}):\n` + items.map(formatIssueLine).join('\n') : 'No ready work.'));
}

export async function blocked(c: Ctx): Promise<void> {
  const parent = str(c.opts.parent);
  const { rows, ix } = await withStore(local(c), async (s) => {
    let rows = await s.blocked();
    const ix = await edgeIndex(s);
    if (parent) {
      const root = (await s.mustGet(parent)).id;
      const under = (id: string): boolean => { for (let p = ix.parent.get(id), n = 0; p && n < 100; p = ix.parent.get(p), n++) if (p === root) return true; return false; };
      rows = rows.filter((r) => under(r.issue.id));
    }
    return { rows, ix };
  });
  output(g(c).json, rows.map((r) => ({ ...withCounts(r.issue, ix), blocked_by_count: r.blockers.length, blocked_by: r.blockers })), () =>
    rows.length ? rows.map((r) => `${formatIssueLine(r.issue)}\n    blocked by: ${r.blockers.join(', ') || '(status)'}`).join('\n') : 'Nothing is blocked.');
}

export async function stats(c: Ctx): Promise<void> {
  const st = await withStore(local(c), (s) => statsJson(s));
  const sum = st.summary as Record<string, number>;
  output(g(c).json, st, () => Object.entries(sum).map(([k, v]) => `${k.padEnd(28)} ${v}`).join('\n'));
}

const GROUPS = { byStatus: 'status', byPriority: 'priority', byType: 'issue_type', byAssignee: 'assignee', byLabel: 'label' } as const;

export async function countCmd(c: Ctx): Promise<void> {
  const o = c.opts;
  const keep = memoryFilter(o);
  const issues = await withStore(local(c), async (s) => (await s.list(storeFilter(o))).filter(keep));
  const by = (Object.keys(GROUPS) as (keyof typeof GROUPS)[]).filter((k) => o[k]);
  if (by.length > 1) throw new UserError('give one --by-* flag', 'e.g. bd count --by-status');
  if (!by.length) return output(g(c).json, { count: issues.length }, (d) => String(d.count));
  const key = GROUPS[by[0]!];
  const counts = new Map<string, number>();
  const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const i of issues) {
    if (key === 'label') (i.labels.length ? i.labels : ['(no labels)']).forEach(bump);
    else if (key === 'priority') bump(`P${i.priority}`);
    else bump(String(i[key] ?? '(unassigned)'));
  }
  const groups = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([group, count]) => ({ group, count }));
  output(g(c).json, { total: issues.length, groups }, (d) => [`Total: ${d.total}`, ...d.groups.map((x) => `  ${x.group}: ${x.count}`)].join('\n'));
}

export async function stale(c: Ctx): Promise<void> {
  const o = c.opts;
  const days = wholeArg(o.days, 'days') ?? 30;
  const limit = wholeArg(o.limit, 'limit') ?? 50;
  const st = statusesArg(o.status);
  const cutoff = Date.now() - days * 86400e3;
  const issues = await withStore(local(c), async (s) => (await s.list({
    includeClosed: false, excludeType: [...NON_WORK_TYPES], ...(st && st !== 'all' ? { status: st } : {}),
  })).filter((i) => Date.parse(i.updated_at) < cutoff).sort((a, b) => a.updated_at.localeCompare(b.updated_at)));
  const shown = limit > 0 ? issues.slice(0, limit) : issues;
  output(g(c).json, shown.map(issueToRecord), () => (shown.length
    ? `Stale issues (not updated in ${days} days):\n` + shown.map((i) => `${formatIssueLine(i)}  (updated ${i.updated_at})`).join('\n')
    : `No issues stale for ${days} days.`));
}

export async function epicStatus(c: Ctx): Promise<void> {
  let epics = await withStore(local(c), (s) => epicStatuses(s));
  if (c.opts.eligibleOnly) epics = epics.filter((e) => e.eligible_for_close);
  output(g(c).json, epics, (d) => d.map((e) => {
    const pct = e.total_children ? Math.floor((e.closed_children * 100) / e.total_children) : 0;
    return `${e.epic.id} ${e.epic.title}\n   ${e.closed_children}/${e.total_children} children closed (${pct}%)${e.eligible_for_close ? '\n   Eligible for closure' : ''}`;
  }).join('\n') || 'No open epics.');
}

export async function depList(c: Ctx): Promise<void> {
  const ids = c.args[0] as string[];
  const up = c.opts.direction === 'up';
  if (c.opts.direction !== undefined && !['up', 'down'].includes(String(c.opts.direction))) throw new UserError(`invalid direction "${c.opts.direction}"`, 'use down (dependencies) or up (dependents)');
  const type = str(c.opts.type);
  const out: Json[] = [];
  for (const id of ids) {
    const d = await withStore(forId(c, id), async (s) => issueDetails(s, await s.mustGet(id)));
    out.push(...(d[up ? 'dependents' : 'dependencies'] as Json[]).filter((x) => !type || x.dependency_type === type));
  }
  output(g(c).json, out, (d) => d.map((x) => `  ${x.id} via ${x.dependency_type} [${x.status}] ${x.title}`).join('\n') || (up ? 'No dependents.' : 'No dependencies.'));
}

interface BdTreeNode extends Json { id: string; title: string; status: string; depth: number; parent_id: string; truncated: boolean }

/** What an issue depends on (or, reversed, what depends on it) as Beads' tree nodes, depth first. */
async function treeNodes(s: Tx, rootRef: string, reverse: boolean, maxDepth: number): Promise<BdTreeNode[]> {
  const root = await s.mustGet(rootRef);
  const node = (i: Issue | undefined, id: string, depth: number, parent: string, edge?: string): BdTreeNode => ({
    ...(i ? issueToRecord(i) : { id, title: '(not in this database)', status: 'external' }),
    id, title: i?.title ?? '(not in this database)', status: i?.status ?? 'external',
    depth, parent_id: parent, ...(edge ? { edge_from_parent: edge, type: edge } : {}), truncated: false,
  });
  const out = [node(root, root.id, 0, root.id)];
  const seen = new Set([root.id]);
  const walk = async (issue: Issue, depth: number, at: BdTreeNode) => {
    const next = reverse
      ? (await s.dependents(issue.id)).flatMap((d) => d.dependencies.filter((x) => x.depends_on_id === issue.id).map((x) => ({ issue: d as Issue | undefined, id: d.id, type: x.type })))
      : await Promise.all(issue.dependencies.map(async (d) => ({ issue: await s.getExact(d.depends_on_id), id: d.depends_on_id, type: d.type })));
    if (next.length && depth >= maxDepth) { at.truncated = true; return; }
    for (const n of next) {
      const child = node(n.issue, n.id, depth + 1, issue.id, n.type);
      if (seen.has(n.id)) child.repeat = true;
      out.push(child);
      if (!child.repeat && n.issue) { seen.add(n.id); await walk(n.issue, depth + 1, child); }
    }
  };
  await walk(root, 0, out[0]!);
  return out;
}

function mermaid(nodes: BdTreeNode[]): string {
  const mark: Record<string, string> = { open: '☐', in_progress: '◧', blocked: '⚠', deferred: '❄', closed: '☑' };
  const lines = ['flowchart TD'];
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    const label = `${mark[n.status] ?? '?'} ${n.id}: ${n.title}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    lines.push(`  ${n.id}["${label}"]`);
  }
  lines.push('');
  for (const n of nodes) if (n.parent_id !== n.id) lines.push(`  ${n.parent_id} --> ${n.id}`);
  return lines.join('\n');
}

export async function depTree(c: Ctx): Promise<void> {
  const o = c.opts;
  const id = c.args[0] as string;
  const maxDepth = wholeArg(o.maxDepth ?? o.depth, 'max-depth') ?? 50;
  const dir = str(o.direction);
  if (dir && !['up', 'down'].includes(dir)) throw new UserError(`invalid direction "${dir}"`, 'use down (dependencies) or up (dependents)');
  const reverse = !!o.reverse || dir === 'up';
  let nodes = await withStore(forId(c, id), (s) => treeNodes(s, id, reverse, maxDepth));
  if (o.status) nodes = nodes.filter((n) => n.depth === 0 || n.status === o.status);
  if (o.format === 'mermaid') return void writeOut(mermaid(nodes) + '\n');
  if (o.format !== undefined) throw new UserError(`invalid format "${o.format}"`, 'the one format is mermaid (or use --json)');
  const text = nodes.map((n): TreeNode => ({ id: n.id, title: n.title, status: n.status, depth: n.depth, type: String(n.edge_from_parent ?? ''), repeat: !!n.repeat }));
  output(g(c).json, nodes, () => formatTree(text));
}

export async function labelListAll(c: Ctx): Promise<void> {
  const counts = await withStore(local(c), async (s) => {
    const m = new Map<string, number>();
    for (const i of await s.list({})) for (const l of i.labels) m.set(l, (m.get(l) ?? 0) + 1);
    return [...m].sort(([a], [b]) => a.localeCompare(b)).map(([label, count]) => ({ label, count }));
  });
  output(g(c).json, counts, (d) => d.map((x) => `${x.label} (${x.count})`).join('\n') || 'No labels.');
}

