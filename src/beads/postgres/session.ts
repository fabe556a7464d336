// The tracker's reads and writes on one checked-out PostgreSQL connection, inside a transaction the
// store opened (store.ts). The same rules as the SQLite store: the blocked state is materialized in
// the write transaction (blocked.ts), ids come from the same generator, events are written beside
// every change. Each call on a session handed to the caller of transaction() is its own savepoint,
// so a call that throws undoes only itself, as a nested SQLite write does.
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { ConflictError, InternalError, NotFoundError, UserError } from '../../lib/errors.js';
import { now as nowStamp } from '../../lib/time.js';
import type { BlockedIssue, ChildEdge, ChildInput, CompareAndSetExpect, CreateInput, ImportCounts, ListFilter, Tx, UpdatePatch } from '../api.js';
import { childNumber, idCandidates } from '../ids.js';
import { issueToLine, newStatuses, parseJsonlLines, validateRecords, type JsonlRecord } from '../jsonl.js';
import {
  BLOCKING_DEP_TYPES, CUSTOM_STATUS_KEY, NON_WORK_TYPES, PARENT_CHILD, STATUSES, checkLabel, isStatus, parseCustomStatuses,
  type BeadEvent, type BuiltinStatus, type Comment, type Dependency, type Issue, type Status,
} from '../model.js';
import { findCycles, isOpenBlocker, notReadyReasons, type GraphEdge } from '../ready.js';
import { idProblem, issueProblem, knownStatuses, type Checked } from '../validate.js';
import { blockedFromGraph, recomputeAllBlocked, recomputeBlocked, statusChanged } from './blocked.js';
import { issueCols, nonEmpty, Params, rowToIssue, startsWithPattern, type IssueRow } from './rows.js';
import { LOCK_CLASS } from './schema.js';

const CLOSED = ['closed', 'tombstone'];
const BUILTIN_STATUSES = knownStatuses([]);
const COLS = issueCols();
const I_COLS = issueCols('i');

interface FetchedRow extends IssueRow {
  labels_j: string[];
  deps_j: (Dependency & { created_by: string | null })[];
  comments_j: Comment[];
}
interface Fetched { issue: Issue; row: IssueRow }
interface EventRow { issue_id: string; type: string; actor: string; old?: string; new?: string; comment?: string }

/** What a session needs from its store. */
export interface SessionHost {
  readonly prefix: string;
  readonly schema: string;
  readonly location: string;
}

/** The session whose call is running in this async context (a call made by another call runs inside it). */
const running = new AsyncLocalStorage<PgSession>();
/** The session whose nested transaction's fn is running in this async context. */
const nesting = new AsyncLocalStorage<PgSession>();

/** Runs one caller at a time: a session's calls share one connection and its savepoints. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.tail.then(fn);
    this.tail = r.catch(() => {});
    return r;
  }
  /** Settles when every call queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => {});
  }
}

export class PgSession implements Tx {
  /** The writer lock of the namespace is held (taken at most once per transaction). */
  private locked = false;
  /** Something was written: the store notifies listeners at commit. */
  changed = false;
  private savepoints = 0;
  private readonly calls = new Mutex();
  private readonly nested = new Mutex();
  /**
   * The store's own single call runs bare (its transaction is the unit); calls on a handle given to
   * a transaction's fn are savepoints.
   */
  private bare: boolean;
  /** The transaction ended (committed or rolled back): the connection went back to the pool. */
  private ended = false;

  /** BEGIN waits for the first write (a lone claim that loses reads once and writes nothing). */
  private readonly lazyBegin: boolean;
  /** The lazy BEGIN was sent: the store commits or rolls back. */
  begun = false;

  constructor(private readonly c: pg.ClientBase, private readonly host: SessionHost, opts: { bare: boolean; locked: boolean; lazyBegin?: boolean }) {
    this.bare = opts.bare;
    this.locked = opts.locked;
    this.lazyBegin = opts.lazyBegin ?? false;
  }

  private async ensureBegun(): Promise<void> {
    if (!this.lazyBegin || this.begun) return;
    await this.c.query('BEGIN');
    this.begun = true;
  }

  get prefix(): string {
    return this.host.prefix;
  }

  // ---- plumbing -------------------------------------------------------------------------

  private async q<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.c.query<R>(sql, params)).rows;
  }

  private async one<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R | undefined> {
    return (await this.c.query<R>(sql, params)).rows[0];
  }

  /** Takes the namespace's writer lock: writers that maintain shared state (the blocked flags, counters) run one at a time. */
  async lockWriter(): Promise<void> {
    if (this.locked) return;
    await this.ensureBegun();
    await this.c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS.writer, this.host.schema]);
    this.locked = true;
  }

  /** The store took the writer lock with its BEGIN. */
  lockedAlready(): void {
    this.locked = true;
  }

  private async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp_${++this.savepoints}`;
    await this.c.query(`SAVEPOINT ${name}`);
    try {
      const r = await fn();
      await this.c.query(`RELEASE SAVEPOINT ${name}`);
      return r;
    } catch (e) {
      await this.c.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.c.query(`RELEASE SAVEPOINT ${name}`);
      throw e;
    }
  }

  /** Waits for the calls (and nested transactions) already started on this handle. */
  async idle(): Promise<void> {
    await this.nested.idle();
    await this.calls.idle();
  }

  /** The store ends the transaction: from now on this handle refuses every call. */
  end(): void {
    this.ended = true;
  }

  /** One public call: exclusive on the connection; a write is a savepoint unless it is the store's bare call. */
  private call<T>(kind: 'read' | 'write' | 'cas', fn: () => Promise<T>): Promise<T> {
    if (running.getStore() === this) return fn(); // a call made by another call of this session
    if (this.ended) return Promise.reject(new InternalError('a transaction handle was used after its transaction ended'));
    return this.calls.run(() => running.run(this, async () => {
      if (kind === 'read') return fn();
      if (kind === 'write') await this.lockWriter();
      const bare = this.bare;
      this.bare = false;
      const r = bare ? await fn() : await this.savepoint(fn);
      this.changed = true;
      return r;
    }));
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (running.getStore() === this) return Promise.reject(new InternalError('transaction() called from inside a store call'));
    if (this.ended) return Promise.reject(new InternalError('a transaction handle was used after its transaction ended'));
    const body = async () => {
      const name = await this.calls.run(async () => {
        await this.lockWriter();
        const sp = `sp_${++this.savepoints}`;
        await this.c.query(`SAVEPOINT ${sp}`);
        return sp;
      });
      try {
        const r = await nesting.run(this, () => fn(this));
        await this.calls.run(() => this.c.query(`RELEASE SAVEPOINT ${name}`));
        return r;
      } catch (e) {
        await this.calls.run(async () => {
          await this.c.query(`ROLLBACK TO SAVEPOINT ${name}`);
          await this.c.query(`RELEASE SAVEPOINT ${name}`);
        });
        throw e;
      }
    };
    // Sibling nested transactions take turns; one nested inside another runs at once (its parent waits for it).
    return nesting.getStore() === this ? body() : this.nested.run(body);
  }

  // ---- config ----------------------------------------------------------------------------

  private async meta(key: string): Promise<string | undefined> {
    return (await this.one<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))?.value;
  }

  private async setMeta(key: string, value: string): Promise<void> {
    await this.q('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  config(): Promise<Record<string, string>> {
    return this.call('read', async () => {
      const rows = await this.q<{ key: string; value: string }>(`SELECT key, value FROM meta WHERE key LIKE 'config.%' ORDER BY key`);
      return Object.fromEntries(rows.map((r) => [r.key.slice('config.'.length), r.value]));
    });
  }

  getConfig(key: string): Promise<string | undefined> {
    return this.call('read', () => this.meta(`config.${key}`));
  }

  setConfig(key: string, value: string | undefined): Promise<void> {
    if (!/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/.test(key)) {
      return Promise.reject(new UserError(`invalid config key "${key}"`, 'keys look like sync.branch: lowercase words joined by dots'));
    }
    return this.call('write', async () => {
      if (value === undefined) await this.q('DELETE FROM meta WHERE key = $1', [`config.${key}`]);
      else await this.setMeta(`config.${key}`, value);
    });
  }

  statuses(): Promise<Set<string>> {
    return this.call('read', async () => knownStatuses(parseCustomStatuses(await this.meta(`config.${CUSTOM_STATUS_KEY}`))));
  }

  private async check(i: Checked): Promise<void> {
    // A built-in status needs no read of the configured custom ones.
    const problem = issueProblem(i, isStatus(i.status) ? BUILTIN_STATUSES : await this.statuses());
    if (problem) throw new UserError(problem);
  }

  /** As the SQLite store: a custom status an imported file uses is registered, not refused. */
  private async admitRecords(records: JsonlRecord[], source: string): Promise<void> {
    const known = await this.statuses();
    const added = newStatuses(records, known);
    validateRecords(records, source, new Set([...known, ...added]));
    if (!added.length) return;
    await this.setMeta(`config.${CUSTOM_STATUS_KEY}`, [...known].filter((st) => !STATUSES.includes(st as BuiltinStatus)).concat(added).join(','));
    process.stderr.write(`bd: registered custom status ${added.join(', ')} from ${source} (bd config get ${CUSTOM_STATUS_KEY})\n`);
  }

  // ---- reads ------------------------------------------------------------------------------

  /**
   * Issues with their labels, dependencies and comments in one query (round trips, not rows, are
   * what a remote database costs). `where` and `tail` are SQL over the alias i.
   */
  private async fetch(where: string, params: unknown[], tail = ''): Promise<Fetched[]> {
    const rows = await this.q<FetchedRow>(`SELECT ${I_COLS},
        (SELECT coalesce(json_agg(l.label ORDER BY l.label), '[]') FROM labels l WHERE l.issue_id = i.id) AS labels_j,
        (SELECT coalesce(json_agg(json_build_object('issue_id', d.issue_id, 'depends_on_id', d.depends_on_id, 'type', d.type,
            'created_at', d.created_at, 'created_by', d.created_by) ORDER BY d.seq), '[]') FROM dependencies d WHERE d.issue_id = i.id) AS deps_j,
        (SELECT coalesce(json_agg(json_build_object('id', c.id, 'issue_id', c.issue_id, 'author', c.author, 'text', c.text,
            'created_at', c.created_at) ORDER BY c.seq), '[]') FROM comments c WHERE c.issue_id = i.id) AS comments_j
      FROM issues i ${where ? `WHERE ${where}` : ''} ${tail}`, params);
    return rows.map((r) => {
      const issue = rowToIssue(r);
      issue.labels = r.labels_j;
      issue.dependencies = r.deps_j.map((d) => {
        const dep: Dependency = { issue_id: d.issue_id, depends_on_id: d.depends_on_id, type: d.type, created_at: d.created_at };
        if (d.created_by !== null) dep.created_by = d.created_by;
        return dep;
      });
      issue.comments = r.comments_j;
      return { issue, row: r };
    });
  }

  private async issuesByIds(ids: string[]): Promise<Issue[]> {
    if (!ids.length) return [];
    return (await this.fetch('i.id = ANY($1::text[])', [ids], 'ORDER BY i.id')).map((f) => f.issue);
  }

  private async byExactId(id: string): Promise<Fetched | undefined> {
    return (await this.fetch('i.id = $1', [id]))[0];
  }

  /** Every exported issue, by id: the whole table read in four queries rather than one per row's relations. */
  private async exportable(): Promise<Issue[]> {
    const issues = (await this.q<IssueRow>(`SELECT ${COLS} FROM issues WHERE NOT wisp ORDER BY id`)).map(rowToIssue);
    const byId = new Map(issues.map((i) => [i.id, i]));
    for (const l of await this.q<{ issue_id: string; label: string }>('SELECT issue_id, label FROM labels ORDER BY issue_id, label')) byId.get(l.issue_id)?.labels.push(l.label);
    for (const d of await this.q<Dependency & { created_by: string | null }>('SELECT issue_id, depends_on_id, type, created_at, created_by FROM dependencies ORDER BY seq')) {
      const dep: Dependency = { issue_id: d.issue_id, depends_on_id: d.depends_on_id, type: d.type, created_at: d.created_at };
      if (d.created_by !== null) dep.created_by = d.created_by;
      byId.get(d.issue_id)?.dependencies.push(dep);
    }
    for (const c of await this.q<Comment>('SELECT id, issue_id, author, text, created_at FROM comments ORDER BY seq')) byId.get(c.issue_id)?.comments.push(c);
    return issues;
  }

  private async exists(id: string): Promise<boolean> {
    return !!(await this.one('SELECT 1 FROM issues WHERE id = $1', [id]));
  }

  resolveId(partial: string): Promise<string> {
    return this.call('read', async () => {
      const p = partial.trim();
      if (!p) throw new UserError('empty issue id');
      if (await this.exists(p)) return p;
      const withPrefix = `${this.prefix}-${p}`;
      if (!p.startsWith(this.prefix + '-') && (await this.exists(withPrefix))) return withPrefix;
      const found = new Set<string>();
      for (const cand of [p, withPrefix]) {
        const rows = await this.q<{ id: string }>(`SELECT id FROM issues WHERE id LIKE $1 AND status <> 'tombstone' LIMIT 6`, [startsWithPattern(cand)]);
        for (const r of rows) found.add(r.id);
      }
      if (found.size === 1) return [...found][0]!;
      if (found.size > 1) {
        const list = [...found].sort().slice(0, 5).join(', ');
        throw new UserError(`ambiguous id "${p}" matches ${list}${found.size > 5 ? ', ...' : ''}`, 'type more characters of the id');
      }
      throw new NotFoundError('issue', p, `'bd list' shows the ids in ${this.host.location}`);
    });
  }

  getExact(id: string): Promise<Issue | undefined> {
    return this.call('read', async () => (await this.byExactId(id))?.issue);
  }

  get(idOrPartial: string): Promise<Issue | undefined> {
    return this.call('read', async () => {
      const exact = await this.byExactId(idOrPartial.trim());
      if (exact) return exact.issue;
      let id: string;
      try {
        id = await this.resolveId(idOrPartial);
      } catch (e) {
        if (e instanceof NotFoundError) return undefined;
        throw e;
      }
      return (await this.byExactId(id))?.issue;
    });
  }

  mustGet(idOrPartial: string): Promise<Issue> {
    return this.call('read', async () => {
      return (await this.mustFetch(idOrPartial)).issue;
    });
  }

  /** The issue a typed id names (exact first: one query in the common case). */
  private async mustFetch(idOrPartial: string): Promise<Fetched> {
    const exact = idOrPartial.trim() ? await this.byExactId(idOrPartial.trim()) : undefined;
    if (exact) return exact;
    const got = await this.byExactId(await this.resolveId(idOrPartial));
    if (!got) throw new NotFoundError('issue', idOrPartial);
    return got;
  }

  private async where(f: ListFilter, ps: Params): Promise<string[]> {
    const w: string[] = [];
    // One value as plain equality: the planner then walks the ready index (status, blocked, priority,
    // created_at) in order, where = ANY(array) would make it scan and sort.
    const inList = (col: string, v: string | string[]) => {
      const arr = Array.isArray(v) ? v : [v];
      w.push(arr.length === 1 ? `${col} = ${ps.p(arr[0])}` : `${col} = ANY(${ps.p(arr)}::text[])`);
    };
    if (f.status !== undefined) inList('i.status', f.status);
    else w.push(`i.status <> 'tombstone'`);
    if (f.includeClosed === false) w.push(`i.status <> 'closed'`);
    if (f.type !== undefined) inList('i.issue_type', f.type);
    if (f.excludeType !== undefined) w.push(`NOT (i.issue_type = ANY(${ps.p(f.excludeType)}::text[]))`);
    if (f.assignee !== undefined) w.push(`i.assignee = ${ps.p(f.assignee)}`);
    if (f.priority !== undefined) w.push(`i.priority = ${ps.p(f.priority)}`);
    if (!f.includeEphemeral) w.push('NOT i.ephemeral');
    if (f.ids) inList('i.id', f.ids);
    for (const l of f.label === undefined ? [] : Array.isArray(f.label) ? f.label : [f.label]) {
      w.push(`EXISTS (SELECT 1 FROM labels l WHERE l.issue_id = i.id AND l.label = ${ps.p(l)})`);
    }
    if (f.parent !== undefined) {
      w.push(`EXISTS (SELECT 1 FROM dependencies d WHERE d.issue_id = i.id AND d.type = '${PARENT_CHILD}' AND d.depends_on_id = ${ps.p(await this.resolveId(f.parent))})`);
    }
    // Scalars by containment (the GIN index answers it); objects by equality; null = absent or null.
    const scalars: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f.fields ?? {})) {
      if (v === null || v === undefined) w.push(`coalesce(i.fields_j -> ${ps.p(k)}, 'null'::jsonb) = 'null'::jsonb`);
      else if (typeof v === 'object') w.push(`i.fields_j -> ${ps.p(k)} = ${ps.p(JSON.stringify(v))}::jsonb`);
      else scalars[k] = v;
    }
    if (Object.keys(scalars).length) w.push(`i.fields_j @> ${ps.p(JSON.stringify(scalars))}::jsonb`);
    if (f.text) {
      const t = ps.p(f.text.toLowerCase());
      w.push(`(strpos(lower(i.title), ${t}) > 0 OR strpos(lower(coalesce(i.description, '')), ${t}) > 0 OR strpos(lower(coalesce(i.notes, '')), ${t}) > 0 OR i.id = ${ps.p(f.text)})`);
    }
    return w;
  }

  private limit(f: ListFilter, ps: Params): string {
    return f.limit && f.limit > 0 ? `LIMIT ${ps.p(Math.floor(f.limit))}` : '';
  }

  list(filter: ListFilter = {}): Promise<Issue[]> {
    return this.call('read', async () => {
      const ps = new Params();
      const w = await this.where(filter, ps);
      const tail = `ORDER BY i.id ${this.limit(filter, ps)}`;
      return (await this.fetch(w.join(' AND '), ps.values, tail)).map((f) => f.issue);
    });
  }

  ready(filter: ListFilter = {}): Promise<Issue[]> {
    return this.call('read', async () => {
      const ps = new Params();
      const w = await this.where({ ...filter, status: 'open', includeEphemeral: filter.includeEphemeral ?? false }, ps);
      w.push('NOT i.blocked', `NOT (i.issue_type = ANY(${ps.p(NON_WORK_TYPES)}::text[]))`);
      const tail = `ORDER BY i.priority, i.created_at, i.id ${this.limit(filter, ps)}`;
      return (await this.fetch(w.join(' AND '), ps.values, tail)).map((f) => f.issue);
    });
  }

  /** Open targets of an issue's own blocking dependencies. */
  private async openBlockers(id: string): Promise<string[]> {
    const rows = await this.q<{ id: string }>(`SELECT d.depends_on_id AS id FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
      WHERE d.issue_id = $1 AND d.type = ANY($2::text[]) AND NOT (t.status = ANY($3::text[])) ORDER BY d.seq`, [id, BLOCKING_DEP_TYPES, CLOSED]);
    return rows.map((r) => r.id);
  }

  /** The nearest ancestor whose own blockers make this issue blocked (walks parent-child up). */
  private async blockedAncestor(id: string): Promise<string | undefined> {
    let cur = id;
    for (let depth = 0; depth < 100; depth++) {
      const p = await this.one<{ id: string }>(`SELECT p.id FROM dependencies d JOIN issues p ON p.id = d.depends_on_id
        WHERE d.issue_id = $1 AND d.type = '${PARENT_CHILD}' AND p.blocked AND NOT (p.status = ANY($2::text[])) LIMIT 1`, [cur, CLOSED]);
      if (!p) return depth === 0 ? undefined : cur;
      cur = p.id;
    }
    return cur;
  }

  blocked(): Promise<BlockedIssue[]> {
    return this.call('read', async () => {
      const found = await this.fetch('i.blocked AND NOT (i.status = ANY($1::text[])) AND NOT i.ephemeral', [CLOSED], 'ORDER BY i.priority, i.created_at, i.id');
      const out: BlockedIssue[] = [];
      for (const { issue } of found) {
        const blockers = await this.openBlockers(issue.id);
        const anc = await this.blockedAncestor(issue.id);
        if (anc) blockers.push(anc);
        out.push({ issue, blockers });
      }
      return out;
    });
  }

  explain(id: string): Promise<string[]> {
    return this.call('read', async () => {
      const issue = await this.mustGet(id);
      const blockers = await this.openBlockers(issue.id);
      const gates: Record<string, string> = {};
      if (blockers.length) {
        for (const r of await this.q<{ id: string; title: string }>(`SELECT id, title FROM issues WHERE id = ANY($1::text[]) AND issue_type = 'gate'`, [blockers])) gates[r.id] = r.title;
      }
      return notReadyReasons({
        status: issue.status, issue_type: issue.issue_type, ephemeral: issue.ephemeral,
        blockers, blockedAncestor: await this.blockedAncestor(issue.id), gates,
      });
    });
  }

  dependents(id: string, type?: string): Promise<Issue[]> {
    return this.call('read', async () => {
      const full = await this.resolveIdOrForeign(id);
      const found = type
        ? await this.fetch('i.id IN (SELECT issue_id FROM dependencies WHERE depends_on_id = $1 AND type = $2)', [full, type], 'ORDER BY i.id')
        : await this.fetch('i.id IN (SELECT issue_id FROM dependencies WHERE depends_on_id = $1)', [full], 'ORDER BY i.id');
      return found.map((f) => f.issue);
    });
  }

  allEdges(touching?: string[]): Promise<Dependency[]> {
    return this.call('read', async () => {
      const cols = 'SELECT issue_id, depends_on_id, type, created_at, created_by FROM dependencies';
      const rows = await (touching
        ? this.q<Dependency & { created_by: string | null }>(`${cols} WHERE issue_id = ANY($1) OR depends_on_id = ANY($1) ORDER BY seq`, [touching])
        : this.q<Dependency & { created_by: string | null }>(`${cols} ORDER BY seq`));
      return rows.map((d) => (d.created_by === null ? { issue_id: d.issue_id, depends_on_id: d.depends_on_id, type: d.type, created_at: d.created_at } : d) as Dependency);
    });
  }

  events(id: string): Promise<BeadEvent[]> {
    return this.call('read', async () => {
      const full = await this.resolveId(id);
      const rows = await this.q<Record<string, unknown>>('SELECT * FROM events WHERE issue_id = $1 ORDER BY id', [full]);
      return rows.map((r) => {
        const e: BeadEvent = { id: Number(r.id), issue_id: r.issue_id as string, event_type: r.event_type as string, actor: r.actor as string, created_at: r.created_at as string };
        if (r.old_value !== null) e.old_value = r.old_value as string;
        if (r.new_value !== null) e.new_value = r.new_value as string;
        if (r.comment !== null) e.comment = r.comment as string;
        return e;
      });
    });
  }

  stats(): Promise<Record<string, number>> {
    return this.call('read', async () => {
      const out: Record<string, number> = {};
      for (const r of await this.q<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM issues WHERE NOT ephemeral GROUP BY status')) out[r.status] = r.n;
      out.total = Object.entries(out).filter(([k]) => k !== 'tombstone').reduce((a, [, n]) => a + n, 0);
      const r = (await this.one<{ ready: number; blocked_open: number; ephemeral: number }>(`SELECT
          count(*) FILTER (WHERE status = 'open' AND NOT blocked AND NOT ephemeral AND NOT (issue_type = ANY($1::text[])))::int AS ready,
          count(*) FILTER (WHERE blocked AND NOT (status = ANY($2::text[])) AND NOT ephemeral)::int AS blocked_open,
          count(*) FILTER (WHERE ephemeral)::int AS ephemeral
        FROM issues`, [NON_WORK_TYPES, CLOSED]))!;
      out.ready = r.ready;
      out.blocked_open = r.blocked_open;
      out.ephemeral = r.ephemeral;
      return out;
    });
  }

  cycles(): Promise<string[][]> {
    return this.call('read', async () => findCycles(await this.q<GraphEdge>('SELECT issue_id, depends_on_id, type FROM dependencies')));
  }

  exportText(): Promise<string> {
    return this.call('read', async () => {
      let text = '';
      for (const issue of await this.exportable()) text += issueToLine(issue) + '\n';
      return text;
    });
  }

  doctor(): Promise<{ ok: boolean; problems: string[] }> {
    return this.call('read', async () => {
      const problems: string[] = [];
      const want = await blockedFromGraph(this.c);
      const have = new Set((await this.q<{ id: string }>('SELECT id FROM issues WHERE blocked')).map((r) => r.id));
      const wrong = [...have].filter((id) => !want.has(id)).concat([...want].filter((id) => !have.has(id)));
      if (wrong.length) problems.push(`materialized blocked state is stale for ${wrong.length} issue(s): ${wrong.slice(0, 5).join(', ')}`);
      const cyc = await this.cycles();
      if (cyc.length) problems.push(`${cyc.length} dependency cycle(s), e.g. ${cyc[0]!.join(' -> ')}`);
      return { ok: problems.length === 0, problems };
    });
  }

  // ---- writes ------------------------------------------------------------------------------

  /** Several events in one INSERT, in order. */
  private async events_(list: EventRow[]): Promise<void> {
    if (!list.length) return;
    if (list.length === 1) {
      const e = list[0]!;
      return this.event(e.issue_id, e.type, e.actor, e.old, e.new, e.comment);
    }
    const col = <K extends keyof EventRow>(k: K) => list.map((e) => e[k] ?? null);
    await this.q(`INSERT INTO events (issue_id, event_type, actor, old_value, new_value, comment, created_at)
      SELECT t.i, t.ty, t.a, t.o, t.n, t.c, $7 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(i, ty, a, o, n, c, k) ORDER BY t.k`,
    [col('issue_id'), col('type'), col('actor'), col('old'), col('new'), col('comment'), nowStamp()]);
  }

  private async event(issueId: string, type: string, actor: string, oldValue?: string, newValue?: string, comment?: string): Promise<void> {
    await this.q('INSERT INTO events (issue_id, event_type, actor, old_value, new_value, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [issueId, type, actor, oldValue ?? null, newValue ?? null, comment ?? null, nowStamp()]);
  }

  private async touch(id: string, now = nowStamp()): Promise<void> {
    await this.q('UPDATE issues SET updated_at = $1, rev = rev + 1 WHERE id = $2', [now, id]);
  }

  /** A dependency target: an exact id, else a foreign-prefix id kept verbatim, else a partial id of this store. */
  private async resolveIdOrForeign(id: string): Promise<string> {
    const t = id.trim();
    if (await this.exists(t)) return t;
    if (/^[A-Za-z][\w]*-/.test(t) && !t.startsWith(this.prefix + '-')) return t;
    return this.resolveId(t);
  }

  create(input: CreateInput, actor: string): Promise<Issue> {
    return this.call('write', async () => {
      const title = input.title?.trim();
      if (!title) throw new UserError('a title is required', 'bd create "what needs doing"');
      const priority = input.priority ?? 2;
      const status = input.status ?? 'open';
      const type = input.issue_type?.trim() || 'task';
      const parent = input.parent !== undefined ? await this.resolveId(input.parent) : undefined;
      let id: string;
      if (input.id) {
        id = input.id.trim();
        const bad = idProblem(id);
        if (bad) throw new UserError(bad);
        if (await this.exists(id)) throw new ConflictError(`issue ${id} already exists`);
      } else if (parent) {
        id = await this.nextChildId(parent);
      } else {
        id = await this.freshId(`${title}\0${actor}\0${process.pid}\0${Date.now()}\0${Math.random()}`);
      }
      await this.check({ id, title, status, priority, issue_type: type, description: input.description, design: input.design,
        acceptance_criteria: input.acceptance_criteria, notes: input.notes, assignee: input.assignee, owner: input.owner,
        external_ref: input.external_ref });
      const now = nowStamp();
      const fields = input.fields && Object.keys(input.fields).length ? JSON.stringify(input.fields) : null;
      await this.q(`INSERT INTO issues (id, title, description, design, acceptance_criteria, notes, status, priority, issue_type,
          assignee, owner, created_at, created_by, updated_at, closed_at, external_ref, ephemeral, wisp, fields)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18)`, [
        id, title, nonEmpty(input.description), nonEmpty(input.design), nonEmpty(input.acceptance_criteria), nonEmpty(input.notes),
        status, priority, type, nonEmpty(input.assignee), nonEmpty(input.owner), now, actor, now, status === 'closed' ? now : null,
        nonEmpty(input.external_ref), !!input.ephemeral, fields]);
      await this.event(id, 'created', actor, undefined, title);
      const labels = (input.labels ?? []).map(checkLabel);
      if (labels.length) await this.q('INSERT INTO labels (issue_id, label) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [id, labels]);
      if (parent) await this.insertDep(id, parent, PARENT_CHILD, actor, now);
      for (const d of input.deps ?? []) await this.addDependency(id, d.id, d.type, actor);
      if (parent || input.deps?.length) await recomputeBlocked(this.c, [id]); // with no edges it starts unblocked
      await statusChanged(this.c, id); // issues may already depend on this id (explicit --id, imported edges)
      return (await this.byExactId(id))!.issue;
    });
  }

  /** generateId's choice, with the existence checks of a few candidates in one query. */
  private async freshId(seed: string): Promise<string> {
    const count = (await this.one<{ n: number }>('SELECT count(*)::int AS n FROM issues'))!.n;
    const candidates = idCandidates(this.prefix, seed, count);
    for (;;) {
      const batch = Array.from({ length: 4 }, () => candidates.next().value);
      const taken = new Set((await this.q<{ id: string }>('SELECT id FROM issues WHERE id = ANY($1::text[])', [batch])).map((r) => r.id));
      const free = batch.find((id) => !taken.has(id));
      if (free) return free;
    }
  }

  createChildren(parentRef: string, children: ChildInput[], edges: ChildEdge[], actor: string): Promise<string[]> {
    return this.call('write', async () => {
      const parent = await this.resolveId(parentRef);
      for (const e of edges) {
        if (!children[e.from] || !children[e.to]) throw new InternalError(`createChildren: edge ${e.from} -> ${e.to} is outside 0..${children.length - 1}`);
        if (!/^[a-z][a-z0-9_:-]*$/i.test(e.type)) throw new UserError(`invalid dependency type "${e.type}"`);
      }
      // The new beads only point at each other and the parent, so a cycle can only be among them.
      const cycle = findCycles(edges.filter((e) => BLOCKING_DEP_TYPES.includes(e.type))
        .map((e) => ({ issue_id: String(e.from), depends_on_id: String(e.to), type: e.type })))[0];
      if (cycle) throw new UserError(`these children would form a dependency cycle: ${cycle.map((i) => children[Number(i)]!.title).join(' -> ')}`);
      const ids = await this.nextChildIds(parent, children.length);
      const parentRow = (await this.one<{ status: Status; blocked: boolean }>('SELECT status, blocked FROM issues WHERE id = $1', [parent]))!;
      const parentBlocks = parentRow.blocked && isOpenBlocker(parentRow.status);
      // Every child starts open, so any blocking edge among them blocks its source.
      const blocked = children.map(() => parentBlocks);
      for (const e of edges) if (BLOCKING_DEP_TYPES.includes(e.type)) blocked[e.from] = true;
      const now = nowStamp();
      const statuses = await this.statuses();
      const cols = { id: [] as string[], title: [] as string[], description: [] as (string | null)[], ac: [] as (string | null)[], priority: [] as number[],
        type: [] as string[], eph: [] as boolean[], fields: [] as (string | null)[] };
      const labels: { id: string[]; label: string[] } = { id: [], label: [] };
      children.forEach((c, i) => {
        const id = ids[i]!;
        const title = c.title?.trim();
        if (!title) throw new UserError(`child ${i + 1} of ${parent} has no title`);
        const priority = c.priority ?? 2;
        const type = c.issue_type?.trim() || 'task';
        const problem = issueProblem({ id, title, status: 'open', priority, issue_type: type,
          description: c.description, acceptance_criteria: c.acceptance_criteria, labels: c.labels }, statuses);
        if (problem) throw new UserError(problem);
        cols.id.push(id); cols.title.push(title); cols.description.push(nonEmpty(c.description)); cols.ac.push(nonEmpty(c.acceptance_criteria));
        cols.priority.push(priority); cols.type.push(type); cols.eph.push(!!c.ephemeral);
        cols.fields.push(c.fields && Object.keys(c.fields).length ? JSON.stringify(c.fields) : null);
        for (const l of c.labels ?? []) { labels.id.push(id); labels.label.push(checkLabel(l)); }
      });
      await this.q(`INSERT INTO issues (id, title, description, acceptance_criteria, status, priority, issue_type, created_at, created_by,
          updated_at, ephemeral, wisp, fields, blocked)
        SELECT t.id, t.title, t.description, t.ac, 'open', t.priority, t.type, $9, $10, $9, t.eph, t.eph, t.fields, t.blocked
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::boolean[], $8::text[], $11::boolean[])
          AS t(id, title, description, ac, priority, type, eph, fields, blocked)`,
      [cols.id, cols.title, cols.description, cols.ac, cols.priority, cols.type, cols.eph, cols.fields, now, actor, blocked]);
      // One event per child: its dependencies were born with it.
      await this.q(`INSERT INTO events (issue_id, event_type, actor, new_value, created_at)
        SELECT t.id, 'created', $3, t.title, $4 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(id, title, n) ORDER BY t.n`,
      [cols.id, cols.title, actor, now]);
      if (labels.id.length) await this.q('INSERT INTO labels (issue_id, label) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING', [labels.id, labels.label]);
      const dep = { from: [...ids], to: ids.map(() => parent), type: ids.map(() => PARENT_CHILD) };
      for (const e of edges) { dep.from.push(ids[e.from]!); dep.to.push(ids[e.to]!); dep.type.push(e.type); }
      await this.q(`INSERT INTO dependencies (issue_id, depends_on_id, type, created_at, created_by)
        SELECT t.f, t.t, t.ty, $4, $5 FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(f, t, ty, n) ORDER BY t.n
        ON CONFLICT DO NOTHING`, [dep.from, dep.to, dep.type, now, actor]);
      return ids;
    });
  }

  /** The next n child ids of a parent, in order, with its counter moved past them. */
  private async nextChildIds(parent: string, n: number): Promise<string[]> {
    if (!n) return [];
    const first = Number((await this.nextChildId(parent)).slice(parent.length + 1));
    const taken = new Set((await this.q<{ id: string }>('SELECT id FROM issues WHERE id LIKE $1', [startsWithPattern(parent + '.')])).map((r) => r.id));
    const ids = [`${parent}.${first}`];
    let last = first;
    while (ids.length < n) {
      const id = `${parent}.${++last}`;
      if (!taken.has(id)) ids.push(id);
    }
    await this.setChildCounter(parent, last);
    return ids;
  }

  private async setChildCounter(parent: string, last: number): Promise<void> {
    await this.q('INSERT INTO child_counters (parent_id, last) VALUES ($1, $2) ON CONFLICT (parent_id) DO UPDATE SET last = excluded.last', [parent, last]);
  }

  private async nextChildId(parent: string): Promise<string> {
    const row = await this.one<{ last: number }>('SELECT last FROM child_counters WHERE parent_id = $1', [parent]);
    let last = row?.last ?? 0;
    if (!row) {
      // First child made here: continue after any imported children.
      for (const r of await this.q<{ id: string }>('SELECT id FROM issues WHERE id LIKE $1', [startsWithPattern(parent + '.')])) {
        const n = childNumber(parent, r.id);
        if (n !== undefined && n > last) last = n;
      }
    }
    let id: string;
    do id = `${parent}.${++last}`; while (await this.exists(id));
    await this.setChildCounter(parent, last);
    return id;
  }

  update(id: string, patch: UpdatePatch, actor: string): Promise<Issue> {
    return this.call('write', () => this.patchLoop(id, actor, () => ({ patch })));
  }

  /**
   * Reads the issue, lets `decide` check it and choose the patch, and applies it with one UPDATE
   * conditional on the row's revision: if another writer changed the row in between (a claim on
   * another machine), nothing was written and the decision is made again on the new row.
   */
  private async patchLoop(ref: string, actor: string,
    decide: (before: Issue) => { patch: UpdatePatch; also?: EventRow[] } | { done: Issue }): Promise<Issue> {
    for (let attempt = 0; ; attempt++) {
      const { issue: before, row } = await this.mustFetch(ref);
      const d = decide(before);
      if ('done' in d) return d.done;
      const result = await this.applyPatch(before, row.rev, d.patch, actor, d.also);
      if (result) return result;
      if (attempt > 100) throw new InternalError(`${before.id} kept changing under a compare-and-set`);
    }
  }

  /** Applies a patch to the row as read at `rev`; undefined when the row moved on since (nothing written). */
  private async applyPatch(before: Issue, rev: number, patch: UpdatePatch, actor: string, also: EventRow[] = []): Promise<Issue | undefined> {
    const id = before.id;
    const ps = new Params();
    const sets: string[] = [];
    const changed: Record<string, unknown> = {};
    const now = nowStamp();
    for (const k of ['title', 'description', 'design', 'acceptance_criteria', 'notes'] as const) {
      const v = patch[k];
      if (v === undefined) continue;
      if (k === 'title' && !v.trim()) throw new UserError('title cannot be empty');
      if ((before[k] ?? '') === v) continue;
      sets.push(`${k} = ${ps.p(nonEmpty(v))}`); changed[k] = v;
    }
    if (patch.priority !== undefined && patch.priority !== before.priority) {
      sets.push(`priority = ${ps.p(patch.priority)}`); changed.priority = patch.priority;
    }
    if (patch.issue_type !== undefined && patch.issue_type !== before.issue_type) {
      if (!patch.issue_type.trim()) throw new UserError('type cannot be empty');
      sets.push(`issue_type = ${ps.p(patch.issue_type.trim())}`); changed.issue_type = patch.issue_type;
    }
    for (const k of ['assignee', 'owner', 'external_ref'] as const) {
      const v = patch[k];
      if (v === undefined || (before[k] ?? null) === nonEmpty(v ?? undefined)) continue;
      sets.push(`${k} = ${ps.p(nonEmpty(v ?? undefined))}`); changed[k] = v;
    }
    if (patch.fields && Object.keys(patch.fields).length) {
      const next: Record<string, unknown> = { ...before.fields };
      for (const [k, v] of Object.entries(patch.fields)) {
        if (v === null || v === undefined) delete next[k];
        else next[k] = v;
      }
      if (JSON.stringify(next) !== JSON.stringify(before.fields)) {
        sets.push(`fields = ${ps.p(Object.keys(next).length ? JSON.stringify(next) : null)}`); changed.fields = patch.fields;
      }
    }
    let statusChangedTo: Status | undefined;
    if (patch.status !== undefined && patch.status !== before.status) {
      sets.push(`status = ${ps.p(patch.status)}`);
      if (patch.status === 'closed') sets.push(`closed_at = ${ps.p(now)}`);
      else if (before.status === 'closed') sets.push('closed_at = NULL', 'close_reason = NULL');
      statusChangedTo = patch.status;
    }
    if (!sets.length) return before;
    const after = { ...before, ...changed, status: patch.status ?? before.status } as Checked;
    for (const k of ['assignee', 'owner', 'external_ref'] as const) if (after[k] === null) delete after[k];
    await this.check(after);
    await this.ensureBegun();
    if (statusChangedTo !== undefined && (CLOSED.includes(statusChangedTo) || CLOSED.includes(before.status))) await this.lockWriter();
    sets.push(`updated_at = ${ps.p(now)}`, 'rev = rev + 1');
    const hit = await this.q<IssueRow>(`UPDATE issues SET ${sets.join(', ')} WHERE id = ${ps.p(id)} AND rev = ${ps.p(rev)} RETURNING ${COLS}`, ps.values);
    if (!hit.length) return undefined;
    const events: EventRow[] = [];
    if (statusChangedTo !== undefined) {
      const type = statusChangedTo === 'closed' ? 'closed' : before.status === 'closed' ? 'reopened' : 'status_changed';
      events.push({ issue_id: id, type, actor, old: before.status, new: statusChangedTo });
    }
    if (Object.keys(changed).length) events.push({ issue_id: id, type: 'updated', actor, new: JSON.stringify(changed) });
    await this.events_([...events, ...also]);
    if (statusChangedTo !== undefined && CLOSED.includes(statusChangedTo) !== CLOSED.includes(before.status)) await statusChanged(this.c, id);
    // The row as updated; its labels, dependencies and comments are as read (a patch does not touch them).
    return { ...rowToIssue(hit[0]!), labels: before.labels, dependencies: before.dependencies, comments: before.comments };
  }

  closeIssues(ids: string[], reason: string | undefined, actor: string): Promise<Issue[]> {
    return this.call('write', async () => {
      const full = await this.resolveIds(ids); // all resolve, or nothing changes
      const rows = await this.q<{ id: string; status: Status }>('SELECT id, status FROM issues WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [full]);
      const status = new Map(rows.map((r) => [r.id, r.status]));
      const closing: string[] = [];
      for (const id of full) {
        const st = status.get(id)!;
        if (st === 'closed' || closing.includes(id)) continue;
        if (st === 'tombstone') throw new UserError(`${id} is deleted`);
        closing.push(id);
      }
      if (closing.length) {
        const now = nowStamp();
        await this.q(`UPDATE issues SET status = 'closed', closed_at = $1, close_reason = $2, updated_at = $1, rev = rev + 1 WHERE id = ANY($3::text[])`,
          [now, nonEmpty(reason), closing]);
        await this.events_(closing.map((id) => ({ issue_id: id, type: 'closed', actor, old: status.get(id), new: 'closed', comment: reason })));
        await statusChanged(this.c, closing);
      }
      const byId = new Map((await this.issuesByIds(full)).map((i) => [i.id, i]));
      return [...new Set(full)].sort().map((id) => byId.get(id)!);
    });
  }

  /** Typed ids to full ids: the exact ones in one query, the rest one by one. */
  private async resolveIds(ids: string[]): Promise<string[]> {
    const trimmed = ids.map((i) => i.trim());
    const exact = new Set((await this.q<{ id: string }>('SELECT id FROM issues WHERE id = ANY($1::text[])', [trimmed])).map((r) => r.id));
    const out: string[] = [];
    for (const id of trimmed) out.push(exact.has(id) ? id : await this.resolveId(id));
    return out;
  }

  reopen(id: string, actor: string): Promise<Issue> {
    return this.call('write', () => this.patchLoop(id, actor, (issue) => {
      if (issue.status === 'open') return { done: issue };
      if (issue.status === 'tombstone') throw new UserError(`${issue.id} is deleted`);
      return { patch: { status: 'open' } };
    }));
  }

  /**
   * One conditional UPDATE decides the race (the row's revision as read): with any number of
   * concurrent claimers on any number of machines exactly one wins, without the writer lock.
   */
  claim(id: string, actor: string): Promise<Issue> {
    return this.call('cas', () => this.patchLoop(id, actor, (issue) => {
      if (issue.assignee && issue.assignee !== actor) {
        throw new ConflictError(`${issue.id} already claimed by ${issue.assignee}`, issue.assignee);
      }
      if (issue.assignee === actor && issue.status === 'in_progress') return { done: issue }; // claiming twice is a no-op
      if (!['open', 'hooked'].includes(issue.status) && !(issue.assignee === actor && issue.status !== 'closed')) {
        throw new ConflictError(`cannot claim ${issue.id}: its status is ${issue.status}`);
      }
      return { patch: { status: 'in_progress', assignee: actor }, also: [{ issue_id: issue.id, type: 'claimed', actor, old: issue.assignee, new: actor }] };
    }));
  }

  compareAndSet(id: string, expect: CompareAndSetExpect, patch: UpdatePatch, actor: string): Promise<Issue> {
    return this.call('cas', () => this.patchLoop(id, actor, (issue) => {
      if (expect.status !== undefined) {
        const ok = Array.isArray(expect.status) ? expect.status : [expect.status];
        if (!ok.includes(issue.status)) throw new ConflictError(`${issue.id} is ${issue.status}, expected ${ok.join(' or ')}`, issue.assignee);
      }
      if (expect.assignee !== undefined && (issue.assignee ?? null) !== expect.assignee) {
        throw new ConflictError(issue.assignee ? `${issue.id} already claimed by ${issue.assignee}` : `${issue.id} is unassigned`, issue.assignee);
      }
      return { patch };
    }));
  }

  private async insertDep(issueId: string, dependsOnId: string, type: string, actor: string, now = nowStamp()): Promise<boolean> {
    const r = await this.c.query(`INSERT INTO dependencies (issue_id, depends_on_id, type, created_at, created_by) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT DO NOTHING`, [issueId, dependsOnId, type, now, actor]);
    if (r.rowCount) {
      await this.event(issueId, 'dependency_added', actor, undefined, `${type}:${dependsOnId}`);
      await this.touch(issueId, now);
    }
    return !!r.rowCount;
  }

  addDependency(issueId: string, dependsOnId: string, type: string, actor: string): Promise<void> {
    return this.call('write', async () => {
      const from = await this.resolveId(issueId);
      const to = await this.resolveIdOrForeign(dependsOnId);
      const t = type.trim();
      if (!/^[a-z][a-z0-9_:-]*$/i.test(t)) throw new UserError(`invalid dependency type "${type}"`, 'e.g. blocks, parent-child, related, discovered-from, tracks');
      if (from === to) throw new UserError(`${from} cannot depend on itself`);
      if (BLOCKING_DEP_TYPES.includes(t) || t === PARENT_CHILD) {
        // Would the new edge close a loop? Walk from the target along blocking/hierarchy edges.
        const loop = await this.one(`WITH RECURSIVE reach(id) AS (SELECT $1::text COLLATE "C" UNION SELECT d.depends_on_id FROM dependencies d JOIN reach r ON d.issue_id = r.id
            WHERE d.type = ANY($3::text[])) SELECT 1 FROM reach WHERE id = $2 LIMIT 1`, [to, from, [...BLOCKING_DEP_TYPES, PARENT_CHILD]]);
        if (loop) throw new UserError(`adding ${from} -> ${to} (${t}) would create a dependency cycle`, `'bd dep tree ${to}' shows the existing path`);
      }
      if (await this.insertDep(from, to, t, actor)) await recomputeBlocked(this.c, [from]);
    });
  }

  removeDependency(issueId: string, dependsOnId: string, type: string | undefined, actor: string): Promise<void> {
    return this.call('write', async () => {
      const from = await this.resolveId(issueId);
      const to = await this.resolveIdOrForeign(dependsOnId);
      const rows = type
        ? await this.q<{ type: string }>('SELECT type FROM dependencies WHERE issue_id = $1 AND depends_on_id = $2 AND type = $3', [from, to, type])
        : await this.q<{ type: string }>('SELECT type FROM dependencies WHERE issue_id = $1 AND depends_on_id = $2 ORDER BY seq', [from, to]);
      if (!rows.length) throw new NotFoundError('dependency', `${from} -> ${to}${type ? ` (${type})` : ''}`);
      for (const r of rows) {
        await this.q('DELETE FROM dependencies WHERE issue_id = $1 AND depends_on_id = $2 AND type = $3', [from, to, r.type]);
        await this.event(from, 'dependency_removed', actor, `${r.type}:${to}`);
      }
      await this.touch(from);
      await recomputeBlocked(this.c, [from]);
    });
  }

  addLabel(id: string, label: string, actor: string): Promise<void> {
    return this.call('write', async () => {
      const full = await this.resolveId(id);
      const l = checkLabel(label);
      const r = await this.c.query('INSERT INTO labels (issue_id, label) VALUES ($1, $2) ON CONFLICT DO NOTHING', [full, l]);
      if (r.rowCount) {
        await this.event(full, 'label_added', actor, undefined, l);
        await this.touch(full);
      }
    });
  }

  removeLabel(id: string, label: string, actor: string): Promise<void> {
    return this.call('write', async () => {
      const full = await this.resolveId(id);
      const r = await this.c.query('DELETE FROM labels WHERE issue_id = $1 AND label = $2', [full, label]);
      if (r.rowCount) {
        await this.event(full, 'label_removed', actor, label);
        await this.touch(full);
      }
    });
  }

  addComment(id: string, text: string, actor: string): Promise<Comment> {
    return this.call('write', async () => {
      const full = await this.resolveId(id);
      if (!text.trim()) throw new UserError('comment text is empty');
      const next = ((await this.one<{ m: number | null }>('SELECT max(id) AS m FROM comments'))!.m ?? 0) + 1;
      const now = nowStamp();
      await this.q('INSERT INTO comments (id, issue_id, author, text, created_at) VALUES ($1, $2, $3, $4, $5)', [next, full, actor, text, now]);
      await this.event(full, 'commented', actor, undefined, undefined, text);
      await this.touch(full, now);
      return { id: next, issue_id: full, author: actor, text, created_at: now };
    });
  }

  importText(text: string, source: string, actor: string): Promise<ImportCounts> {
    return this.call('write', async () => {
      const counts = { created: 0, updated: 0, unchanged: 0 };
      // Parse and validate everything first: a bad line changes nothing.
      const records = parseJsonlLines(text, source);
      await this.admitRecords(records, source);
      const ids = records.map((r) => r.id);
      const existing = new Map((await this.issuesByIds(ids)).map((i) => [i.id, issueToLine(i)]));
      const changed: Issue[] = [];
      const events: EventRow[] = [];
      for (const { issue: r } of records as Required<JsonlRecord>[]) {
        const before = existing.get(r.id);
        if (before !== undefined && before === issueToLine(r)) { counts.unchanged++; continue; }
        changed.push(r);
        events.push({ issue_id: r.id, type: before !== undefined ? 'updated' : 'created', actor, new: 'import' });
        if (before !== undefined) counts.updated++;
        else counts.created++;
      }
      await this.upsertRecords(changed);
      await this.events_(events);
      if (counts.created + counts.updated) await recomputeAllBlocked(this.c);
      return counts;
    });
  }

  private async deleteRows(ids: string[]): Promise<void> {
    await this.q('DELETE FROM issues WHERE id = ANY($1::text[])', [ids]);
    await this.q('DELETE FROM dependencies WHERE issue_id = ANY($1::text[])', [ids]);
    await this.q('DELETE FROM labels WHERE issue_id = ANY($1::text[])', [ids]);
    await this.q('DELETE FROM comments WHERE issue_id = ANY($1::text[])', [ids]);
  }

  /** Replaces issues (rows, labels, dependencies, comments) with records as read from JSONL, a statement per table. */
  private async upsertRecords(rs: Issue[]): Promise<void> {
    if (!rs.length) return;
    await this.deleteRows(rs.map((r) => r.id));
    const col = <T>(f: (r: Issue) => T) => rs.map(f);
    await this.q(`INSERT INTO issues (id, title, description, design, acceptance_criteria, notes, status, priority, issue_type,
        assignee, owner, created_at, created_by, updated_at, closed_at, close_reason, external_ref, ephemeral, fields)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[],
        $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::boolean[], $19::text[])`, [
      col((r) => r.id), col((r) => r.title), col((r) => r.description ?? null), col((r) => r.design ?? null), col((r) => r.acceptance_criteria ?? null),
      col((r) => r.notes ?? null), col((r) => r.status), col((r) => r.priority), col((r) => r.issue_type), col((r) => r.assignee ?? null),
      col((r) => r.owner ?? null), col((r) => r.created_at), col((r) => r.created_by ?? null), col((r) => r.updated_at), col((r) => r.closed_at ?? null),
      col((r) => r.close_reason ?? null), col((r) => r.external_ref ?? null), col((r) => !!r.ephemeral),
      col((r) => (Object.keys(r.fields).length ? JSON.stringify(r.fields) : null))]);
    const deps = rs.flatMap((r) => r.dependencies.map((d) => ({ ...d, issue_id: r.id })));
    if (deps.length) {
      await this.q(`INSERT INTO dependencies (issue_id, depends_on_id, type, created_at, created_by)
        SELECT t.i, t.d, t.ty, t.at, t.by FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(i, d, ty, at, by, n) ORDER BY t.n
        ON CONFLICT DO NOTHING`, [deps.map((d) => d.issue_id), deps.map((d) => d.depends_on_id), deps.map((d) => d.type),
        deps.map((d) => d.created_at), deps.map((d) => d.created_by ?? null)]);
    }
    const labels = rs.flatMap((r) => r.labels.map((label) => ({ id: r.id, label })));
    if (labels.length) {
      await this.q('INSERT INTO labels (issue_id, label) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING',
        [labels.map((l) => l.id), labels.map((l) => l.label)]);
    }
    const comments = rs.flatMap((r) => r.comments.map((c) => ({ ...c, issue_id: r.id })));
    if (comments.length) {
      await this.q(`INSERT INTO comments (id, issue_id, author, text, created_at)
        SELECT t.id, t.i, t.a, t.tx, t.at FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(id, i, a, tx, at, n) ORDER BY t.n`,
      [comments.map((c) => c.id), comments.map((c) => c.issue_id), comments.map((c) => c.author), comments.map((c) => c.text), comments.map((c) => c.created_at)]);
    }
  }

  purgeWisps(ids: string[], actor: string): Promise<void> {
    return this.call('write', async () => {
      const gone = new Set<string>();
      for (const i of ids) gone.add(await this.resolveId(i));
      const wisps = new Set((await this.q<{ id: string }>('SELECT id FROM issues WHERE id = ANY($1::text[]) AND wisp', [[...gone]])).map((r) => r.id));
      for (const id of gone) {
        if (!wisps.has(id)) throw new UserError(`${id} is not a wisp: only wisps can be deleted without a trace`, `close it instead ('bd close ${id}')`);
      }
      // Issues that kept an edge to a purged wisp lose it.
      const survivors = new Set<string>();
      for (const r of await this.q<{ issue_id: string; depends_on_id: string; type: string }>(
        'SELECT issue_id, depends_on_id, type FROM dependencies WHERE depends_on_id = ANY($1::text[]) ORDER BY seq', [[...gone]])) {
        if (gone.has(r.issue_id)) continue;
        survivors.add(r.issue_id);
        await this.event(r.issue_id, 'dependency_removed', actor, `${r.type}:${r.depends_on_id}`);
      }
      const all = [...gone];
      await this.deleteRows(all);
      await this.q('DELETE FROM dependencies WHERE depends_on_id = ANY($1::text[])', [all]);
      await this.q('DELETE FROM events WHERE issue_id = ANY($1::text[])', [all]);
      await this.q('DELETE FROM child_counters WHERE parent_id = ANY($1::text[])', [all]);
      for (const id of survivors) await this.touch(id);
      await recomputeBlocked(this.c, [...survivors]);
    });
  }
}
