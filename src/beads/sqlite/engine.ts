// The tracker's store on SQLite: one IMMEDIATE transaction per write, the blocked state kept
// materialized inside it. The JSONL mirror (mirror.ts) is told which issues each write changed and
// brings `.beads/issues.jsonl` up to date after the commit; this file keeps the SQL.
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConflictError, InternalError, NotFoundError, UserError } from '../../lib/errors.js';
import { now as nowStamp } from '../../lib/time.js';
import { childNumber, generateId, prefixOfJsonl, validPrefix } from '../ids.js';
import { issueToLine, jsonlProblem, newStatuses, parseJsonlLines, validateRecords, type JsonlRecord } from '../jsonl.js';
import {
  BLOCKING_DEP_TYPES, CUSTOM_STATUS_KEY, NON_WORK_TYPES, PARENT_CHILD, checkLabel, parseCustomStatuses,
  STATUSES, type BeadEvent, type BuiltinStatus, type Comment, type Dependency, type Issue, type Status,
} from '../model.js';
import { isOpenBlocker, notReadyReasons, findCycles, type GraphEdge } from '../ready.js';
import { blockedFromGraph, BLOCKING_SQL, CLOSED_SQL, recomputeAllBlocked, recomputeBlocked, statusChanged } from './blocked.js';
import { migrate } from './schema.js';
import { openConnection, type SqlConnection, type SqlStatement } from './driver.js';
import { busyError, busyTimeoutMs, clearHolder, HOLDER_FILE, isBusy, noteHolder, readHolder } from '../write-lock.js';
import { idProblem, issueProblem, knownStatuses, type Checked } from '../validate.js';
import { readIfExists } from '../sync.js';
import { rowToIssue, type IssueColumns } from '../issue-row.js';
import { JsonlMirror, type MirrorHost, type MirrorMark, type OnBadFile } from './mirror.js';

import type { ChildEdge, ChildInput, CreateInput, ListFilter, UpdatePatch } from '../api.js';

/** The engine's synchronous shape, internal to the SQLite backend (callers use api.ts via sqlite/store.ts). */
interface Store {
  readonly beadsDir: string; readonly prefix: string;
  /**
   * One IMMEDIATE write transaction; a nested call is a SAVEPOINT inside it (a throw undoes only
   * the nested part). fn must be synchronous. The JSONL follows at the next flush.
   */
  write<T>(fn: () => T): T;
  /** Writes committed changes to the JSONL now (otherwise done after the current tick, on close and at exit). */
  flush(): void;
  create(input: CreateInput, actor: string): Issue;
  /** Resolves a typed id (a unique partial id works); for ids the user typed. */
  get(idOrPartial: string): Issue | undefined;
  /** The issue with exactly this id (no partial matching): for ids read from records. */
  getExact(id: string): Issue | undefined;
  mustGet(idOrPartial: string): Issue;
  resolveId(partial: string): string;
  /**
   * Creates many children of one parent in a single write (a poured molecule's steps): ids
   * `<parent>.N` in order, a parent-child edge each, the given edges between them (indices into
   * `children`), and their blocked state computed once in memory. Refuses, creating nothing, if
   * the edges form a cycle. Returns the new ids in order.
   */
  createChildren(parent: string, children: ChildInput[], edges: ChildEdge[], actor: string): string[];
  update(id: string, patch: UpdatePatch, actor: string): Issue;
  closeIssues(ids: string[], reason: string | undefined, actor: string): Issue[];
  reopen(id: string, actor: string): Issue;
  claim(id: string, actor: string): Issue;
  compareAndSet(id: string, expect: { status?: Status | Status[]; assignee?: string | null }, patch: UpdatePatch, actor: string): Issue;
  list(filter?: ListFilter): Issue[];
  ready(filter?: ListFilter): Issue[];
  blocked(): { issue: Issue; blockers: string[] }[];
  explain(id: string): string[];
  addDependency(issueId: string, dependsOnId: string, type: string, actor: string): void;
  removeDependency(issueId: string, dependsOnId: string, type: string | undefined, actor: string): void;
  dependents(id: string, type?: string): Issue[];
  addLabel(id: string, label: string, actor: string): void;
  removeLabel(id: string, label: string, actor: string): void;
  addComment(id: string, text: string, actor: string): Comment;
  events(id: string): BeadEvent[];
  /** Upserts records from JSONL text (bd import); returns counts. Other records are kept. */
  importText(text: string, source: string, actor: string): { created: number; updated: number; unchanged: number };
  /**
   * Deletes wisps outright (rows, edges, labels, comments, events): they were never exported, so
   * nothing of them remains. Refuses (changing nothing) if any id is not a wisp.
   */
  purgeWisps(ids: string[], actor: string): void;
  close(): void;
}

/** The full Store, with the extras the CLI uses (import/export, stats, doctor). */
interface BeadStore extends Store {
  readonly dbPath: string; readonly jsonlPath: string;
  /** Rewrites the JSONL in full from the database (now, not at the next flush). */
  exportAll(): { path: string; count: number };
  /** The exported JSONL text (non-wisp issues, sorted by id) without writing it. */
  exportText(): string;
  stats(): Record<string, number>;
  cycles(): string[][];
  /** Every dependency edge of the database (for trees, doctor and tests). */
  allEdges(touching?: string[]): Dependency[];
  doctor(): { ok: boolean; problems: string[] };
  /** Imports the JSONL now if it changed on disk since we last wrote or read it. */
  refresh(): void;
  /** Settings kept in the database (`bd config`): every key, or one. Local, never exported. */
  config(): Record<string, string>;
  getConfig(key: string): string | undefined;
  /** Sets a setting (undefined unsets it). */
  setConfig(key: string, value: string | undefined): void;
  /** The statuses this store accepts: the built-in ones and the configured custom ones (status.custom). */
  statuses(): Set<string>;
}

const JSONL = 'issues.jsonl';
const DB = 'beads.db';
const NON_WORK_SQL = NON_WORK_TYPES.map((t) => `'${t}'`).join(',');

interface IssueRow extends IssueColumns {
  ephemeral: number; wisp: number; blocked: number; line_hash: string | null;
}

/** Opens (or with create, initializes) the store in a `.beads` directory. */
export function openStore(beadsDir: string, opts: EngineOptions = {}): SqliteStore {
  const dbPath = join(beadsDir, DB);
  if (!opts.create && !existsSync(dbPath)) {
    throw new UserError(`no beads database in ${beadsDir}`, "run 'bd init' in the project (or pass --db / set BEADS_DIR)");
  }
  if (opts.prefix !== undefined && !validPrefix(opts.prefix)) {
    throw new UserError(`invalid prefix "${opts.prefix}"`, 'use letters, digits, _ or - (start with a letter, at most 16, no trailing -)');
  }
  if (opts.create) mkdirSync(beadsDir, { recursive: true });
  const timeout = busyTimeoutMs();
  const db = openConnection(dbPath, timeout);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
    return new SqliteStore(db, beadsDir, opts, timeout);
  } catch (e) {
    db.close();
    if (isBusy(e)) throw busyError(readHolder(join(beadsDir, HOLDER_FILE)), dbPath, timeout);
    throw e;
  }
}

export interface EngineOptions {
  create?: boolean; prefix?: string;
  /** 'flusher': the detached JSONL flusher (mirror.ts), which exports and never hands off. */
  mirrorRole?: 'command' | 'flusher';
}

export interface Savepoint { name: string; mirror: MirrorMark }

/** Dynamic statements (list/ready shapes) kept at most; a daemon must not grow without bound. */
const MAX_DYNAMIC_STATEMENTS = 64;

export class SqliteStore implements BeadStore {
  readonly dbPath: string;
  readonly jsonlPath: string;
  readonly prefix: string;
  private depth = 0;
  private stmts = new Map<string, SqlStatement>();
  private dynamic = new Map<string, SqlStatement>();
  private readonly mirror: JsonlMirror;

  private readonly holderPath: string;
  /** Called after each commit that changed data (a write, or a flush that imported the JSONL). */
  onCommit: (() => void) | undefined;

  constructor(private db: SqlConnection, readonly beadsDir: string, opts: EngineOptions, private busyTimeout: number) {
    this.dbPath = join(beadsDir, DB);
    this.holderPath = join(beadsDir, HOLDER_FILE);
    this.jsonlPath = join(beadsDir, JSONL);
    this.mirror = new JsonlMirror(this.mirrorHost(), opts.mirrorRole);
    const stored = this.meta('prefix');
    if (stored) this.prefix = stored;
    else {
      // A fresh clone: the project's issues already name the prefix; otherwise Beads' default, the directory's name.
      this.prefix = opts.prefix ?? prefixOfJsonl(readIfExists(join(beadsDir, JSONL)) ?? '') ?? defaultPrefix(beadsDir);
      this.write(() => this.setMeta('prefix', this.prefix));
    }
    this.mirror.settle(); // a crashed writer's dirty rows, or a JSONL changed under us
  }

  /** The narrow view of this engine the JSONL mirror works through. */
  private mirrorHost(): MirrorHost {
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    return {
      jsonlPath: this.jsonlPath,
      beadsDir: this.beadsDir,
      q: (sql) => this.q(sql),
      meta: (key) => this.meta(key),
      setMeta: (key, value) => this.setMeta(key, value),
      get inTransaction() { return self.depth > 0; },
      get isOpen() { return self.db.open; },
      lockedTransaction: (fn) => this.transaction(fn),
      readSnapshot: (fn) => this.snapshot(fn),
      exportLines: () => this.exportLines(),
      linesOf: (ids) => {
        const issues = new Map(this.hydrate(this.rowsByIds(ids)).map((i) => [i.id, i]));
        return new Map(ids.map((id) => {
          const issue = issues.get(id);
          return [id, issue && !this.isWisp(id) ? issueToLine(issue) : null];
        }));
      },
      isWisp: (id) => this.isWisp(id),
      admitRecords: (records, source) => this.admitRecords(records, source),
      deleteRows: (id) => this.deleteRows(id),
      upsertRecord: (issue, hash) => this.upsertRecord(issue, hash),
      recomputeAllBlocked: () => this.recomputeAllBlocked(),
      imported: () => this.onCommit?.(),
    };
  }

  // ---- plumbing -------------------------------------------------------------------------

  private q = (sql: string): SqlStatement => {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** A statement built from a filter: cached, but only the most recent shapes. */
  private dyn(sql: string): SqlStatement {
    let s = this.dynamic.get(sql);
    if (!s) {
      if (this.dynamic.size >= MAX_DYNAMIC_STATEMENTS) this.dynamic.delete(this.dynamic.keys().next().value!);
      s = this.db.prepare(sql);
      this.dynamic.set(sql, s);
    }
    return s;
  }

  config(): Record<string, string> {
    const rows = this.q(`SELECT key, value FROM meta WHERE key LIKE 'config.%' ORDER BY key`).all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key.slice('config.'.length), r.value]));
  }

  getConfig(key: string): string | undefined {
    return this.meta(`config.${key}`);
  }

  setConfig(key: string, value: string | undefined): void {
    if (!/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/.test(key)) throw new UserError(`invalid config key "${key}"`, 'keys look like sync.branch: lowercase words joined by dots');
    this.write(() => {
      if (value === undefined) this.q('DELETE FROM meta WHERE key = ?').run(`config.${key}`);
      else this.setMeta(`config.${key}`, value);
    });
  }

  /** Create and update refuse what the one validator refuses (import does too, in admitRecords). */
  private check(i: Checked): void {
    const problem = issueProblem(i, this.statuses());
    if (problem) throw new UserError(problem);
  }

  /** The statuses this store accepts: the built-in ones and `status.custom`. */
  statuses(): Set<string> {
    return knownStatuses(parseCustomStatuses(this.getConfig(CUSTOM_STATUS_KEY)));
  }

  /**
   * Validates records about to be imported (inside the write). A custom status Beads uses that is
   * not configured here yet is registered, not refused: refusing would freeze this store on a
   * file another clone wrote, and dropping the issues would lose them.
   */
  private admitRecords(records: JsonlRecord[], source: string): void {
    const known = this.statuses();
    const added = newStatuses(records, known);
    validateRecords(records, source, new Set([...known, ...added]));
    if (!added.length) return;
    this.setMeta(`config.${CUSTOM_STATUS_KEY}`, [...known].filter((st) => !STATUSES.includes(st as BuiltinStatus)).concat(added).join(','));
    process.stderr.write(`bd: registered custom status ${added.join(', ')} from ${source} (bd config get ${CUSTOM_STATUS_KEY})\n`);
  }

  private meta(key: string): string | undefined {
    return (this.q('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  private setMeta(key: string, value: string): void {
    this.q('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(key, value);
  }

  write<T>(fn: () => T): T {
    return this.writeWith('refuse', fn);
  }

  private writeWith<T>(bad: OnBadFile, fn: () => T): T {
    if (this.depth > 0) return this.savepoint(fn);
    this.begin(bad);
    let result: T;
    try {
      result = synchronous(fn());
    } catch (e) {
      this.rollback();
      throw e;
    }
    this.commit();
    return result;
  }

  /** A nested write: its own SAVEPOINT, so when it throws (and the outer write catches) only its changes go. */
  private savepoint<T>(fn: () => T): T {
    const sp = this.beginSavepoint();
    try {
      const r = synchronous(fn());
      this.releaseSavepoint(sp);
      return r;
    } catch (e) {
      this.rollbackSavepoint(sp);
      throw e;
    }
  }

  beginSavepoint(): Savepoint {
    const sp = { name: `nested_${this.depth}`, mirror: this.mirror.mark() };
    this.db.exec(`SAVEPOINT ${sp.name}`);
    this.depth++;
    return sp;
  }

  releaseSavepoint(sp: Savepoint): void {
    this.depth--;
    this.db.exec(`RELEASE ${sp.name}`);
  }

  rollbackSavepoint(sp: Savepoint): void {
    this.depth--;
    if (this.db.inTransaction) {
      this.db.exec(`ROLLBACK TO ${sp.name}`);
      this.db.exec(`RELEASE ${sp.name}`);
    }
    this.mirror.restore(sp.mirror);
  }

  /** BEGIN IMMEDIATE (the write lock, so processes serialize), then take in a JSONL changed underneath. */
  begin(bad: OnBadFile = 'refuse'): void {
    this.beginRaw();
    try {
      this.mirror.importIfChanged(bad);
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  private beginRaw(): void {
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      if (isBusy(e)) throw busyError(readHolder(this.holderPath), this.dbPath, this.busyTimeout);
      throw e;
    }
    noteHolder(this.holderPath); // for whoever waits on us: who, since when
    this.depth = 1;
    this.mirror.began();
  }

  /** Records the changed ids with the mirror, COMMITs, and lets the mirror schedule its flush. */
  commit(): void {
    let pending: boolean;
    try {
      pending = this.mirror.beforeCommit();
      clearHolder(this.holderPath);
      this.db.exec('COMMIT');
    } catch (e) {
      this.rollback();
      throw e;
    }
    this.depth = 0;
    this.mirror.ended(pending);
    this.onCommit?.();
  }

  rollback(): void {
    if (this.db.inTransaction) {
      clearHolder(this.holderPath);
      this.db.exec('ROLLBACK');
    }
    this.depth = 0;
    this.mirror.ended(false);
  }

  /** A plain transaction without the JSONL import (the mirror's own). */
  private transaction<T>(fn: () => T): T {
    this.beginRaw();
    try {
      const result = fn();
      clearHolder(this.holderPath);
      this.db.exec('COMMIT');
      return result;
    } catch (e) {
      if (this.db.inTransaction) {
        clearHolder(this.holderPath);
        this.db.exec('ROLLBACK');
      }
      throw e;
    } finally {
      this.depth = 0;
      this.mirror.ended(false);
    }
  }

  /** A read-only snapshot (a deferred transaction that only reads: no write lock). */
  private snapshot<T>(fn: () => T): T {
    this.db.exec('BEGIN');
    try {
      return fn();
    } finally {
      this.db.exec('COMMIT');
    }
  }

  /** Inside an open transaction (so a flush now would be part of it: it waits for the commit). */
  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /** Changes when another connection commits (SQLite's data_version). */
  dataVersion(): number {
    return this.db.pragma('data_version') as number;
  }

  /** The JSONL's signature as last synced, and as it is on disk now. */
  jsonlSignatures(): { synced: string; disk: string } {
    return this.mirror.signatures();
  }

  refresh(): void {
    this.mirror.refresh();
  }

  flush(): void {
    this.mirror.flush();
  }

  /**
   * Never throws for a failed flush: the write it follows has committed, and reporting it as a
   * failure would make a caller retry it (a duplicate). The dirty rows stay for the next flush.
   */
  close(): void {
    if (!this.db.open) return;
    try {
      this.mirror.close();
    } finally {
      this.stmts.clear();
      this.dynamic.clear();
      this.db.close();
    }
  }

  private isWisp(id: string): boolean {
    return (this.q('SELECT wisp FROM issues WHERE id = ?').get(id) as { wisp: number } | undefined)?.wisp === 1;
  }

  exportText(): string {
    let text = '';
    for (const line of this.exportLines().values()) text += line + '\n';
    return text;
  }

  /** Every exported issue's line, in file order (by id). */
  private exportLines(): Map<string, string> {
    const rows = this.q('SELECT * FROM issues WHERE wisp = 0 ORDER BY id').all() as IssueRow[];
    return new Map(this.hydrate(rows, true).map((i) => [i.id, issueToLine(i)]));
  }

  exportAll(): { path: string; count: number } {
    let count = 0;
    this.writeWith('overwrite', () => {
      this.mirror.markRewrite();
      count = (this.q('SELECT count(*) AS n FROM issues WHERE wisp = 0').get() as { n: number }).n;
    });
    this.flush();
    return { path: this.jsonlPath, count };
  }

  importText(text: string, source: string, actor: string): { created: number; updated: number; unchanged: number } {
    const counts = { created: 0, updated: 0, unchanged: 0 };
    this.write(() => {
      // Parse and validate everything first: a bad line changes nothing.
      const records = parseJsonlLines(text, source);
      this.admitRecords(records, source);
      for (const { issue: r } of records as Required<JsonlRecord>[]) {
        const before = this.getExact(r.id);
        if (before && issueToLine(before) === issueToLine(r)) { counts.unchanged++; continue; }
        this.upsertRecord(r);
        this.event(r.id, before ? 'updated' : 'created', actor, undefined, 'import');
        if (before) counts.updated++;
        else counts.created++;
        this.mirror.touched(r.id);
      }
      if (counts.created + counts.updated) this.recomputeAllBlocked();
    });
    return counts;
  }

  purgeWisps(ids: string[], actor: string): void {
    this.write(() => {
      const gone = new Set(ids.map((i) => this.resolveId(i)));
      for (const id of gone) {
        if (!this.isWisp(id)) throw new UserError(`${id} is not a wisp: only wisps can be deleted without a trace`, `close it instead ('bd close ${id}')`);
      }
      // Issues that kept an edge to a purged wisp lose it (their dependencies change, so they export again).
      const survivors = new Set<string>();
      for (const id of gone) {
        for (const r of this.q('SELECT issue_id, type FROM dependencies WHERE depends_on_id = ?').all(id) as { issue_id: string; type: string }[]) {
          if (gone.has(r.issue_id)) continue;
          survivors.add(r.issue_id);
          this.event(r.issue_id, 'dependency_removed', actor, `${r.type}:${id}`);
        }
      }
      for (const id of gone) {
        this.deleteRows(id);
        this.q('DELETE FROM dependencies WHERE depends_on_id = ?').run(id);
        this.q('DELETE FROM events WHERE issue_id = ?').run(id);
        this.q('DELETE FROM child_counters WHERE parent_id = ?').run(id);
      }
      for (const id of survivors) this.touch(id);
      this.recomputeBlocked(survivors);
    });
  }

  private deleteRows(id: string): void {
    this.q('DELETE FROM issues WHERE id = ?').run(id);
    this.q('DELETE FROM dependencies WHERE issue_id = ?').run(id);
    this.q('DELETE FROM labels WHERE issue_id = ?').run(id);
    this.q('DELETE FROM comments WHERE issue_id = ?').run(id);
  }

  /** Replaces one issue (row, labels, dependencies, comments) with a record as read from JSONL. */
  private upsertRecord(r: Issue, hash: string | null = null): void {
    this.deleteRows(r.id);
    const fields = Object.keys(r.fields).length ? JSON.stringify(r.fields) : null;
    this.q(`INSERT INTO issues (id, title, description, design, acceptance_criteria, notes, status, priority, issue_type,
        assignee, owner, created_at, created_by, updated_at, closed_at, close_reason, external_ref, ephemeral, wisp, fields, line_hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`).run(
      r.id, r.title, r.description ?? null, r.design ?? null, r.acceptance_criteria ?? null, r.notes ?? null, r.status, r.priority,
      r.issue_type, r.assignee ?? null, r.owner ?? null, r.created_at, r.created_by ?? null, r.updated_at, r.closed_at ?? null,
      r.close_reason ?? null, r.external_ref ?? null, r.ephemeral ? 1 : 0, fields, hash);
    const dep = this.q('INSERT OR IGNORE INTO dependencies (issue_id, depends_on_id, type, created_at, created_by) VALUES (?, ?, ?, ?, ?)');
    for (const d of r.dependencies) dep.run(r.id, d.depends_on_id, d.type, d.created_at, d.created_by ?? null);
    const lab = this.q('INSERT OR IGNORE INTO labels (issue_id, label) VALUES (?, ?)');
    for (const l of r.labels) lab.run(r.id, l);
    const com = this.q('INSERT INTO comments (id, issue_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)');
    for (const c of r.comments) com.run(c.id, r.id, c.author, c.text, c.created_at);
  }

  // ---- blocked state (blocked.ts) ------------------------------------------------------------

  private blockedFromGraph(): Set<string> {
    return blockedFromGraph(this.q);
  }

  private recomputeAllBlocked(): void {
    recomputeAllBlocked(this.q);
  }

  private recomputeBlocked(seeds: Iterable<string>): void {
    recomputeBlocked(this.q, seeds);
  }

  private statusChanged(id: string): void {
    statusChanged(this.q, id);
  }

  // ---- reads ----------------------------------------------------------------------------------

  private rowsByIds(ids: string[]): IssueRow[] {
    if (!ids.length) return [];
    if (ids.length === 1) return this.q('SELECT * FROM issues WHERE id = ?').all(ids[0]) as IssueRow[];
    return this.q('SELECT * FROM issues WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id').all(JSON.stringify(ids)) as IssueRow[];
  }

  /** Rows -> Issues, loading labels, dependencies and comments in three queries. */
  private hydrate(rows: IssueRow[], all = false): Issue[] {
    if (!rows.length) return [];
    const issues = rows.map(rowToIssue);
    const byId = new Map(issues.map((i) => [i.id, i]));
    const one = rows.length === 1 ? rows[0]!.id : undefined;
    const ids = JSON.stringify(rows.map((r) => r.id));
    const pick = (table: string, cols: string, order: string) =>
      all ? this.q(`SELECT ${cols} FROM ${table} ORDER BY ${order}`).all()
        : one !== undefined ? this.q(`SELECT ${cols} FROM ${table} WHERE issue_id = ? ORDER BY ${order}`).all(one)
          : this.q(`SELECT ${cols} FROM ${table} WHERE issue_id IN (SELECT value FROM json_each(?)) ORDER BY ${order}`).all(ids);
    for (const l of pick('labels', 'issue_id, label', 'issue_id, label') as { issue_id: string; label: string }[]) byId.get(l.issue_id)?.labels.push(l.label);
    for (const d of pick('dependencies', 'issue_id, depends_on_id, type, created_at, created_by', 'seq') as (Dependency & { created_by: string | null })[]) {
      const dep: Dependency = { issue_id: d.issue_id, depends_on_id: d.depends_on_id, type: d.type, created_at: d.created_at };
      if (d.created_by !== null) dep.created_by = d.created_by;
      byId.get(d.issue_id)?.dependencies.push(dep);
    }
    for (const c of pick('comments', 'id, issue_id, author, text, created_at', 'seq') as Comment[]) byId.get(c.issue_id)?.comments.push(c);
    return issues;
  }

  resolveId(partial: string): string {
    const p = partial.trim();
    if (!p) throw new UserError('empty issue id');
    const exact = this.q('SELECT id FROM issues WHERE id = ?');
    if (exact.get(p)) return p;
    const withPrefix = `${this.prefix}-${p}`;
    if (!p.startsWith(this.prefix + '-') && exact.get(withPrefix)) return withPrefix;
    const glob = (s: string) => s.replace(/[*?[\]]/g, (c) => `[${c}]`) + '*';
    const found = new Set<string>();
    for (const cand of [p, withPrefix]) {
      for (const r of this.q('SELECT id FROM issues WHERE id GLOB ? AND status != \'tombstone\' LIMIT 6').all(glob(cand)) as { id: string }[]) found.add(r.id);
    }
    if (found.size === 1) return [...found][0]!;
    if (found.size > 1) {
      const list = [...found].sort().slice(0, 5).join(', ');
      throw new UserError(`ambiguous id "${p}" matches ${list}${found.size > 5 ? ', ...' : ''}`, 'type more characters of the id');
    }
    throw new NotFoundError('issue', p, `'bd list' shows the ids in ${this.beadsDir}`);
  }

  getExact(id: string): Issue | undefined {
    return this.hydrate(this.rowsByIds([id]))[0];
  }

  get(idOrPartial: string): Issue | undefined {
    let id: string;
    try {
      id = this.resolveId(idOrPartial);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
    return this.hydrate(this.rowsByIds([id]))[0];
  }

  mustGet(idOrPartial: string): Issue {
    const id = this.resolveId(idOrPartial);
    const issue = this.hydrate(this.rowsByIds([id]))[0];
    if (!issue) throw new NotFoundError('issue', idOrPartial);
    return issue;
  }

  private where(f: ListFilter, params: unknown[]): string[] {
    const w: string[] = [];
    const inList = (col: string, v: string | string[]) => {
      const arr = Array.isArray(v) ? v : [v];
      if (arr.length === 1) { // one value: an equality the planner can use (bd ready at 50k: 110 ms with IN json_each, 7 ms this way)
        w.push(`${col} = ?`);
        params.push(arr[0]);
        return;
      }
      params.push(JSON.stringify(arr));
      w.push(`${col} IN (SELECT value FROM json_each(?))`);
    };
    if (f.status !== undefined) inList('i.status', f.status);
    else w.push(`i.status != 'tombstone'`);
    if (f.includeClosed === false) w.push(`i.status != 'closed'`);
    if (f.type !== undefined) inList('i.issue_type', f.type);
    if (f.excludeType !== undefined) {
      params.push(JSON.stringify(f.excludeType));
      w.push('i.issue_type NOT IN (SELECT value FROM json_each(?))');
    }
    if (f.assignee !== undefined) { w.push('i.assignee = ?'); params.push(f.assignee); }
    if (f.priority !== undefined) { w.push('i.priority = ?'); params.push(f.priority); }
    if (!f.includeEphemeral) w.push('i.ephemeral = 0');
    if (f.ids) inList('i.id', f.ids);
    for (const l of f.label === undefined ? [] : Array.isArray(f.label) ? f.label : [f.label]) {
      w.push('EXISTS (SELECT 1 FROM labels l WHERE l.issue_id = i.id AND l.label = ?)');
      params.push(l);
    }
    if (f.parent !== undefined) {
      // Driven from the parent's edges (index deps_target): a correlated EXISTS made SQLite walk every
      // issue in id order and probe each (328 ms at 50k records, against 2.6 ms this way).
      w.push(`i.id IN (SELECT d.issue_id FROM dependencies d WHERE d.depends_on_id = ? AND d.type = '${PARENT_CHILD}')`);
      params.push(this.resolveId(f.parent));
    }
    for (const [k, v] of Object.entries(f.fields ?? {})) {
      if (v === null || v === undefined) { w.push(`json_extract(i.fields, ?) IS NULL`); params.push(jsonPath(k)); continue; }
      if (typeof v === 'object') { w.push(`json_extract(i.fields, ?) = json(?)`); params.push(jsonPath(k), JSON.stringify(v)); continue; }
      w.push(`i.id IN (SELECT issue_id FROM issue_fields WHERE key = ? AND value = ?)`); // indexed (schema v4)
      params.push(k, typeof v === 'boolean' ? (v ? 1 : 0) : v);
    }
    if (f.text) {
      w.push(`(instr(lower(i.title), ?) > 0 OR instr(lower(coalesce(i.description, '')), ?) > 0 OR instr(lower(coalesce(i.notes, '')), ?) > 0 OR i.id = ?)`);
      const t = f.text.toLowerCase();
      params.push(t, t, t, f.text);
    }
    return w;
  }

  list(filter: ListFilter = {}): Issue[] {
    this.refresh();
    const params: unknown[] = [];
    const w = this.where(filter, params);
    const rows = this.dyn(`SELECT i.* FROM issues i ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY i.id LIMIT ?`)
      .all(...params, limitOf(filter)) as IssueRow[];
    return this.hydrate(rows);
  }

  ready(filter: ListFilter = {}): Issue[] {
    this.refresh();
    const params: unknown[] = [];
    const w = this.where({ ...filter, status: 'open', includeEphemeral: filter.includeEphemeral ?? false }, params);
    w.push('i.blocked = 0', `i.issue_type NOT IN (${NON_WORK_SQL})`);
    const sql = `SELECT i.* FROM issues i WHERE ${w.join(' AND ')} ORDER BY i.priority, i.created_at, i.id LIMIT ?`;
    return this.hydrate(this.dyn(sql).all(...params, limitOf(filter)) as IssueRow[]);
  }

  /** Open targets of an issue's own blocking dependencies. */
  private openBlockers(id: string): string[] {
    return (this.q(`SELECT d.depends_on_id AS id FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
      WHERE d.issue_id = ? AND d.type IN (${BLOCKING_SQL}) AND t.status NOT IN ${CLOSED_SQL} ORDER BY d.seq`).all(id) as { id: string }[]).map((r) => r.id);
  }

  /** The nearest ancestor whose own blockers make this issue blocked (walks parent-child up). */
  private blockedAncestor(id: string): string | undefined {
    const parent = this.q(`SELECT p.id FROM dependencies d JOIN issues p ON p.id = d.depends_on_id
      WHERE d.issue_id = ? AND d.type = '${PARENT_CHILD}' AND p.blocked = 1 AND p.status NOT IN ${CLOSED_SQL} LIMIT 1`);
    let cur = id;
    for (let depth = 0; depth < 100; depth++) {
      const p = parent.get(cur) as { id: string } | undefined;
      if (!p) return depth === 0 ? undefined : cur;
      cur = p.id;
    }
    return cur;
  }

  blocked(): { issue: Issue; blockers: string[] }[] {
    this.refresh();
    const rows = this.q(`SELECT * FROM issues WHERE blocked = 1 AND status NOT IN ${CLOSED_SQL} AND ephemeral = 0
      ORDER BY priority, created_at, id`).all() as IssueRow[];
    return this.hydrate(rows).map((issue) => {
      const blockers = this.openBlockers(issue.id);
      const anc = this.blockedAncestor(issue.id);
      if (anc) blockers.push(anc);
      return { issue, blockers };
    });
  }

  explain(id: string): string[] {
    const issue = this.mustGet(id);
    const blockers = this.openBlockers(issue.id);
    const gates: Record<string, string> = {};
    for (const r of this.rowsByIds(blockers)) if (r.issue_type === 'gate') gates[r.id] = r.title;
    return notReadyReasons({
      status: issue.status, issue_type: issue.issue_type, ephemeral: issue.ephemeral,
      blockers, blockedAncestor: this.blockedAncestor(issue.id), gates,
    });
  }

  dependents(id: string, type?: string): Issue[] {
    const full = this.resolveIdOrForeign(id);
    const rows = (type
      ? this.q('SELECT i.* FROM dependencies d JOIN issues i ON i.id = d.issue_id WHERE d.depends_on_id = ? AND d.type = ? ORDER BY i.id').all(full, type)
      : this.q('SELECT DISTINCT i.* FROM dependencies d JOIN issues i ON i.id = d.issue_id WHERE d.depends_on_id = ? ORDER BY i.id').all(full)) as IssueRow[];
    return this.hydrate(rows);
  }

  allEdges(touching?: string[]): Dependency[] {
    const cols = 'SELECT issue_id, depends_on_id, type, created_at, created_by FROM dependencies';
    const ids = touching && JSON.stringify(touching);
    return ((ids
      ? this.q(`${cols} WHERE issue_id IN (SELECT value FROM json_each(?)) OR depends_on_id IN (SELECT value FROM json_each(?)) ORDER BY seq`).all(ids, ids)
      : this.q(`${cols} ORDER BY seq`).all()) as (Dependency & { created_by: string | null })[])
      .map((d) => (d.created_by === null ? { issue_id: d.issue_id, depends_on_id: d.depends_on_id, type: d.type, created_at: d.created_at } : d) as Dependency);
  }

  events(id: string): BeadEvent[] {
    const full = this.resolveId(id);
    const rows = this.q('SELECT * FROM events WHERE issue_id = ? ORDER BY id').all(full) as Record<string, unknown>[];
    return rows.map((r) => {
      const e: BeadEvent = { id: r.id as number, issue_id: r.issue_id as string, event_type: r.event_type as string, actor: r.actor as string, created_at: r.created_at as string };
      if (r.old_value !== null) e.old_value = r.old_value as string;
      if (r.new_value !== null) e.new_value = r.new_value as string;
      if (r.comment !== null) e.comment = r.comment as string;
      return e;
    });
  }

  stats(): Record<string, number> {
    this.refresh();
    const out: Record<string, number> = {};
    for (const r of this.q(`SELECT status, count(*) AS n FROM issues WHERE ephemeral = 0 GROUP BY status`).all() as { status: string; n: number }[]) out[r.status] = r.n;
    out.total = Object.entries(out).filter(([k]) => k !== 'tombstone').reduce((a, [, n]) => a + n, 0);
    out.ready = (this.q(`SELECT count(*) AS n FROM issues WHERE status = 'open' AND blocked = 0 AND ephemeral = 0 AND issue_type NOT IN (${NON_WORK_SQL})`).get() as { n: number }).n;
    out.blocked_open = (this.q(`SELECT count(*) AS n FROM issues WHERE blocked = 1 AND status NOT IN ${CLOSED_SQL} AND ephemeral = 0`).get() as { n: number }).n;
    out.ephemeral = (this.q('SELECT count(*) AS n FROM issues WHERE ephemeral = 1').get() as { n: number }).n;
    return out;
  }

  cycles(): string[][] {
    return findCycles(this.q('SELECT issue_id, depends_on_id, type FROM dependencies').all() as GraphEdge[]);
  }

  doctor(): { ok: boolean; problems: string[] } {
    this.flush(); // compare the file as this command leaves it, not mid-way
    const problems: string[] = [];
    const integrity = this.db.pragma('integrity_check');
    if (integrity !== 'ok') problems.push(`sqlite integrity_check: ${integrity}`);
    const onDisk = readIfExists(this.jsonlPath);
    const parseError = onDisk === undefined ? undefined : jsonlProblem(onDisk, this.jsonlPath, this.statuses());
    if (onDisk === undefined) problems.push(`${this.jsonlPath} is missing (run 'bd export')`);
    else if (parseError) problems.push(`${parseError} (resolve the conflict or fix that line: the file may hold changes the database has not taken in)`);
    else {
      const expected = this.exportText();
      if (onDisk !== expected) {
        const a = new Map(onDisk.split('\n').filter(Boolean).map((l) => [l.slice(0, 80).match(/"id":"([^"]+)"/)?.[1] ?? l, l]));
        const b = new Map(expected.split('\n').filter(Boolean).map((l) => [l.match(/"id":"([^"]+)"/)?.[1] ?? l, l]));
        const diff = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
        problems.push(`JSONL differs from the database for ${diff.length} issue(s): ${diff.slice(0, 5).join(', ')}${diff.length > 5 ? ', ...' : ''} (see which side is right first: 'bd import' takes the file's version in, 'bd export' rewrites the file from the database and drops what only the file has)`);
      }
    }
    const want = this.blockedFromGraph();
    const have = new Set((this.q('SELECT id FROM issues WHERE blocked = 1').all() as { id: string }[]).map((r) => r.id));
    const wrong = [...have].filter((id) => !want.has(id)).concat([...want].filter((id) => !have.has(id)));
    if (wrong.length) problems.push(`materialized blocked state is stale for ${wrong.length} issue(s): ${wrong.slice(0, 5).join(', ')}`);
    const cyc = this.cycles();
    if (cyc.length) problems.push(`${cyc.length} dependency cycle(s), e.g. ${cyc[0]!.join(' -> ')}`);
    return { ok: problems.length === 0, problems };
  }

  // ---- writes ------------------------------------------------------------------------------

  private event(issueId: string, type: string, actor: string, oldValue?: string, newValue?: string, comment?: string): void {
    this.q('INSERT INTO events (issue_id, event_type, actor, old_value, new_value, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(issueId, type, actor, oldValue ?? null, newValue ?? null, comment ?? null, nowStamp());
  }

  private touch(id: string, now = nowStamp()): void {
    this.q('UPDATE issues SET updated_at = ? WHERE id = ?').run(now, id);
    this.mirror.touched(id);
  }

  /**
   * A dependency target: an exact id, else a foreign-prefix id kept verbatim (it names an issue in
   * another database, never a prefix of one here), else a partial id of this database.
   */
  private resolveIdOrForeign(id: string): string {
    const t = id.trim();
    if (this.q('SELECT 1 FROM issues WHERE id = ?').get(t)) return t;
    if (/^[A-Za-z][\w]*-/.test(t) && !t.startsWith(this.prefix + '-')) return t;
    return this.resolveId(t);
  }

  create(input: CreateInput, actor: string): Issue {
    return this.write(() => {
      const title = input.title?.trim();
      if (!title) throw new UserError('a title is required', 'bd create "what needs doing"');
      const priority = input.priority ?? 2;
      const status = input.status ?? 'open';
      const type = input.issue_type?.trim() || 'task';
      const parent = input.parent !== undefined ? this.resolveId(input.parent) : undefined;
      const taken = (id: string) => !!this.q('SELECT 1 FROM issues WHERE id = ?').get(id);
      let id: string;
      if (input.id) {
        id = input.id.trim();
        const bad = idProblem(id);
        if (bad) throw new UserError(bad);
        if (taken(id)) throw new ConflictError(`issue ${id} already exists`);
      } else if (parent) {
        id = this.nextChildId(parent);
      } else {
        const count = (this.q('SELECT count(*) AS n FROM issues').get() as { n: number }).n;
        id = generateId(this.prefix, `${title}\0${actor}\0${process.pid}\0${Date.now()}\0${Math.random()}`, count, taken);
      }
      this.check({ id, title, status, priority, issue_type: type, description: input.description, design: input.design,
        acceptance_criteria: input.acceptance_criteria, notes: input.notes, assignee: input.assignee, owner: input.owner,
        external_ref: input.external_ref });
      const now = nowStamp();
      const fields = input.fields && Object.keys(input.fields).length ? JSON.stringify(input.fields) : null;
      this.q(`INSERT INTO issues (id, title, description, design, acceptance_criteria, notes, status, priority, issue_type,
          assignee, owner, created_at, created_by, updated_at, closed_at, external_ref, ephemeral, wisp, fields)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        id, title, nonEmpty(input.description), nonEmpty(input.design), nonEmpty(input.acceptance_criteria), nonEmpty(input.notes),
        status, priority, type, nonEmpty(input.assignee), nonEmpty(input.owner), now, actor, now, status === 'closed' ? now : null,
        nonEmpty(input.external_ref), input.ephemeral ? 1 : 0, input.ephemeral ? 1 : 0, fields);
      this.event(id, 'created', actor, undefined, title);
      this.mirror.touched(id);
      const lab = this.q('INSERT OR IGNORE INTO labels (issue_id, label) VALUES (?, ?)');
      for (const l of input.labels ?? []) lab.run(id, checkLabel(l));
      if (parent) this.insertDep(id, parent, PARENT_CHILD, actor, now);
      for (const d of input.deps ?? []) this.addDependency(id, d.id, d.type, actor);
      this.recomputeBlocked([id]);
      this.statusChanged(id); // issues may already depend on this id (explicit --id, imported edges)
      return this.mustGet(id);
    });
  }

  createChildren(parentRef: string, children: ChildInput[], edges: ChildEdge[], actor: string): string[] {
    return this.write(() => {
      const parent = this.resolveId(parentRef);
      for (const e of edges) {
        if (!children[e.from] || !children[e.to]) throw new InternalError(`createChildren: edge ${e.from} -> ${e.to} is outside 0..${children.length - 1}`);
        if (!/^[a-z][a-z0-9_:-]*$/i.test(e.type)) throw new UserError(`invalid dependency type "${e.type}"`);
      }
      // The new beads only point at each other and the parent, so a cycle can only be among them.
      const cycle = findCycles(edges.filter((e) => BLOCKING_DEP_TYPES.includes(e.type))
        .map((e) => ({ issue_id: String(e.from), depends_on_id: String(e.to), type: e.type })))[0];
      if (cycle) throw new UserError(`these children would form a dependency cycle: ${cycle.map((i) => children[Number(i)]!.title).join(' -> ')}`);
      const ids = this.nextChildIds(parent, children.length);
      const parentRow = this.q('SELECT status, blocked FROM issues WHERE id = ?').get(parent) as { status: Status; blocked: number };
      const parentBlocks = parentRow.blocked === 1 && isOpenBlocker(parentRow.status);
      // Every child starts open, so any blocking edge among them blocks its source.
      const blocked = new Uint8Array(children.length).fill(parentBlocks ? 1 : 0);
      for (const e of edges) if (BLOCKING_DEP_TYPES.includes(e.type)) blocked[e.from] = 1;
      const now = nowStamp();
      const insert = this.q(`INSERT INTO issues (id, title, description, design, acceptance_criteria, notes, status, priority, issue_type,
          assignee, owner, created_at, created_by, updated_at, closed_at, external_ref, ephemeral, wisp, fields, blocked)
        VALUES (?, ?, ?, NULL, ?, NULL, 'open', ?, ?, NULL, NULL, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)`);
      const event = this.q('INSERT INTO events (issue_id, event_type, actor, old_value, new_value, comment, created_at) VALUES (?, ?, ?, NULL, ?, NULL, ?)');
      const dep = this.q('INSERT OR IGNORE INTO dependencies (issue_id, depends_on_id, type, created_at, created_by) VALUES (?, ?, ?, ?, ?)');
      const lab = this.q('INSERT OR IGNORE INTO labels (issue_id, label) VALUES (?, ?)');
      const statuses = this.statuses();
      children.forEach((c, i) => {
        const id = ids[i]!;
        const title = c.title?.trim();
        if (!title) throw new UserError(`child ${i + 1} of ${parent} has no title`);
        const priority = c.priority ?? 2;
        const problem = issueProblem({ id, title, status: 'open', priority, issue_type: c.issue_type?.trim() || 'task',
          description: c.description, acceptance_criteria: c.acceptance_criteria, labels: c.labels }, statuses);
        if (problem) throw new UserError(problem);
        const fields = c.fields && Object.keys(c.fields).length ? JSON.stringify(c.fields) : null;
        const eph = c.ephemeral ? 1 : 0;
        insert.run(id, title, nonEmpty(c.description), nonEmpty(c.acceptance_criteria), priority, c.issue_type?.trim() || 'task', now, actor, now, eph, eph, fields, blocked[i]!);
        // One event per child: its dependencies were born with it (a molecule's steps number in
        // the millions; an event per edge would double the pour).
        event.run(id, 'created', actor, title, now);
        for (const l of c.labels ?? []) lab.run(id, checkLabel(l));
        dep.run(id, parent, PARENT_CHILD, now, actor);
        if (!eph) this.mirror.touched(id);
      });
      for (const e of edges) dep.run(ids[e.from]!, ids[e.to]!, e.type, now, actor);
      return ids;
    });
  }

  /** The next n child ids of a parent, in order, with its counter moved past them (one read, one write). */
  private nextChildIds(parent: string, n: number): string[] {
    if (!n) return [];
    const first = Number(this.nextChildId(parent).slice(parent.length + 1));
    const glob = parent.replace(/[*?[\]]/g, (c) => `[${c}]`) + '.*';
    const taken = new Set((this.q('SELECT id FROM issues WHERE id GLOB ?').all(glob) as { id: string }[]).map((r) => r.id));
    const ids = [`${parent}.${first}`];
    let last = first;
    while (ids.length < n) {
      const id = `${parent}.${++last}`;
      if (!taken.has(id)) ids.push(id);
    }
    this.q('INSERT OR REPLACE INTO child_counters (parent_id, last) VALUES (?, ?)').run(parent, last);
    return ids;
  }

  private nextChildId(parent: string): string {
    const row = this.q('SELECT last FROM child_counters WHERE parent_id = ?').get(parent) as { last: number } | undefined;
    let last = row?.last ?? 0;
    if (!row) {
      // First child made here: continue after any imported children.
      const glob = parent.replace(/[*?[\]]/g, (c) => `[${c}]`) + '.*';
      for (const r of this.q('SELECT id FROM issues WHERE id GLOB ?').all(glob) as { id: string }[]) {
        const n = childNumber(parent, r.id);
        if (n !== undefined && n > last) last = n;
      }
    }
    let id: string;
    do id = `${parent}.${++last}`; while (this.q('SELECT 1 FROM issues WHERE id = ?').get(id));
    this.q('INSERT OR REPLACE INTO child_counters (parent_id, last) VALUES (?, ?)').run(parent, last);
    return id;
  }

  update(id: string, patch: UpdatePatch, actor: string): Issue {
    return this.write(() => this.applyPatch(this.mustGet(id), patch, actor));
  }

  private applyPatch(before: Issue, patch: UpdatePatch, actor: string): Issue {
    const id = before.id;
    const sets: string[] = [];
    const params: unknown[] = [];
    const changed: Record<string, unknown> = {};
    const now = nowStamp();
    for (const k of ['title', 'description', 'design', 'acceptance_criteria', 'notes'] as const) {
      const v = patch[k];
      if (v === undefined) continue;
      if (k === 'title' && !v.trim()) throw new UserError('title cannot be empty');
      if ((before[k] ?? '') === v) continue;
      sets.push(`${k} = ?`); params.push(nonEmpty(v)); changed[k] = v;
    }
    if (patch.priority !== undefined && patch.priority !== before.priority) {
      sets.push('priority = ?'); params.push(patch.priority); changed.priority = patch.priority;
    }
    if (patch.issue_type !== undefined && patch.issue_type !== before.issue_type) {
      if (!patch.issue_type.trim()) throw new UserError('type cannot be empty');
      sets.push('issue_type = ?'); params.push(patch.issue_type.trim()); changed.issue_type = patch.issue_type;
    }
    for (const k of ['assignee', 'owner', 'external_ref'] as const) {
      const v = patch[k];
      if (v === undefined || (before[k] ?? null) === (nonEmpty(v ?? undefined))) continue;
      sets.push(`${k} = ?`); params.push(nonEmpty(v ?? undefined)); changed[k] = v;
    }
    if (patch.fields && Object.keys(patch.fields).length) {
      const next: Record<string, unknown> = { ...before.fields };
      for (const [k, v] of Object.entries(patch.fields)) {
        if (v === null || v === undefined) delete next[k];
        else next[k] = v;
      }
      if (JSON.stringify(next) !== JSON.stringify(before.fields)) {
        sets.push('fields = ?'); params.push(Object.keys(next).length ? JSON.stringify(next) : null); changed.fields = patch.fields;
      }
    }
    let statusChanged = false;
    if (patch.status !== undefined && patch.status !== before.status) {
      sets.push('status = ?'); params.push(patch.status);
      if (patch.status === 'closed') { sets.push('closed_at = ?'); params.push(now); }
      else if (before.status === 'closed') { sets.push('closed_at = NULL', 'close_reason = NULL'); }
      statusChanged = true;
    }
    if (!sets.length) return before;
    const after = { ...before, ...changed, status: patch.status ?? before.status } as Checked;
    for (const k of ['assignee', 'owner', 'external_ref'] as const) if (after[k] === null) delete after[k];
    this.check(after);
    sets.push('updated_at = ?'); params.push(now);
    this.q(`UPDATE issues SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
    this.mirror.touched(id);
    if (statusChanged) {
      const type = patch.status === 'closed' ? 'closed' : before.status === 'closed' ? 'reopened' : 'status_changed';
      this.event(id, type, actor, before.status, patch.status);
      this.statusChanged(id);
    }
    if (Object.keys(changed).length) this.event(id, 'updated', actor, undefined, JSON.stringify(changed));
    return this.mustGet(id);
  }

  closeIssues(ids: string[], reason: string | undefined, actor: string): Issue[] {
    return this.write(() => {
      const full = ids.map((i) => this.resolveId(i)); // all resolve, or nothing changes
      const now = nowStamp();
      const set = this.q(`UPDATE issues SET status = 'closed', closed_at = ?, close_reason = ?, updated_at = ? WHERE id = ?`);
      for (const id of full) {
        const row = this.q('SELECT status FROM issues WHERE id = ?').get(id) as { status: Status };
        if (row.status === 'closed') continue;
        if (row.status === 'tombstone') throw new UserError(`${id} is deleted`);
        set.run(now, nonEmpty(reason), now, id);
        this.event(id, 'closed', actor, row.status, 'closed', reason);
        this.mirror.touched(id);
        this.statusChanged(id);
      }
      return this.hydrate(this.rowsByIds(full));
    });
  }

  reopen(id: string, actor: string): Issue {
    return this.write(() => {
      const issue = this.mustGet(id);
      if (issue.status === 'open') return issue;
      if (issue.status === 'tombstone') throw new UserError(`${issue.id} is deleted`);
      return this.applyPatch(issue, { status: 'open' }, actor);
    });
  }

  claim(id: string, actor: string): Issue {
    return this.write(() => {
      const issue = this.mustGet(id);
      if (issue.assignee && issue.assignee !== actor) {
        throw new ConflictError(`${issue.id} already claimed by ${issue.assignee}`, issue.assignee);
      }
      if (issue.assignee === actor && issue.status === 'in_progress') return issue; // claiming twice is a no-op
      if (!['open', 'hooked'].includes(issue.status) && !(issue.assignee === actor && issue.status !== 'closed')) {
        throw new ConflictError(`cannot claim ${issue.id}: its status is ${issue.status}`);
      }
      const claimed = this.applyPatch(issue, { status: 'in_progress', assignee: actor }, actor);
      this.event(issue.id, 'claimed', actor, issue.assignee, actor);
      return claimed;
    });
  }

  compareAndSet(id: string, expect: { status?: Status | Status[]; assignee?: string | null }, patch: UpdatePatch, actor: string): Issue {
    return this.write(() => {
      const issue = this.mustGet(id);
      if (expect.status !== undefined) {
        const ok = Array.isArray(expect.status) ? expect.status : [expect.status];
        if (!ok.includes(issue.status)) throw new ConflictError(`${issue.id} is ${issue.status}, expected ${ok.join(' or ')}`, issue.assignee);
      }
      if (expect.assignee !== undefined && (issue.assignee ?? null) !== expect.assignee) {
        throw new ConflictError(issue.assignee ? `${issue.id} already claimed by ${issue.assignee}` : `${issue.id} is unassigned`, issue.assignee);
      }
      return this.applyPatch(issue, patch, actor);
    });
  }

  private insertDep(issueId: string, dependsOnId: string, type: string, actor: string, now = nowStamp()): boolean {
    const r = this.q('INSERT OR IGNORE INTO dependencies (issue_id, depends_on_id, type, created_at, created_by) VALUES (?, ?, ?, ?, ?)')
      .run(issueId, dependsOnId, type, now, actor);
    if (r.changes) {
      this.event(issueId, 'dependency_added', actor, undefined, `${type}:${dependsOnId}`);
      this.touch(issueId, now);
    }
    return r.changes > 0;
  }

  addDependency(issueId: string, dependsOnId: string, type: string, actor: string): void {
    this.write(() => {
      const from = this.resolveId(issueId);
      const to = this.resolveIdOrForeign(dependsOnId);
      const t = type.trim();
      if (!/^[a-z][a-z0-9_:-]*$/i.test(t)) throw new UserError(`invalid dependency type "${type}"`, 'e.g. blocks, parent-child, related, discovered-from, tracks');
      if (from === to) throw new UserError(`${from} cannot depend on itself`);
      if (BLOCKING_DEP_TYPES.includes(t) || t === PARENT_CHILD) {
        // Would the new edge close a loop? Walk from the target along blocking/hierarchy edges.
        const loop = this.q(`WITH RECURSIVE reach(id) AS (SELECT ? UNION SELECT d.depends_on_id FROM dependencies d JOIN reach r ON d.issue_id = r.id
            WHERE d.type IN (${BLOCKING_SQL}, '${PARENT_CHILD}')) SELECT 1 FROM reach WHERE id = ? LIMIT 1`).get(to, from);
        if (loop) throw new UserError(`adding ${from} -> ${to} (${t}) would create a dependency cycle`, `'bd dep tree ${to}' shows the existing path`);
      }
      if (this.insertDep(from, to, t, actor)) this.recomputeBlocked([from]);
    });
  }

  removeDependency(issueId: string, dependsOnId: string, type: string | undefined, actor: string): void {
    this.write(() => {
      const from = this.resolveId(issueId);
      const to = this.resolveIdOrForeign(dependsOnId);
      const rows = (type
        ? this.q('SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ? AND type = ?').all(from, to, type)
        : this.q('SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ?').all(from, to)) as { type: string }[];
      if (!rows.length) throw new NotFoundError('dependency', `${from} -> ${to}${type ? ` (${type})` : ''}`);
      for (const r of rows) {
        this.q('DELETE FROM dependencies WHERE issue_id = ? AND depends_on_id = ? AND type = ?').run(from, to, r.type);
        this.event(from, 'dependency_removed', actor, `${r.type}:${to}`);
      }
      this.touch(from);
      this.recomputeBlocked([from]);
    });
  }

  addLabel(id: string, label: string, actor: string): void {
    this.write(() => {
      const full = this.resolveId(id);
      const l = checkLabel(label);
      if (this.q('INSERT OR IGNORE INTO labels (issue_id, label) VALUES (?, ?)').run(full, l).changes) {
        this.event(full, 'label_added', actor, undefined, l);
        this.touch(full);
      }
    });
  }

  removeLabel(id: string, label: string, actor: string): void {
    this.write(() => {
      const full = this.resolveId(id);
      if (this.q('DELETE FROM labels WHERE issue_id = ? AND label = ?').run(full, label).changes) {
        this.event(full, 'label_removed', actor, label);
        this.touch(full);
      }
    });
  }

  addComment(id: string, text: string, actor: string): Comment {
    return this.write(() => {
      const full = this.resolveId(id);
      if (!text.trim()) throw new UserError('comment text is empty');
      const next = ((this.q('SELECT max(id) AS m FROM comments').get() as { m: number | null }).m ?? 0) + 1;
      const now = nowStamp();
      this.q('INSERT INTO comments (id, issue_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)').run(next, full, actor, text, now);
      this.event(full, 'commented', actor, undefined, undefined, text);
      this.touch(full, now);
      return { id: next, issue_id: full, author: actor, text, created_at: now };
    });
  }
}


/** write() runs fn inside one transaction, so fn cannot be async: it would commit before it settled. */
function synchronous<T>(result: T): T {
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    throw new InternalError('store.write() needs a synchronous function (an async one would commit before it finished)');
  }
  return result;
}

/** SQLite's LIMIT: -1 means no limit. */
function limitOf(f: ListFilter): number {
  return f.limit && f.limit > 0 ? Math.floor(f.limit) : -1;
}

function nonEmpty(v: string | undefined): string | null {
  return v === undefined || v === '' ? null : v;
}


function jsonPath(key: string): string {
  return `$."${key.replace(/"/g, '\\"')}"`;
}

/** Beads' default prefix: the project directory's name (the one holding `.beads`). */
function defaultPrefix(beadsDir: string): string {
  const name = basename(dirname(beadsDir)).toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  return name.slice(0, 16) || 'bd';
}
