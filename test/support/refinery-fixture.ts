// Real git fixtures for refinery tests and benches: a bare rig repo with a main branch, MR
// branches made with plumbing (no worktree needed), and a queue kept in a JSON file so a refinery
// in a child process can be killed and restarted.
import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gitSync } from '../../src/lib/git.js';
import type { QueueItem } from '../../src/refinery/plan.js';
import type { QueueSource } from '../../src/refinery/drain.js';
import type { MergeOutcome } from '../../src/refinery/engine.js';
import type { RefineryRepo } from '../../src/refinery/worktree.js';

export const fixtureEnv: NodeJS.ProcessEnv = {
  GIT_AUTHOR_NAME: 'Test User',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test User',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};
// Plumbing below runs through lib/git, which reads process.env.
Object.assign(process.env, fixtureEnv);

export interface RigFixture {
  root: string;
  repo: RefineryRepo;
  stateDir: string;
}

/** A bare repo at `<root>/.repo.git` with `main` holding `README` and `mods/base.txt`. */
export function makeRigRepo(root: string, testCmd?: string, testTimeoutMs = 60_000): RigFixture {
  const repoDir = join(root, '.repo.git');
  mkdirSync(root, { recursive: true });
  gitSync(root, ['init', '--quiet', '--bare', '--initial-branch=main', repoDir]);
  commitFiles(repoDir, 'main', { README: 'fixture\n', 'mods/base.txt': 'base\n' }, 'initial', null);
  return {
    root,
    stateDir: join(root, 'refinery'),
    repo: { repoDir, worktree: join(root, 'refinery', 'rig'), mainBranch: 'main', testCmd, testTimeoutMs },
  };
}

/**
 * Commits `files` on top of `parent` (default: the branch's own tip, else main) and points
 * `refs/heads/<branch>` at it. Uses a private index, so no worktree is touched.
 */
export function commitFiles(repoDir: string, branch: string, files: Record<string, string>, message: string, parent?: string | null): string {
  const index = join(repoDir, `fixture-index-${process.pid}`);
  const env = { GIT_INDEX_FILE: index };
  const from = parent === null ? undefined : parent ?? tryRev(repoDir, `refs/heads/${branch}`) ?? tryRev(repoDir, 'refs/heads/main');
  const withEnv = (args: string[]) => {
    const saved = process.env.GIT_INDEX_FILE;
    process.env.GIT_INDEX_FILE = env.GIT_INDEX_FILE;
    try {
      return gitSync(repoDir, args);
    } finally {
      if (saved === undefined) delete process.env.GIT_INDEX_FILE;
      else process.env.GIT_INDEX_FILE = saved;
    }
  };
  rmSync(index, { force: true });
  if (from) withEnv(['read-tree', from]);
  // Blobs go through a temp file (gitSync has no stdin).
  for (const [path, content] of Object.entries(files)) {
    const tmp = join(repoDir, `fixture-blob-${process.pid}`);
    writeFileSync(tmp, content);
    const sha = gitSync(repoDir, ['hash-object', '-w', tmp]);
    rmSync(tmp, { force: true });
    withEnv(['update-index', '--add', '--cacheinfo', `100644,${sha},${path}`]);
  }
  const tree = withEnv(['write-tree']);
  rmSync(index, { force: true });
  const commit = gitSync(repoDir, ['commit-tree', tree, ...(from ? ['-p', from] : []), '-m', message]);
  gitSync(repoDir, ['update-ref', `refs/heads/${branch}`, commit]);
  return commit;
}

export function tryRev(repoDir: string, rev: string): string | undefined {
  try {
    return gitSync(repoDir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  } catch {
    return undefined;
  }
}

export const rev = (repoDir: string, r: string) => gitSync(repoDir, ['rev-parse', r]);

/** First-parent history of main, oldest first, as subjects. */
export function mainSubjects(repoDir: string): string[] {
  return gitSync(repoDir, ['log', '--first-parent', '--reverse', '--format=%s', 'main']).split('\n').filter(Boolean);
}

export type ItemState = 'queued' | 'testing' | 'merged' | 'bounced';
export interface FileQueueEntry extends QueueItem {
  state: ItemState;
  outcomes: MergeOutcome[];
}

/** A queue kept in a JSON file (atomic rewrite per change): survives the refinery being killed. */
export class FileQueue implements QueueSource {
  constructor(readonly path: string) {}

  static create(path: string, items: QueueItem[]): FileQueue {
    const q = new FileQueue(path);
    q.save(items.map((i) => ({ ...i, state: 'queued', outcomes: [] })));
    return q;
  }

  load(): FileQueueEntry[] {
    return JSON.parse(readFileSync(this.path, 'utf8')) as FileQueueEntry[];
  }

  private save(entries: FileQueueEntry[]): void {
    writeFileSync(`${this.path}.tmp`, JSON.stringify(entries, null, 1));
    renameSync(`${this.path}.tmp`, this.path);
  }

  private update(fn: (e: FileQueueEntry[]) => void): void {
    const entries = this.load();
    fn(entries);
    this.save(entries);
  }

  queued(): QueueItem[] {
    return this.load().filter((e) => e.state === 'queued');
  }

  requeueInterrupted(): void {
    this.update((es) => es.forEach((e) => { if (e.state === 'testing') e.state = 'queued'; }));
  }

  begin(items: QueueItem[]): void {
    const ids = new Set(items.map((i) => i.id));
    this.update((es) => es.forEach((e) => { if (ids.has(e.id)) e.state = 'testing'; }));
  }

  settle(item: QueueItem, outcome: MergeOutcome): void {
    this.update((es) => {
      const e = es.find((x) => x.id === item.id)!;
      if (e.state === 'merged') return; // idempotent replay after a crash
      e.outcomes.push(outcome);
      e.state = outcome.kind === 'merged' ? 'merged' : outcome.kind === 'deferred' ? 'queued' : 'bounced';
    });
  }

  byId(): Map<string, FileQueueEntry> {
    return new Map(this.load().map((e) => [e.id, e]));
  }
}

/** `n` independent MR branches `mr/<i>`, each adding its own file; `bad` ones contain BAD. */
export function independentMrs(repoDir: string, n: number, bad: Set<number> = new Set()): QueueItem[] {
  const items: QueueItem[] = [];
  for (let i = 1; i <= n; i++) {
    const id = `mr-${String(i).padStart(3, '0')}`;
    commitFiles(repoDir, `mr/${i}`, { [`mods/m${i}.txt`]: bad.has(i) ? `BAD ${i}\n` : `good ${i}\n` }, `MR ${i}`, rev(repoDir, 'refs/heads/main'));
    items.push({ id, branch: `mr/${i}`, priority: 2, createdAt: `2025-01-01T00:00:${String(i).padStart(2, '0')}.000Z` });
  }
  return items;
}

/** Child-process mode for crash tests: `node refinery-fixture.js drain '<json>'` drains a FileQueue. */
if (process.argv[2] === 'drain' && process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const cfg = JSON.parse(process.argv[3]!) as { repo: RefineryRepo; stateDir: string; queue: string; batch: number };
  const { drainQueue } = await import('../../src/refinery/drain.js');
  const report = await drainQueue(cfg.repo, cfg.stateDir, new FileQueue(cfg.queue), { batch: cfg.batch, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(JSON.stringify(report) + '\n');
}

/**
 * Child-process mode for lock races: `node refinery-fixture.js lock <stateDir> <holdMs>` waits
 * for `<stateDir>/go`, tries the lock, prints `got` or `busy`, and holds a won lock for holdMs.
 */
if (process.argv[2] === 'lock' && process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const [stateDir, holdMs] = [process.argv[3]!, Number(process.argv[4])];
  const { acquireLock, RefineryBusyError } = await import('../../src/refinery/journal.js');
  const { existsSync } = await import('node:fs');
  while (!existsSync(join(stateDir, 'go'))) await new Promise((r) => setTimeout(r, 2));
  try {
    const release = acquireLock(stateDir);
    process.stdout.write('got\n');
    await new Promise((r) => setTimeout(r, holdMs));
    release();
  } catch (e) {
    process.stdout.write(e instanceof RefineryBusyError ? 'busy\n' : `error ${(e as Error).message}\n`);
  }
}
