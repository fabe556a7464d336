// Puts the tracker into git: the JSONL is committed to a dedicated branch (default `beads-sync`)
// of a repository, with git plumbing only (no worktree, no checkout), so it works on bare repos
// and never touches the project's own branches. With a remote it is a full round trip: fetch the
// remote's branch, merge it into the database field by field (mergeJsonl against the common
// base), commit with both parents, push.
//
// Invariant: the local branch's tip is the last state this database has taken in. Only this module
// moves it, so "what changed since" is always tip -> now, and the remote's changes are tip-base ->
// remote.
import { dirname, join, resolve } from 'node:path';
import { git, gitErrorLine, gitTry } from '../lib/git.js';
import { writeFileAtomic } from '../lib/fsx.js';
import { UserError } from '../lib/errors.js';
import { mergeJsonlReport, type Renamed } from './merge.js';
import { readIfExists } from './sync.js';
import { jsonlProblem } from './jsonl.js';
import type { Store } from './api.js';
import { SqliteStore } from './sqlite/store.js';

export const DEFAULT_SYNC_BRANCH = 'beads-sync';
/** Where the JSONL sits in the branch's tree: the same path as in a Beads-tracked project. */
const TREE_PATH = ['.beads', 'issues.jsonl'] as const;
/** Commit identity when the repository and the user have none (commits must not fail for that). */
const FALLBACK_IDENT = { GIT_AUTHOR_NAME: 'bd', GIT_AUTHOR_EMAIL: 'bd@localhost', GIT_COMMITTER_NAME: 'bd', GIT_COMMITTER_EMAIL: 'bd@localhost' };

export interface BranchSyncOptions {
  /** The repository (bare or not; any path git accepts as -C). */
  repo: string;
  branch?: string;
  /** Fetch (and merge) this remote's branch, when set. */
  remote?: string;
  /** Push the branch to the remote afterwards (default true when there is a remote). */
  push?: boolean;
}

/**
 * Where a store syncs, from its settings (`bd config set sync.repo|sync.branch|sync.remote|
 * sync.push`) and overrides; the repository defaults to the git repository holding `.beads`.
 */
export async function syncTarget(anyStore: Store, over: Partial<BranchSyncOptions> = {}): Promise<BranchSyncOptions> {
  const store = withJsonlMirror(anyStore, 'bd sync');
  const cfg = await store.config();
  let repo = over.repo ?? (cfg['sync.repo'] ? resolve(store.beadsDir, cfg['sync.repo']) : undefined);
  if (!repo) {
    // The work tree's top when there is one: a remote's relative path is relative to it.
    const top = await gitTry(dirname(store.beadsDir), ['rev-parse', '--show-toplevel']);
    const r = top.code === 0 && top.stdout.trim() ? top : await gitTry(dirname(store.beadsDir), ['rev-parse', '--absolute-git-dir']);
    if (r.code !== 0) throw new UserError(`${store.beadsDir} is not inside a git repository`, "pass --repo, or set it once: bd config set sync.repo <path>");
    repo = r.stdout.trim();
  }
  const remote = over.remote ?? (cfg['sync.remote'] || undefined);
  if (remote && (await gitTry(repo, ['remote', 'get-url', '--', remote])).code !== 0) {
    throw new UserError(`no remote '${remote}' in ${repo}`, 'add it (git remote add) or pass another --remote');
  }
  return { repo, branch: over.branch ?? (cfg['sync.branch'] || DEFAULT_SYNC_BRANCH), remote, push: over.push ?? cfg['sync.push'] !== 'false' };
}

export interface BranchSyncReport {
  branch: string;
  /** The branch's tip after the sync. */
  tip?: string;
  /** The commit this sync made, if it made one (none when nothing changed or on a fast-forward). */
  commit?: string;
  /** Records the remote had that were merged into the database. */
  merged: boolean;
  issues: number;
  pushed: boolean;
  /** The remote could not be reached or refused the push: local state is committed; run again. */
  remoteError?: string;
  /** Issues re-id'd because the remote had created a different issue under the same id. */
  renamed: Renamed[];
}

/**
 * The SQLite store whose `.beads/issues.jsonl` mirror is what gets committed; any other store is
 * refused by name (`what` says which command needed it).
 */
export function withJsonlMirror(store: Store, what: string): SqliteStore {
  if (store instanceof SqliteStore) return store;
  throw new UserError(`${what} works on a .beads directory's issues.jsonl, and ${store.location} is a ${store.kind} store`,
    "export it with 'bd export -o <file>' instead");
}

export async function syncToBranch(anyStore: Store, o: BranchSyncOptions): Promise<BranchSyncReport> {
  const store = withJsonlMirror(anyStore, 'bd sync');
  // Two syncs of one store at once (the deacon's and an agent's): the loser of the branch CAS
  // simply syncs again on top of the winner (its merge into the database is idempotent).
  for (let attempt = 1; ; attempt++) {
    try {
      return await syncOnce(store, o);
    } catch (e) {
      if (!(e instanceof BranchMovedError) || attempt >= 5) throw e;
    }
  }
}

class BranchMovedError extends UserError {}

async function syncOnce(store: SqliteStore, o: BranchSyncOptions): Promise<BranchSyncReport> {
  const branch = o.branch ?? DEFAULT_SYNC_BRANCH;
  if ((await gitTry(o.repo, ['check-ref-format', '--branch', branch])).code !== 0) {
    throw new UserError(`invalid branch name '${branch}'`, 'pass a plain branch name, e.g. beads-sync');
  }
  const localRef = `refs/heads/${branch}`;
  let remoteError: string | undefined;
  let theirs: string | undefined;
  if (o.remote) {
    const trackRef = `refs/remotes/${o.remote}/${branch}`;
    const f = await gitTry(o.repo, ['fetch', '--quiet', '--no-tags', '--', o.remote, `+${localRef}:${trackRef}`], { timeoutMs: 120_000 });
    if (f.code !== 0 && !/couldn't find remote ref/i.test(f.stderr)) remoteError = `fetch from ${o.remote} failed: ${gitErrorLine(f.stderr)}`;
    theirs = await revParse(o.repo, trackRef);
  }
  const tip = await revParse(o.repo, localRef);

  // The remote has something this database has not taken in: merge it (three-way, against what
  // both last shared). When the remote simply moved ahead of us, the result builds on it alone.
  let merged = false;
  let renamed: Renamed[] = [];
  let parents = tip ? [tip] : [];
  if (theirs && theirs !== tip && !(tip && (await isAncestor(o.repo, theirs, tip)))) {
    const base = tip ? await mergeBase(o.repo, tip, theirs) : undefined;
    renamed = await mergeIntoStore(store, base ? await jsonlAt(o.repo, base) : '', await jsonlAt(o.repo, theirs), `${o.remote}/${branch}`);
    merged = true;
    parents = !tip || (await isAncestor(o.repo, tip, theirs)) ? [theirs] : [tip, theirs];
  }

  await store.flush();
  const text = readIfExists(store.jsonlPath) ?? '';
  // What is pushed is imported by every other clone: a file that would not import there is never committed.
  const problem = jsonlProblem(text, store.jsonlPath, await store.statuses());
  if (problem) {
    throw new UserError(`refusing to commit ${store.jsonlPath} to ${branch}: ${problem}`,
      `fix that line or resolve the conflict, then run bd sync again; ${o.remote ? `${branch} and ${o.remote} are` : `${branch} is`} unchanged`);
  }
  const issues = countLines(text);
  const tree = await treeFor(o.repo, text);
  let commit: string | undefined;
  let next = tip;
  if (parents.length === 1 && (await git(o.repo, ['rev-parse', `${parents[0]}^{tree}`])) === tree) {
    next = parents[0]; // nothing of ours on top: stay, or fast-forward to the remote
  } else {
    const env = (await gitTry(o.repo, ['var', 'GIT_COMMITTER_IDENT'])).code === 0 ? undefined : FALLBACK_IDENT;
    const message = `bd sync: ${issues} issues${parents.length > 1 ? ` (merged ${o.remote}/${branch})` : ''}`;
    next = commit = await git(o.repo, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message], { env });
  }
  if (next && next !== tip) {
    // Compare-and-swap: when a concurrent sync moved the branch first, this attempt changes nothing and is retried.
    const cas = await gitTry(o.repo, ['update-ref', localRef, next, tip ?? '']);
    if (cas.code !== 0) throw new BranchMovedError(`${branch} moved during this sync (another sync ran)`, 'run the sync again');
  }

  let pushed = false;
  if (o.remote && o.push !== false && !remoteError && next && next !== theirs) {
    const p = await gitTry(o.repo, ['push', '--quiet', '--no-verify', '--', o.remote, `${localRef}:${localRef}`], { timeoutMs: 120_000 });
    if (p.code === 0) {
      pushed = true;
      await gitTry(o.repo, ['update-ref', `refs/remotes/${o.remote}/${branch}`, next]);
    } else {
      remoteError = `push to ${o.remote} failed: ${gitErrorLine(p.stderr)}`;
    }
  }
  return { branch, tip: next, commit, merged, issues, pushed, remoteError, renamed };
}

/**
 * Three-way merges the remote's JSONL into the database: under the store's write lock (so no bd
 * write interleaves), the file becomes merge(base, database, theirs), then the store imports it.
 */
async function mergeIntoStore(store: SqliteStore, baseText: string, theirsText: string, theirName: string): Promise<Renamed[]> {
  const bad = jsonlProblem(theirsText, `${theirName}:${TREE_PATH.join('/')}`, await store.statuses());
  if (bad) {
    throw new UserError(`cannot take in ${theirName}: ${bad}`,
      `nothing was changed here; revert the commit that broke ${theirName} (git log ${theirName}), push, then run bd sync again`);
  }
  await store.flush();
  const jsonlPath = store.jsonlPath;
  const renamed = await store.transaction(async (tx) => {
    const ours = await tx.exportText();
    const merged = mergeJsonlReport(baseText, ours, theirsText);
    if (merged.text !== ours) writeFileAtomic(jsonlPath, merged.text);
    return merged.renamed;
  });
  await store.refresh(); // takes the new file in (creates, updates, and removals the remote made)
  return renamed;
}

async function treeFor(repo: string, text: string): Promise<string> {
  const blob = await git(repo, ['hash-object', '-w', '--stdin'], { input: text });
  const inner = await git(repo, ['mktree'], { input: `100644 blob ${blob}\t${TREE_PATH[1]}\n` });
  return git(repo, ['mktree'], { input: `040000 tree ${inner}\t${TREE_PATH[0]}\n` });
}

async function jsonlAt(repo: string, commit: string): Promise<string> {
  const r = await gitTry(repo, ['show', `${commit}:${join(...TREE_PATH)}`]);
  return r.code === 0 ? r.stdout : '';
}

async function revParse(repo: string, ref: string): Promise<string | undefined> {
  const r = await gitTry(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function isAncestor(repo: string, a: string, b: string): Promise<boolean> {
  return (await gitTry(repo, ['merge-base', '--is-ancestor', a, b])).code === 0;
}

async function mergeBase(repo: string, a: string, b: string): Promise<string | undefined> {
  const r = await gitTry(repo, ['merge-base', a, b]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

const countLines = (text: string) => text.split('\n').filter((l) => l.trim()).length;

