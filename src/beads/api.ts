// The tracker's store as every backend offers it (SQLite, PostgreSQL): asynchronous, with an
// explicit transaction handle. Types only; a backend is opened by open.ts. docs/store.md has the
// rules (one transaction = one atomic unit; inside it, use only the tx).
import type { BeadEvent, Comment, Dependency, Issue, Status } from './model.js';

export type { BeadEvent, Comment, Dependency, Issue, Status } from './model.js';

export interface CreateInput {
  title: string; description?: string; design?: string; acceptance_criteria?: string; notes?: string;
  issue_type?: string /* default task */; priority?: number /* default 2 */; status?: Status; assignee?: string; owner?: string;
  labels?: string[]; parent?: string; deps?: { type: string; id: string }[]; ephemeral?: boolean; id?: string /* explicit */;
  fields?: Record<string, unknown>;
  external_ref?: string;
}
/** A child for createChildren: the parent, status and dependencies come from the call. */
export type ChildInput = Pick<CreateInput, 'title' | 'description' | 'issue_type' | 'priority' | 'labels' | 'ephemeral' | 'fields' | 'acceptance_criteria'>;
/** `children[from]` depends on `children[to]` with this type. */
export interface ChildEdge { from: number; to: number; type: string }
export interface UpdatePatch {
  title?: string; description?: string; design?: string; acceptance_criteria?: string; notes?: string;
  status?: Status; priority?: number; issue_type?: string; assignee?: string | null; /* null clears */
  owner?: string | null; external_ref?: string | null;
  fields?: Record<string, unknown | null> /* null deletes a key */;
}
export interface ListFilter {
  status?: Status | Status[]; type?: string | string[]; label?: string | string[] /* all of */;
  assignee?: string; priority?: number; parent?: string; fields?: Record<string, unknown> /* equality on fields keys */;
  includeEphemeral?: boolean; includeClosed?: boolean /* default: list shows all non-tombstone; ready never shows closed */; limit?: number;
  /** Types to leave out (bd list hides bookkeeping: agents, merge requests, messages...). */
  excludeType?: string[];
  /** Ids (full) to restrict to. */
  ids?: string[];
  /** Case-insensitive text match on title, description and notes (search). */
  text?: string;
}
export interface CompareAndSetExpect { status?: Status | Status[]; assignee?: string | null }
export interface ImportCounts { created: number; updated: number; unchanged: number }
export interface BlockedIssue { issue: Issue; blockers: string[] }

/**
 * Every read and write of the tracker. Outside a transaction each call is its own atomic unit;
 * on a transaction's handle each call is part of that transaction.
 */
export interface Tx {
  readonly prefix: string;
  /**
   * Runs fn as one atomic unit: all of it commits, or a throw rolls all of it back. Inside fn use
   * only the given tx (the outer handle waits until the transaction ends: using it from inside
   * is a bug, reported as one). Nested on a tx, it is a savepoint: a throw undoes only its part.
   * Nested transactions on one tx run one at a time.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;

  create(input: CreateInput, actor: string): Promise<Issue>;
  /** Resolves a typed id (a unique partial id works); for ids the user typed. */
  get(idOrPartial: string): Promise<Issue | undefined>;
  /** The issue with exactly this id (no partial matching): for ids read from records. */
  getExact(id: string): Promise<Issue | undefined>;
  mustGet(idOrPartial: string): Promise<Issue>;
  resolveId(partial: string): Promise<string>;
  /**
   * Creates many children of one parent in one atomic unit (a poured molecule's steps): ids
   * `<parent>.N` in order, a parent-child edge each, the given edges between them (indices into
   * `children`). Refuses, creating nothing, if the edges form a cycle. Returns the new ids in order.
   */
  createChildren(parent: string, children: ChildInput[], edges: ChildEdge[], actor: string): Promise<string[]>;
  update(id: string, patch: UpdatePatch, actor: string): Promise<Issue>;
  closeIssues(ids: string[], reason: string | undefined, actor: string): Promise<Issue[]>;
  reopen(id: string, actor: string): Promise<Issue>;
  /** Assigns to actor and sets in_progress; a ConflictError if someone else holds it. */
  claim(id: string, actor: string): Promise<Issue>;
  /** Applies patch only if the issue still matches expect (else a ConflictError, nothing changed). */
  compareAndSet(id: string, expect: CompareAndSetExpect, patch: UpdatePatch, actor: string): Promise<Issue>;
  list(filter?: ListFilter): Promise<Issue[]>;
  ready(filter?: ListFilter): Promise<Issue[]>;
  blocked(): Promise<BlockedIssue[]>;
  /** Why an issue is not ready, one reason a line (empty: it is ready). */
  explain(id: string): Promise<string[]>;
  addDependency(issueId: string, dependsOnId: string, type: string, actor: string): Promise<void>;
  removeDependency(issueId: string, dependsOnId: string, type: string | undefined, actor: string): Promise<void>;
  dependents(id: string, type?: string): Promise<Issue[]>;
  addLabel(id: string, label: string, actor: string): Promise<void>;
  removeLabel(id: string, label: string, actor: string): Promise<void>;
  addComment(id: string, text: string, actor: string): Promise<Comment>;
  events(id: string): Promise<BeadEvent[]>;
  /** Upserts records from JSONL text (bd import); returns counts. Other records are kept. */
  importText(text: string, source: string, actor: string): Promise<ImportCounts>;
  /**
   * Deletes wisps outright (rows, edges, labels, comments, events): they were never exported, so
   * nothing of them remains. Refuses (changing nothing) if any id is not a wisp.
   */
  purgeWisps(ids: string[], actor: string): Promise<void>;
  /** The exported JSONL text (non-wisp issues, sorted by id, one line each). */
  exportText(): Promise<string>;
  stats(): Promise<Record<string, number>>;
  cycles(): Promise<string[][]>;
  /**
   * Every dependency edge (for trees, doctor and tests); with `touching`, only the edges with
   * either end among those ids (a listing's counts without reading the whole graph).
   */
  allEdges(touching?: string[]): Promise<Dependency[]>;
  doctor(): Promise<{ ok: boolean; problems: string[] }>;
  /** Settings kept in the store (`bd config`): every key, or one. Never exported. */
  config(): Promise<Record<string, string>>;
  getConfig(key: string): Promise<string | undefined>;
  /** Sets a setting (undefined unsets it). */
  setConfig(key: string, value: string | undefined): Promise<void>;
  /** The statuses this store accepts: the built-in ones and the configured custom ones (status.custom). */
  statuses(): Promise<Set<string>>;
}

export type StoreKind = 'sqlite' | 'postgres';

export interface Store extends Tx {
  readonly prefix: string;
  readonly kind: StoreKind;
  /** Where the store lives, for messages (a directory, a server and namespace); never parsed. */
  readonly location: string;
  /**
   * Calls listener after a commit by this process or another one (coalesced: one call may stand
   * for many commits). Returns the unsubscribe function. Listeners re-read what they show.
   */
  onChange(listener: () => void): () => void;
  /** Finishes pending work (the SQLite JSONL mirror), then releases the store. Idempotent. */
  close(): Promise<void>;
}

/** How to open a store: the one configuration open.ts understands. */
export type StoreSpec =
  | { kind: 'sqlite'; beadsDir: string; create?: boolean; prefix?: string }
  | { kind: 'postgres'; url: string; /** one per rig / the HQ */ namespace: string; create?: boolean; prefix?: string };
