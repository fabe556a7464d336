// The Store interface on SQLite. better-sqlite3 is synchronous, so every call outside a
// transaction runs to completion at once (its own IMMEDIATE transaction) and nothing can
// interleave with it; a `transaction(fn)` spans awaits, so it holds the store's gate from BEGIN to
// COMMIT and other async flows of this process wait for it. Nested transactions are savepoints.
import { resolve } from 'node:path';
import { InternalError } from '../../lib/errors.js';
import type {
  BlockedIssue, ChildEdge, ChildInput, CompareAndSetExpect, CreateInput, ImportCounts, ListFilter, Store, Tx, UpdatePatch,
} from '../api.js';
import type { BeadEvent, Comment, Dependency, Issue } from '../model.js';
import { openStore as openEngine, type SqliteStore as Engine, type Savepoint } from './engine.js';
import { busyTimeoutMs } from '../write-lock.js';
import { Gate } from './gate.js';

export interface SqliteOpenOptions {
  create?: boolean; prefix?: string;
  /** Its own connection even if this process has the database open (tests playing two processes). */
  separateConnection?: boolean;
}

/**
 * One open database of this process: every handle on it shares the connection and the gate. Two
 * connections of one process would deadlock: a transaction open on one across awaits, a write
 * on the other blocks the whole process in SQLite's busy wait, so the first never commits.
 */
interface Shared { engine: Engine; gate: Gate; handles: Set<SqliteStore> }
const shared = new Map<string, Shared>();

/** Opens (or with create, initializes) the SQLite store in a `.beads` directory. */
export async function openSqliteStore(beadsDir: string, opts: SqliteOpenOptions = {}): Promise<SqliteStore> {
  const key = resolve(beadsDir);
  let db = opts.separateConnection ? undefined : shared.get(key);
  if (!db) {
    const engine = openEngine(key, opts);
    const made: Shared = { engine, gate: new Gate(), handles: new Set() };
    engine.onCommit = () => { for (const h of made.handles) h.changed(); };
    if (!opts.separateConnection) shared.set(key, made);
    db = made;
  }
  const store = new SqliteStore(db, () => {
    db.handles.delete(store);
    if (db.handles.size) return;
    if (shared.get(key) === db) shared.delete(key);
    db.engine.onCommit = undefined;
    db.engine.close();
  });
  db.handles.add(store);
  return store;
}

/** One level of transaction nesting: the store itself, or an open transaction's handle. */
abstract class Level implements Tx {
  constructor(protected readonly engine: Engine, protected readonly gate: Gate, protected readonly waitMs: number) {}

  get prefix(): string {
    return this.engine.prefix;
  }

  /** Throws if this handle may no longer be used (a transaction that ended, a closed store). */
  protected abstract usable(): void;
  /** Opens a nested level (BEGIN or SAVEPOINT); finish/abort end it (COMMIT/RELEASE or ROLLBACK). */
  protected abstract openChild(): TxHandle;
  protected abstract finish(child: TxHandle): void;
  protected abstract abort(child: TxHandle): void;

  /** Runs one synchronous engine call now, or after the transaction holding this level ends. */
  protected run<T>(what: string, op: () => T): Promise<T> {
    if (!this.gate.busy) {
      try {
        this.usable();
        return Promise.resolve(op());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.gate.acquire(this.waitMs, what).then(() => {
      try {
        this.usable();
        return op();
      } finally {
        this.gate.release();
      }
    });
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    this.usable();
    await this.gate.acquire(this.waitMs, 'transaction()');
    try {
      this.usable();
      const child = this.openChild();
      let result: T;
      try {
        result = await fn(child);
        await child.idle(); // a nested transaction fn started but did not await
      } catch (e) {
        child.end();
        this.abort(child);
        throw e;
      }
      child.end();
      this.finish(child);
      return result;
    } finally {
      this.gate.release();
    }
  }

  create(input: CreateInput, actor: string): Promise<Issue> { return this.run('create()', () => this.engine.create(input, actor)); }
  get(idOrPartial: string): Promise<Issue | undefined> { return this.run('get()', () => this.engine.get(idOrPartial)); }
  getExact(id: string): Promise<Issue | undefined> { return this.run('getExact()', () => this.engine.getExact(id)); }
  mustGet(idOrPartial: string): Promise<Issue> { return this.run('mustGet()', () => this.engine.mustGet(idOrPartial)); }
  resolveId(partial: string): Promise<string> { return this.run('resolveId()', () => this.engine.resolveId(partial)); }
  createChildren(parent: string, children: ChildInput[], edges: ChildEdge[], actor: string): Promise<string[]> {
    return this.run('createChildren()', () => this.engine.createChildren(parent, children, edges, actor));
  }
  update(id: string, patch: UpdatePatch, actor: string): Promise<Issue> { return this.run('update()', () => this.engine.update(id, patch, actor)); }
  closeIssues(ids: string[], reason: string | undefined, actor: string): Promise<Issue[]> {
    return this.run('closeIssues()', () => this.engine.closeIssues(ids, reason, actor));
  }
  reopen(id: string, actor: string): Promise<Issue> { return this.run('reopen()', () => this.engine.reopen(id, actor)); }
  claim(id: string, actor: string): Promise<Issue> { return this.run('claim()', () => this.engine.claim(id, actor)); }
  compareAndSet(id: string, expect: CompareAndSetExpect, patch: UpdatePatch, actor: string): Promise<Issue> {
    return this.run('compareAndSet()', () => this.engine.compareAndSet(id, expect, patch, actor));
  }
  list(filter?: ListFilter): Promise<Issue[]> { return this.run('list()', () => this.engine.list(filter)); }
  ready(filter?: ListFilter): Promise<Issue[]> { return this.run('ready()', () => this.engine.ready(filter)); }
  blocked(): Promise<BlockedIssue[]> { return this.run('blocked()', () => this.engine.blocked()); }
  explain(id: string): Promise<string[]> { return this.run('explain()', () => this.engine.explain(id)); }
  addDependency(issueId: string, dependsOnId: string, type: string, actor: string): Promise<void> {
    return this.run('addDependency()', () => this.engine.addDependency(issueId, dependsOnId, type, actor));
  }
  removeDependency(issueId: string, dependsOnId: string, type: string | undefined, actor: string): Promise<void> {
    return this.run('removeDependency()', () => this.engine.removeDependency(issueId, dependsOnId, type, actor));
  }
  dependents(id: string, type?: string): Promise<Issue[]> { return this.run('dependents()', () => this.engine.dependents(id, type)); }
  addLabel(id: string, label: string, actor: string): Promise<void> { return this.run('addLabel()', () => this.engine.addLabel(id, label, actor)); }
  removeLabel(id: string, label: string, actor: string): Promise<void> { return this.run('removeLabel()', () => this.engine.removeLabel(id, label, actor)); }
  addComment(id: string, text: string, actor: string): Promise<Comment> { return this.run('addComment()', () => this.engine.addComment(id, text, actor)); }
  events(id: string): Promise<BeadEvent[]> { return this.run('events()', () => this.engine.events(id)); }
  importText(text: string, source: string, actor: string): Promise<ImportCounts> {
    return this.run('importText()', () => this.engine.importText(text, source, actor));
  }
  purgeWisps(ids: string[], actor: string): Promise<void> { return this.run('purgeWisps()', () => this.engine.purgeWisps(ids, actor)); }
  exportText(): Promise<string> { return this.run('exportText()', () => this.engine.exportText()); }
  stats(): Promise<Record<string, number>> { return this.run('stats()', () => this.engine.stats()); }
  cycles(): Promise<string[][]> { return this.run('cycles()', () => this.engine.cycles()); }
  allEdges(touching?: string[]): Promise<Dependency[]> { return this.run('allEdges()', () => this.engine.allEdges(touching)); }
  doctor(): Promise<{ ok: boolean; problems: string[] }> { return this.run('doctor()', () => this.engine.doctor()); }
  config(): Promise<Record<string, string>> { return this.run('config()', () => this.engine.config()); }
  getConfig(key: string): Promise<string | undefined> { return this.run('getConfig()', () => this.engine.getConfig(key)); }
  setConfig(key: string, value: string | undefined): Promise<void> { return this.run('setConfig()', () => this.engine.setConfig(key, value)); }
  statuses(): Promise<Set<string>> { return this.run('statuses()', () => this.engine.statuses()); }
}

/** An open transaction's handle (or a savepoint's, nested). Dead once its transaction ends. */
class TxHandle extends Level {
  private ended = false;

  constructor(engine: Engine, waitMs: number, readonly savepoint: Savepoint | undefined) {
    super(engine, new Gate(), waitMs);
  }

  protected usable(): void {
    if (this.ended) throw new InternalError('a transaction handle was used after its transaction ended');
  }

  end(): void {
    this.ended = true;
  }

  /** Waits for a nested transaction still running on this handle. */
  async idle(): Promise<void> {
    if (!this.gate.busy) return;
    await this.gate.acquire(this.waitMs, 'the end of a transaction');
    this.gate.release();
  }

  protected openChild(): TxHandle {
    return new TxHandle(this.engine, this.waitMs, this.engine.beginSavepoint());
  }

  protected finish(child: TxHandle): void {
    this.engine.releaseSavepoint(child.savepoint!);
  }

  protected abort(child: TxHandle): void {
    this.engine.rollbackSavepoint(child.savepoint!);
  }
}

/** How often the change signal looks for other processes' commits while anyone listens. */
const CHANGE_POLL_MS = 200;

export class SqliteStore extends Level implements Store {
  readonly kind = 'sqlite' as const;
  private closed = false;
  private listeners = new Set<() => void>();
  private poll: NodeJS.Timeout | undefined;
  private notifyScheduled = false;
  private seen: { version: number; jsonl: string } | undefined;

  constructor(db: Shared, private readonly release: () => void) {
    super(db.engine, db.gate, busyTimeoutMs());
  }

  get location(): string {
    return this.engine.beadsDir;
  }

  // ---- SQLite only: the files ----------------------------------------------------------------

  get beadsDir(): string {
    return this.engine.beadsDir;
  }

  get dbPath(): string {
    return this.engine.dbPath;
  }

  get jsonlPath(): string {
    return this.engine.jsonlPath;
  }

  /** Writes committed changes to the JSONL now (otherwise after the current tick, on close and at exit). */
  flush(): Promise<void> {
    return this.run('flush()', () => this.engine.flush());
  }

  /** Imports the JSONL now if it changed on disk since this store last wrote or read it. */
  refresh(): Promise<void> {
    return this.run('refresh()', () => this.engine.refresh());
  }

  /** Rewrites the JSONL in full from the database now. */
  exportAll(): Promise<{ path: string; count: number }> {
    return this.run('exportAll()', () => this.engine.exportAll());
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  protected usable(): void {
    if (this.closed) throw new InternalError(`the store at ${this.location} was used after close()`);
  }

  protected openChild(): TxHandle {
    this.engine.begin();
    return new TxHandle(this.engine, this.waitMs, undefined);
  }

  protected finish(): void {
    this.engine.commit();
  }

  protected abort(): void {
    this.engine.rollback();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.gate.busy) {
      await this.gate.acquire(this.waitMs, 'close()');
      this.gate.release();
    }
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    this.listeners.clear();
    this.release(); // the last handle's close flushes and closes the connection
  }

  // ---- the change signal ---------------------------------------------------------------------

  onChange(listener: () => void): () => void {
    this.usable();
    this.listeners.add(listener);
    if (!this.poll) {
      this.seen = this.observe();
      this.poll = setInterval(() => this.look(), CHANGE_POLL_MS);
      this.poll.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size) this.stopPolling();
    };
  }

  private stopPolling(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }

  /**
   * Another connection's commits move data_version; a git pull changes the JSONL under the
   * database (not yet imported: the listener's next read imports it). Our own flushes change the
   * file too, but they leave the synced signature equal to the file's, so they do not count.
   */
  private observe(): { version: number; jsonl: string } {
    const sig = this.engine.jsonlSignatures();
    return { version: this.engine.dataVersion(), jsonl: sig.disk === sig.synced ? '' : sig.disk };
  }

  private look(): void {
    if (this.closed || this.gate.busy) return; // an open transaction: its commit signals
    const now = this.observe();
    const before = this.seen;
    this.seen = now;
    if (before && (before.version !== now.version || before.jsonl !== now.jsonl)) this.changed();
  }

  /** Coalesces a burst of commits into one call per listener after the current tick. */
  changed(): void {
    if (!this.listeners.size || this.notifyScheduled) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      if (this.closed) return;
      if (!this.gate.busy) this.seen = this.observe();
      for (const l of [...this.listeners]) {
        try {
          l();
        } catch (e) {
          process.stderr.write(`bd: warning: a change listener failed: ${(e as Error).message}\n`);
        }
      }
    });
  }
}
