// The tracker's store on PostgreSQL: one pool per store (its connections' search_path is the
// namespace's schema), one checked-out connection per call or transaction. A single write call is
// one transaction holding the namespace's writer lock, as SQLite's BEGIN IMMEDIATE does, and so is
// all of transaction(fn); a lone claim or compare-and-set needs only its row (one conditional
// UPDATE, session.ts) and begins at its first write; a read is one or a few statements, no BEGIN.
// Every commit that wrote sends NOTIFY on the namespace's channel: listeners in other processes,
// on other machines, wake on it; this store's own listeners are called at once after the commit.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { InternalError, UserError } from '../../lib/errors.js';
import type { BlockedIssue, ChildEdge, ChildInput, CompareAndSetExpect, CreateInput, ImportCounts, ListFilter, Store, Tx, UpdatePatch } from '../api.js';
import type { BeadEvent, Comment, Dependency, Issue } from '../model.js';
import { busyTimeoutMs } from '../write-lock.js';
import { PgSession, type SessionHost } from './session.js';
import { LOCK_CLASS, quoteIdent, quoteLiteral } from './schema.js';

/** The store whose transaction's fn is running in this async context (calling that store from inside it is a bug). */
const insideTransaction = new AsyncLocalStorage<PostgresStore>();

/** SQLSTATEs of a transaction that lost to another and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
/** lock_not_available: lock_timeout (the busy timeout) ran out. */
const LOCK_TIMEOUT = '55P03';
/** SQLSTATEs of text PostgreSQL cannot store (a NUL character) or encode. */
const BAD_TEXT = new Set(['22021', '22P05']);

/** Reconnect delay for the LISTEN connection after it drops. */
const RELISTEN_MS = 500;

export class PostgresStore implements Store, SessionHost {
  readonly kind = 'postgres' as const;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private relisten: NodeJS.Timeout | undefined;
  private pendingCall: NodeJS.Immediate | undefined;
  /** Names this store in its NOTIFY payloads, so it does not wake itself twice. */
  private readonly instance = randomUUID();

  constructor(private readonly pool: pg.Pool, private readonly url: string, readonly schema: string, readonly namespace: string,
    readonly prefix: string, readonly location: string) {}

  /** The LISTEN/NOTIFY channel of the namespace. */
  get channel(): string {
    return this.schema;
  }

  // ---- transactions -----------------------------------------------------------------------

  private guard(): void {
    if (this.closed) throw new InternalError(`the store ${this.location} is closed`);
    if (insideTransaction.getStore() === this) {
      throw new InternalError('the store was called from inside its own transaction: use the tx handle given to fn (the store waits for the transaction to end)');
    }
  }

  /** One call as its own transaction; a lost serialization race or deadlock runs it again. */
  private async run<T>(kind: 'read' | 'write' | 'cas', fn: (s: PgSession) => Promise<T>): Promise<T> {
    this.guard();
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      const s = new PgSession(client, this, { bare: true, locked: false, lazyBegin: kind === 'cas' });
      let broken: Error | undefined;
      try {
        // A read runs without BEGIN/COMMIT: each of its queries reads one issue set whole (fetch
        // brings an issue's relations in the same statement), and round trips are what it costs.
        // A lone compare-and-set begins at its first write: its read is checked again by the
        // conditional UPDATE anyway, and a claimer that lost pays one query.
        if (kind === 'read') return await fn(s);
        if (kind === 'write') await this.beginLocked(client, s); // every write call takes the writer lock
        const r = await fn(s);
        if (kind === 'write' || s.begun) await this.commit(client, s);
        return r;
      } catch (e) {
        if (kind === 'write' || s.begun) broken = await rollback(client);
        if (isRetryable(e) && attempt < 5) continue;
        throw storeError(e, this.location);
      } finally {
        s.end();
        client.release(broken);
      }
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    this.guard();
    const client = await this.pool.connect();
    const s = new PgSession(client, this, { bare: false, locked: false });
    let broken: Error | undefined;
    try {
      await this.beginLocked(client, s);
      const r = await insideTransaction.run(this, () => fn(s));
      await s.idle(); // a call fn started but did not await
      await this.commit(client, s);
      return r;
    } catch (e) {
      await s.idle().catch(() => {});
      broken = await rollback(client);
      throw storeError(e, this.location);
    } finally {
      s.end();
      client.release(broken);
    }
  }

  /** BEGIN and the namespace's writer lock in one round trip. */
  private async beginLocked(client: pg.PoolClient, s: PgSession): Promise<void> {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${LOCK_CLASS.writer}, hashtext(${quoteLiteral(this.schema)}))`);
    s.lockedAlready();
  }

  private async commit(client: pg.PoolClient, s: PgSession): Promise<void> {
    // One round trip: the NOTIFY is delivered at the COMMIT, and only if it commits.
    await client.query(s.changed ? `SELECT pg_notify(${quoteLiteral(this.channel)}, ${quoteLiteral(this.instance)}); COMMIT` : 'COMMIT');
    if (s.changed) this.changedHere();
  }

  // ---- the change signal ----------------------------------------------------------------

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    void this.listen();
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size) this.unlisten();
    };
  }

  /** Resolves once the LISTEN connection is up (tests wait for it before another process writes). */
  listen(): Promise<void> {
    if (this.closed || !this.listeners.size) return Promise.resolve();
    this.listening ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('error', () => this.dropListener(client));
      client.on('end', () => this.dropListener(client));
      client.on('notification', (n) => {
        if (n.payload !== this.instance) this.changedHere();
      });
      this.listener = client;
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
    })().catch(() => {
      this.dropListener(this.listener);
    });
    return this.listening;
  }

  private dropListener(client: pg.Client | undefined): void {
    if (!client || this.listener !== client) return;
    this.listener = undefined;
    this.listening = undefined;
    client.end().catch(() => {});
    if (this.closed || !this.listeners.size || this.relisten) return;
    // Commits made while we were away were not signalled: tell the listeners once we are back.
    this.relisten = setTimeout(() => {
      this.relisten = undefined;
      void this.listen().then(() => this.changedHere());
    }, RELISTEN_MS);
    this.relisten.unref();
  }

  private unlisten(): void {
    if (this.relisten) clearTimeout(this.relisten);
    this.relisten = undefined;
    const client = this.listener;
    this.listener = undefined;
    this.listening = undefined;
    client?.end().catch(() => {});
  }

  /** Calls every listener once for however many commits arrived in this tick. */
  private changedHere(): void {
    if (this.pendingCall || !this.listeners.size) return;
    this.pendingCall = setImmediate(() => {
      this.pendingCall = undefined;
      for (const l of [...this.listeners]) {
        try {
          l();
        } catch (e) {
          process.stderr.write(`bd: a store change listener failed: ${(e as Error).message}\n`);
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    if (this.pendingCall) clearImmediate(this.pendingCall);
    this.unlisten();
    await this.pool.end();
  }

  // ---- every call of Tx, each its own transaction ------------------------------------------

  create(input: CreateInput, actor: string): Promise<Issue> { return this.run('write', (s) => s.create(input, actor)); }
  get(idOrPartial: string): Promise<Issue | undefined> { return this.run('read', (s) => s.get(idOrPartial)); }
  getExact(id: string): Promise<Issue | undefined> { return this.run('read', (s) => s.getExact(id)); }
  mustGet(idOrPartial: string): Promise<Issue> { return this.run('read', (s) => s.mustGet(idOrPartial)); }
  resolveId(partial: string): Promise<string> { return this.run('read', (s) => s.resolveId(partial)); }
  createChildren(parent: string, children: ChildInput[], edges: ChildEdge[], actor: string): Promise<string[]> {
    return this.run('write', (s) => s.createChildren(parent, children, edges, actor));
  }
  update(id: string, patch: UpdatePatch, actor: string): Promise<Issue> { return this.run('write', (s) => s.update(id, patch, actor)); }
  closeIssues(ids: string[], reason: string | undefined, actor: string): Promise<Issue[]> { return this.run('write', (s) => s.closeIssues(ids, reason, actor)); }
  reopen(id: string, actor: string): Promise<Issue> { return this.run('write', (s) => s.reopen(id, actor)); }
  claim(id: string, actor: string): Promise<Issue> { return this.run('cas', (s) => s.claim(id, actor)); }
  compareAndSet(id: string, expect: CompareAndSetExpect, patch: UpdatePatch, actor: string): Promise<Issue> {
    return this.run('cas', (s) => s.compareAndSet(id, expect, patch, actor));
  }
  list(filter?: ListFilter): Promise<Issue[]> { return this.run('read', (s) => s.list(filter)); }
  ready(filter?: ListFilter): Promise<Issue[]> { return this.run('read', (s) => s.ready(filter)); }
  blocked(): Promise<BlockedIssue[]> { return this.run('read', (s) => s.blocked()); }
  explain(id: string): Promise<string[]> { return this.run('read', (s) => s.explain(id)); }
  addDependency(issueId: string, dependsOnId: string, type: string, actor: string): Promise<void> {
    return this.run('write', (s) => s.addDependency(issueId, dependsOnId, type, actor));
  }
  removeDependency(issueId: string, dependsOnId: string, type: string | undefined, actor: string): Promise<void> {
    return this.run('write', (s) => s.removeDependency(issueId, dependsOnId, type, actor));
  }
  dependents(id: string, type?: string): Promise<Issue[]> { return this.run('read', (s) => s.dependents(id, type)); }
  addLabel(id: string, label: string, actor: string): Promise<void> { return this.run('write', (s) => s.addLabel(id, label, actor)); }
  removeLabel(id: string, label: string, actor: string): Promise<void> { return this.run('write', (s) => s.removeLabel(id, label, actor)); }
  addComment(id: string, text: string, actor: string): Promise<Comment> { return this.run('write', (s) => s.addComment(id, text, actor)); }
  events(id: string): Promise<BeadEvent[]> { return this.run('read', (s) => s.events(id)); }
  importText(text: string, source: string, actor: string): Promise<ImportCounts> { return this.run('write', (s) => s.importText(text, source, actor)); }
  purgeWisps(ids: string[], actor: string): Promise<void> { return this.run('write', (s) => s.purgeWisps(ids, actor)); }
  exportText(): Promise<string> { return this.run('read', (s) => s.exportText()); }
  stats(): Promise<Record<string, number>> { return this.run('read', (s) => s.stats()); }
  cycles(): Promise<string[][]> { return this.run('read', (s) => s.cycles()); }
  allEdges(touching?: string[]): Promise<Dependency[]> { return this.run('read', (s) => s.allEdges(touching)); }
  doctor(): Promise<{ ok: boolean; problems: string[] }> { return this.run('read', (s) => s.doctor()); }
  config(): Promise<Record<string, string>> { return this.run('read', (s) => s.config()); }
  getConfig(key: string): Promise<string | undefined> { return this.run('read', (s) => s.getConfig(key)); }
  setConfig(key: string, value: string | undefined): Promise<void> { return this.run('write', (s) => s.setConfig(key, value)); }
  statuses(): Promise<Set<string>> { return this.run('read', (s) => s.statuses()); }
}

async function rollback(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (e) {
    return e as Error; // the connection is unusable: the pool drops it
  }
}

function isRetryable(e: unknown): boolean {
  return RETRYABLE.has((e as { code?: string }).code ?? '');
}

/** PostgreSQL's refusals of user text become one-line UserErrors; everything else passes through. */
function storeError(e: unknown, location: string): unknown {
  const code = (e as { code?: string }).code ?? '';
  if (code === LOCK_TIMEOUT) {
    return new UserError(`the store ${location} is busy: another writer held it for over ${Math.round(busyTimeoutMs() / 1000)} s`,
      'retry; if it stays busy, look for a stuck gt/bd process (BD_BUSY_TIMEOUT_MS sets the wait)');
  }
  if (BAD_TEXT.has(code)) {
    return new UserError(`text PostgreSQL cannot store: ${(e as Error).message}`, 'remove NUL characters (\\u0000) from the text');
  }
  return e;
}
