// One town, several machines, on this box: each "machine" is its own town directory (joined with
// `gt install --join`), its own GT_MACHINE name, its own deacon process and headless sessions; all
// share one PostgreSQL database (the beads, the machines' heartbeats, the refinery leases) and one
// bare git repository, the rig's remote, through which code moves (gt done pushes the branch; the
// refinery holding the rig's lease fetches it and lands with one atomic push). Shell agents.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { gt, gtBin, runAsync, tempDir, testEnv, type CliResult } from './support/cli.js';
import { makeProject } from './support/town-fixture.js';
import { postgresServer } from './support/postgres.js';
import { until } from './support/wait.js';
import { killGroup } from '../src/lib/proc.js';
import { openStore } from '../src/beads/open.js';
import type { Store } from '../src/beads/api.js';
import { fileURLToPath } from 'node:url';

const db = await postgresServer();
const skip = db.skip;
after(() => db.server?.stop());

interface Machine {
  name: string;
  town: string;
  env: NodeJS.ProcessEnv;
  gt: (args: string[]) => CliResult;
  deacon?: ChildProcess;
}

interface Shared {
  url: string;
  dir: string;
  remote: string;
  machines: Machine[];
  cleanup: () => Promise<void>;
}

/** The shared database and remote, the first machine's install and rig, the others joined. */
async function sharedTown(names: string[], opts: { testCmd?: string; maxPolecats?: number } = {}): Promise<Shared> {
  const url = await db.server!.createDatabase();
  const { dir, cleanup } = tempDir('gt-multi-');
  const project = makeProject(join(dir, 'project'), { 'README.md': '# shared\n' });
  const remote = join(dir, 'remote.git');
  execFileSync('git', ['clone', '-q', '--bare', project, remote]);
  const machines: Machine[] = [];
  for (const [i, name] of names.entries()) {
    const home = join(dir, name);
    mkdirSync(home, { recursive: true });
    const town = join(home, 'town');
    const env = testEnv({ GT_TOWN: town, HOME: home, GT_MACHINE: name });
    delete env.GT_AGENT;
    delete env.BD_ACTOR;
    const m: Machine = { name, town, env, gt: (args) => gt(args, { cwd: home, env }) };
    const inst = m.gt(['install', town, '--store', url, ...(i ? ['--join'] : []), '--json']);
    assert.equal(inst.code, 0, inst.stderr);
    if (i === 0) {
      const add = m.gt(['rig', 'add', 'demo', remote, '--push', ...(opts.testCmd ? ['--test-cmd', opts.testCmd] : []), '--json']);
      assert.equal(add.code, 0, add.stderr);
    } else {
      assert.deepEqual(JSON.parse(inst.stdout).attached, ['demo'], 'the joining machine attached the rig');
    }
    const path = join(town, 'town.toml');
    writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'headless' }, agents: { default: 'shell' }, max_polecats: opts.maxPolecats ?? 3 }));
    machines.push(m);
  }
  return {
    url, dir, remote, machines,
    async cleanup() {
      for (const m of machines) stopMachine(m, 'SIGKILL');
      if (process.env.GT_TEST_KEEP) process.stderr.write(`kept ${dir}\n`);
      else cleanup();
    },
  };
}

/** A machine's deacon: `gt daemon` in its own process group (so a SIGKILL takes the machine down whole). */
function startDeacon(m: Machine): void {
  const log = openSync(join(m.town, 'deacon', 'test-daemon.log'), 'a');
  m.deacon = spawn(process.execPath, [gtBin, 'daemon', '--machine', m.name, '--max-delay', '1', '--sync-every', '0', '--batch', '4'], { cwd: m.town, env: m.env, detached: true, stdio: ['ignore', log, log] });
}

/** Ends the machine: its deacon's process group and every headless session it started. */
function stopMachine(m: Machine, signal: NodeJS.Signals): void {
  if (m.deacon?.pid && m.deacon.exitCode === null) killGroup(m.deacon.pid, signal);
  const dir = join(m.town, '.runtime', 'sessions');
  if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.endsWith('.pid')) killGroup(Number(readFileSync(join(dir, f), 'utf8')), signal);
}

async function withPg<T>(url: string, namespace: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const s = await openStore({ kind: 'postgres', url, namespace });
  try { return await fn(s); } finally { await s.close(); }
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** Beads whose work writes the worktree's path (which names the machine) into a file of its own. */
async function fileWork(url: string, n: number, prefix: string, extra = ''): Promise<string[]> {
  return withPg(url, 'demo', async (s) => {
    const ids: string[] = [];
    for (let k = 0; k < n; k++) {
      const description = `Work ${k}.\n\n\`\`\`sh\npwd > ${prefix}-${k}.txt\n${extra}\n\`\`\`\n`;
      ids.push((await s.create({ title: `${prefix} ${k}`, description }, 'overseer')).id);
    }
    return ids;
  });
}

/** Every bead's work (the k-th of ids) on the remote's main exactly once, and which machine's worktree did it. */
function landedOnce(remote: string, ids: string[], prefix: string, only = ids): Record<string, string> {
  const subjects = git(remote, ['log', '--format=%s', 'main']).split('\n');
  const where: Record<string, string> = {};
  for (const [k, id] of ids.entries()) {
    if (!only.includes(id)) continue;
    assert.equal(subjects.filter((s) => s.endsWith(`(${id})`)).length, 1, `${id}'s commit is on main exactly once:\n${subjects.join('\n')}`);
    where[id] = git(remote, ['show', `main:${prefix}-${k}.txt`]).match(/gt-multi-[^/]+\/(m\d)\//)?.[1] ?? '?';
  }
  return where;
}

test('a town shared by two machines: joined, heartbeats in gt status, a 20-bead convoy worked on both and merged exactly once', { skip, timeout: 360_000 }, async () => {
  const t = await sharedTown(['m1', 'm2'], { maxPolecats: 4 });
  try {
    const [m1, m2] = t.machines as [Machine, Machine];
    // town.toml (tracked by the town's git) holds no password; the owner-only pointer does.
    const toml = readFileSync(join(m2.town, 'town.toml'), 'utf8');
    assert.doesNotMatch(toml, /gt-test/);
    assert.equal(statSync(join(m2.town, '.beads', 'store.json')).mode & 0o777, 0o600);
    assert.equal(parse(toml).id, parse(readFileSync(join(m1.town, 'town.toml'), 'utf8')).id, 'one town: one id');
    // Mismatches are refused, changing nothing.
    const again = m1.gt(['install', join(t.dir, 'm3', 'town'), '--store', t.url]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds town .*--join/s);
    assert.equal(existsSync(join(t.dir, 'm3', 'town', 'town.toml')), false);
    const empty = await db.server!.createDatabase();
    const nothing = m1.gt(['install', join(t.dir, 'm4', 'town'), '--store', empty, '--join']);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /there is no town in postgres:\/\/postgres:\*\*\*@.* to join/);
    assert.equal(existsSync(join(t.dir, 'm4', 'town')), false);
    assert.match(m1.gt(['install', join(t.dir, 'm5'), '--join']).stderr, /--join needs --store/);
    const wrongSource = m2.gt(['rig', 'add', 'demo', join(t.dir, 'project')]);
    assert.equal(wrongSource.code, 1);
    assert.match(wrongSource.stderr, /comes from .*remote\.git/);

    const ids = await fileWork(t.url, 20, 'conv');
    startDeacon(m1);
    startDeacon(m2);
    const status = await until('both machines beating', () => {
      const r = m1.gt(['status', '--json']);
      const s = r.code === 0 ? JSON.parse(r.stdout) : undefined;
      return s?.machines?.length === 2 && s.machines.every((m: { alive: boolean }) => m.alive) ? s : undefined;
    }, 30_000);
    assert.deepEqual(status.machines.map((m: { name: string }) => m.name), ['m1', 'm2']);
    assert.equal(status.machine, 'm1');
    assert.match(m2.gt(['status']).stdout, /Machines \(2; this one: m2\):\n\s+m1\s+alive\s+last heartbeat \d+ s ago/);

    const slung = JSON.parse(m1.gt(['sling', ...ids, 'demo', '--json']).stdout);
    assert.equal(slung.hooked.length, 4, "m1's capacity: four polecats now, the rest staged");
    await until('the convoy to land', () => withPg(t.url, 'hq', async (hq) => (await hq.get(slung.convoy))?.status === 'closed'), 300_000);
    // The last merge closes its bead (landing the convoy) just before it records its MR as merged.
    await until('every MR recorded', () => withPg(t.url, 'demo', async (s) => (await s.list({ type: 'merge-request', includeClosed: true })).filter((m) => m.fields.mr_state === 'merged').length === 20), 30_000);

    const where = landedOnce(t.remote, ids, 'conv');
    const counts = Object.values(where).reduce<Record<string, number>>((c, m) => ({ ...c, [m]: (c[m] ?? 0) + 1 }), {});
    assert.ok(counts.m1 && counts.m2, `worked on both machines: ${JSON.stringify(counts)}`);
    await withPg(t.url, 'demo', async (s) => {
      const mrs = await s.list({ type: 'merge-request', includeClosed: true });
      assert.equal(mrs.length, 20, 'one MR per bead');
      assert.ok(mrs.every((m) => m.fields.mr_state === 'merged'), JSON.stringify(mrs.map((m) => m.fields)));
      for (const id of ids) assert.equal((await s.get(id))?.status, 'closed');
    });
    const markers = git(t.remote, ['for-each-ref', '--format=%(refname)', 'refs/gt/merged']).split('\n').filter(Boolean);
    assert.equal(markers.length, 20, 'one landing marker per MR on the remote');
  } finally {
    await t.cleanup();
  }
});

test('32 claimers split across two machines race for one bead, 50 times: one winner each time', { skip, timeout: 120_000 }, async () => {
  const t = await sharedTown(['m1', 'm2']);
  try {
    const ids = await withPg(t.url, 'demo', async (s) => {
      const out: string[] = [];
      for (let r = 0; r < 50; r++) out.push((await s.create({ title: `race ${r}` }, 'overseer')).id);
      return out;
    });
    const idsFile = join(t.dir, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(ids));
    const barrier = join(t.dir, 'barrier');
    mkdirSync(barrier);
    const worker = fileURLToPath(new URL('./support/machine-claimer.js', import.meta.url));
    const results = await Promise.all(t.machines.map((m) => runAsync(worker, [m.town, m.name, '16', idsFile, barrier, 'm1,m2'], { cwd: t.dir, env: m.env })));
    const parsed = results.map((r) => {
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { won: Record<string, string>; lost: number; errors: string[] };
    });
    for (const p of parsed) assert.deepEqual(p.errors, []);
    assert.equal(parsed[0]!.lost + parsed[1]!.lost, 50 * 31, 'every other claim of every round lost');
    await withPg(t.url, 'demo', async (s) => {
      for (const id of ids) {
        const winners = parsed.filter((p) => p.won[id]).map((p) => p.won[id]);
        assert.equal(winners.length, 1, `${id}: one machine's claimer won`);
        assert.equal((await s.mustGet(id)).assignee, winners[0]);
        assert.equal((await s.events(id)).filter((e) => e.event_type === 'claimed').length, 1);
      }
    });
    const byMachine = ids.map((id) => parsed.findIndex((p) => p.won[id]));
    assert.ok(byMachine.includes(0) && byMachine.includes(1), 'both machines won some rounds');
  } finally {
    await t.cleanup();
  }
});

test("SIGKILL of the machine holding the rig's refinery lease mid-merge: the other takes over, main is never half-merged, nothing merges twice", { skip, timeout: 240_000 }, async () => {
  // The test command is slow only while the gate file exists, so the kill lands mid-merge.
  const t = await sharedTown(['m1', 'm2'], { testCmd: 'while [ -e "$HOME/../slow" ]; do sleep 0.2; done; true', maxPolecats: 2 });
  try {
    const [m1, m2] = t.machines as [Machine, Machine];
    writeFileSync(join(t.dir, 'slow'), '');
    const ids = await fileWork(t.url, 4, 'kill');
    // m1 works the beads (m2's deacon starts later), so m1 holds the lease when the first MR tests.
    startDeacon(m1);
    const slung = JSON.parse(m1.gt(['sling', ...ids, 'demo', '--json']).stdout);
    const testing = await until('an MR under test on the lease holder', () => withPg(t.url, 'demo', async (s) =>
      (await s.list({ type: 'merge-request' })).find((m) => m.fields.mr_state === 'testing')), 120_000);
    const mainBefore = git(t.remote, ['rev-parse', 'main']);
    startDeacon(m2);
    await until('m2 beating', () => JSON.parse(m2.gt(['status', '--json']).stdout).machines?.some((m: { name: string; alive: boolean }) => m.name === 'm2' && m.alive), 30_000);
    // m2 cannot take the lease while m1 lives.
    const held = m2.gt(['status', '--json']);
    assert.deepEqual(JSON.parse(held.stdout).machines.find((m: { name: string }) => m.name === 'm1').leases, ['demo']);
    stopMachine(m1, 'SIGKILL');
    const m1Beat = JSON.parse(m2.gt(['status', '--json']).stdout).machines.find((m: { name: string }) => m.name === 'm1').heartbeat_at;
    assert.equal(git(t.remote, ['rev-parse', 'main']), mainBefore, 'the killed landing left main as it was');
    // m1's polecats were killed with it: what they had not handed in stays hooked to m1 (its own
    // deacon resumes it when m1 comes back). Every MR that was filed lands on m2, exactly once.
    execFileSync('rm', ['-f', join(t.dir, 'slow')]);
    const mrSources = () => withPg(t.url, 'demo', async (s) => (await s.list({ type: 'merge-request', includeClosed: true })));
    await until("m2's refinery to land every filed MR", async () => (await mrSources()).every((m) => m.fields.mr_state === 'merged') && (await mrSources()).length > 0, 120_000);
    const mrs = await mrSources();
    assert.ok(mrs.some((m) => m.id === testing.id), 'the MR under test at the kill was landed by m2');
    const filed = mrs.map((m) => m.fields.source_bead as string);
    landedOnce(t.remote, ids, 'kill', filed);
    assert.equal(git(t.remote, ['rev-list', '--count', 'main']), String(1 + filed.length), 'main holds the first commit and each MR once');
    const markers = git(t.remote, ['for-each-ref', '--format=%(refname)', 'refs/gt/merged']).split('\n').filter(Boolean);
    assert.deepEqual(markers.sort(), mrs.map((m) => `refs/gt/merged/${m.id}`).sort());
    const m2log = readFileSync(join(m2.town, 'deacon', 'test-daemon.log'), 'utf8');
    assert.match(m2log, new RegExp(`${testing.id}: was testing when a refinery stopped; queued again`));
    void slung;
    const status = JSON.parse(m2.gt(['status', '--json']).stdout);
    const m1Row = status.machines.find((m: { name: string }) => m.name === 'm1');
    assert.equal(m1Row.heartbeat_at, m1Beat, 'the killed machine beats no more (it shows dead once its heartbeat is older than 30 s)');
    assert.deepEqual(m1Row.leases, [], "the killed machine's lease note went to m2");
  } finally {
    await t.cleanup();
  }
});

test('a machine name a live deacon elsewhere beats under is refused; a stopped one is free again', { skip }, async () => {
  const url = await db.server!.createDatabase();
  const { TownRegistry } = await import('../src/town/registry.js');
  const reg = await TownRegistry.open(url);
  try {
    const beat = { name: 'alpha', host: 'h1', root: '/t1', pid: 1, startedAt: new Date().toISOString(), patrols: 0, maxPolecats: 3 };
    await reg.beat(beat);
    await reg.beat({ ...beat, patrols: 1 }); // the same deacon again
    await assert.rejects(reg.beat({ ...beat, host: 'h2', root: '/t2', pid: 2 }), /machine name "alpha" is in use by a live deacon on h1 \(\/t1\)/);
    await reg.stopped('alpha', 1);
    const [row] = await reg.machines();
    assert.equal(row!.alive, false);
    assert.ok(row!.stopped_at);
    await reg.beat({ ...beat, host: 'h2', root: '/t2', pid: 2 });
    assert.equal((await reg.machines())[0]!.host, 'h2');
  } finally {
    await reg.close();
  }
});

test('a store URL without its password: PGPASSWORD supplies it, and no file of the town holds it', { skip }, async () => {
  const url = new URL(await db.server!.createDatabase());
  const password = decodeURIComponent(url.password);
  url.password = '';
  const { dir, cleanup } = tempDir('gt-multi-pw-');
  try {
    const env = testEnv({ HOME: dir, PGPASSWORD: password, GT_MACHINE: 'solo' });
    const town = join(dir, 'town');
    const r = gt(['install', town, '--store', url.toString(), '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['town.toml', '.beads/store.json']) assert.doesNotMatch(readFileSync(join(town, f), 'utf8'), new RegExp(password), f);
    const s = gt(['status', '--json'], { cwd: town, env: { ...env, GT_TOWN: town } });
    assert.equal(s.code, 0, s.stderr);
    const without = gt(['status'], { cwd: town, env: { ...env, GT_TOWN: town, PGPASSWORD: '' } });
    assert.equal(without.code, 1, 'without the password the server refuses');
    assert.match(without.stderr, /password/);
    assert.doesNotMatch(without.stderr, new RegExp(password));
  } finally {
    cleanup();
  }
});
