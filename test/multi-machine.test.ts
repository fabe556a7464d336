// One town, several machines, on this box: each "machine" is its own town directory (joined with
// `gt install --join`), its own GT_MACHINE name, its own deacon process and headless sessions; all
// share one PostgreSQL database (the beads, the machines' heartbeats, the refinery leases) and one
// bare git repository, the rig's remote, through which code moves (gt done pushes the branch; the
// refinery holding the rig's lease fetches it and lands with one atomic push). Shell agents.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { gt, gtBin, runAsync, tempDir, testEnv, type CliResult } from './support/cli.js';
import { makeProject } from './support/town-fixture.js';
import { postgresServer } from './support/postgres.js';
import { until } from './support/wait.js';
import { reapUnder } from './support/reap.js';
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
async function sharedTown(names: string[], opts: { testCmd?: string; maxPolecats?: number; machines?: Record<string, number> } = {}): Promise<Shared> {
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
    writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'headless' }, agents: { default: 'shell' }, max_polecats: opts.maxPolecats ?? 3, ...(opts.machines ? { machines: opts.machines } : {}) }));
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
function startDeacon(m: Machine, syncEverySec = 0): void {
  const log = openSync(join(m.town, 'deacon', 'test-daemon.log'), 'a');
  m.deacon = spawn(process.execPath, [gtBin, 'daemon', '--machine', m.name, '--max-delay', '1', '--sync-every', String(syncEverySec), '--batch', '4'], { cwd: m.town, env: m.env, detached: true, stdio: ['ignore', log, log] });
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

test("a dead machine's hooked bead: adopted once by the live machine, which lands it on the dead one's pushed work; the dead machine, back, retires its leftover; closed MRs' markers pruned", { skip, timeout: 360_000 }, async (ctx) => {
  const t = await sharedTown(['m1', 'm2'], { maxPolecats: 2, machines: { adopt_after_sec: 30, merged_marker_keep_sec: 0 } });
  try {
    const [m1, m2] = t.machines as [Machine, Machine];
    const go = join(t.dir, 'go');
    // The work pushes a first part to the remote (once), then waits for the gate: m1's polecat dies waiting.
    const script = [
      'if [ ! -e partial-0.txt ]; then',
      '  pwd > partial-0.txt',
      '  git add partial-0.txt && git -c user.name=p -c user.email=p@x commit -q -m "partial work"',
      `  git push -q ${t.remote} "HEAD:refs/heads/$(git symbolic-ref --short HEAD)"`,
      'fi',
      `while [ ! -e ${go} ]; do sleep 0.2; done`,
      'pwd > adopt-0.txt',
    ].join('\n');
    const id = await withPg(t.url, 'demo', async (s) => (await s.create({ title: 'adopt 0', description: `Adoptable.\n\n\`\`\`sh\n${script}\n\`\`\`\n` }, 'overseer')).id);
    // Both deacons try the beads sync every 2 s: only the holder of the town's sync lease runs it.
    const syncs = (m: Machine) => Object.fromEntries(JSON.parse(m.gt(['status', '--json']).stdout).machines.map((r: { name: string; beads_sync: boolean }) => [r.name, r.beads_sync]));
    startDeacon(m1, 2);
    const slung = JSON.parse(m1.gt(['sling', id, 'demo', '--json']).stdout);
    assert.equal(slung.hooked.length, 1);
    const holder = await until("m1's polecat to push its first part", () => withPg(t.url, 'demo', async (s) => {
      const b = await s.get(id);
      const branch = `polecat/${String(b?.assignee ?? '').split('/').pop()}/${id}`;
      const r = execFileSync('git', ['for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`], { cwd: t.remote, encoding: 'utf8' }).trim();
      return r ? { agent: b!.assignee!, branch, partial: r } : undefined;
    }), 120_000);
    startDeacon(m2, 2);
    await until('m2 beating', () => JSON.parse(m2.gt(['status', '--json']).stdout).machines?.some((m: { name: string; alive: boolean }) => m.name === 'm2' && m.alive), 30_000);
    await until('m1 to show as the beads syncer', () => syncs(m2).m1 || undefined, 30_000);
    await new Promise((r) => setTimeout(r, 6000)); // m2 tried the lease at least twice meanwhile, and beat since
    assert.deepEqual(syncs(m2), { m1: true, m2: false }, 'one machine syncs the beads');
    // The machine is gone: its deacon, its polecat's session and every process under its directory, at once.
    stopMachine(m1, 'SIGKILL');
    reapUnder(join(t.dir, 'm1') + '/');
    const killedAt = Date.now();
    writeFileSync(go, '');

    const { withRegistry } = await import('../src/town/registry.js');
    await until('the adoption', () => withRegistry(t.url, async (reg) => !!(await reg.machines()).find((m) => m.name === 'm1')?.adopted[0]?.done_at), 240_000);
    const adoptedAt = Date.now();
    await until('the adopted bead to land', () => withPg(t.url, 'demo', async (s) => (await s.get(id))?.status === 'closed'), 240_000);
    ctx.diagnostic(`kill -> adopted ${((adoptedAt - killedAt) / 1000).toFixed(1)} s (adopt_after_sec 30); kill -> landed ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
    const where = landedOnce(t.remote, [id], 'adopt');
    assert.equal(where[id], 'm2', 'the live machine did the rest of the work');
    assert.match(git(t.remote, ['show', 'main:partial-0.txt']), /\/m1\//, "the dead machine's pushed part is in what landed");
    assert.equal(git(t.remote, ['merge-base', '--is-ancestor', holder.partial, 'main']) , '', "m1's pushed commit is on main");
    await withPg(t.url, 'demo', async (s) => {
      const released = (await s.events(id)).filter((e) => e.event_type === 'commented' && /^Released from/.test(e.comment ?? ''));
      assert.equal(released.length, 1, 'released exactly once');
      assert.match(released[0]!.comment!, /machine m1 is dead .*adopted by m2/);
    });
    await withPg(t.url, 'hq', async (hq) => {
      const mail = (await hq.list({ type: 'message', includeClosed: true })).filter((m) => m.title === `Adopted ${id} from dead machine m1`);
      assert.equal(mail.length, 1, 'the Mayor was told once');
    });
    const status = await until('gt status to show m1 dead with its adopted bead', () => {
      const r = m2.gt(['status']);
      return /\n\s+m1\s+DEAD\s/.test(r.stdout) ? r.stdout : undefined;
    }, 60_000);
    assert.match(status, new RegExp(`adopted by m2: ${id} from ${holder.agent.replace(/\//g, '\\/')} \\(open again for a live machine\\)`));
    const row = JSON.parse(m2.gt(['status', '--json']).stdout).machines.find((m: { name: string }) => m.name === 'm1');
    assert.equal(row.adopted.length, 1);
    assert.equal(row.adopted[0].adopted_by, 'm2');
    await until('m2 to take the beads sync over from the dead machine', () => syncs(m2).m2 || undefined, 30_000);
    assert.equal(syncs(m2).m1, false);
    // merged_marker_keep_sec = 0: the lease holder prunes the closed MR's marker on its next drain.
    await until('the merge marker pruned', () => git(t.remote, ['for-each-ref', 'refs/gt/merged']) === '' || undefined, 60_000);

    // m1 comes back under its name: its leftover worktree (nothing unmerged on it) goes, its session is not restarted.
    const leftover = join(m1.town, 'demo', 'polecats', holder.agent.split('/').pop()!);
    assert.ok(existsSync(leftover), "the dead machine's worktree is still there");
    startDeacon(m1, 2);
    const retired = await until('m1 to retire its leftover', () => {
      const r = JSON.parse(m1.gt(['status', '--json']).stdout).machines.find((m: { name: string }) => m.name === 'm1');
      return r?.adopted[0]?.retired_at ? r.adopted[0] : undefined;
    }, 60_000);
    assert.match(retired.retire_note, /removed \(nothing unmerged/);
    assert.equal(existsSync(leftover), false);
    const sessions = join(m1.town, '.runtime', 'sessions');
    const live = existsSync(sessions) ? readdirSync(sessions).filter((f) => f.endsWith('.pid')).filter((f) => {
      try { process.kill(Number(readFileSync(join(sessions, f), 'utf8')), 0); return true; } catch { return false; }
    }) : [];
    assert.deepEqual(live, [], 'no session of the adopted polecat runs on m1');
    assert.deepEqual(syncs(m1), { m1: false, m2: true }, 'back, m1 leaves the beads sync to m2');
  } finally {
    await t.cleanup();
  }
});

test('two live machines race to adopt one bead of a dead machine, 20 times: one winner each time; a machine that beats again is not adopted from', { skip }, async () => {
  const url = await db.server!.createDatabase();
  const { TownRegistry } = await import('../src/town/registry.js');
  const regs = [await TownRegistry.open(url), await TownRegistry.open(url)];
  try {
    const beat = { name: 'dead', host: 'h', root: '/t', pid: 1, startedAt: new Date().toISOString(), patrols: 0, maxPolecats: 3 };
    await regs[0]!.beat(beat);
    const key = (k: number) => ({ machine: 'dead', agent: 'demo/polecats/nux', bead: `demo-${k}`, branch: `polecat/nux/demo-${k}` });
    assert.equal(await regs[0]!.claimAdoption(key(0), 'a', 30), false, 'a machine that just beat is alive');
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`UPDATE gt_town.machines SET heartbeat_at = now() - interval '1 minute'`);
    await c.end();
    for (let k = 0; k < 20; k++) {
      const wins = await Promise.all([0, 1, 2, 3].map((i) => regs[i % 2]!.claimAdoption(key(k), i % 2 ? 'b' : 'a', 30)));
      assert.equal(wins.filter(Boolean).length, 1, `round ${k}: one winner`);
      await regs[0]!.finishAdoption(key(k), true);
      assert.equal(await regs[1]!.claimAdoption(key(k), 'b', 30), false, 'a finished adoption is never claimed again');
    }
    const [row] = await regs[0]!.machines();
    assert.equal(row!.adopted.length, 20);
    await regs[0]!.beat(beat); // it is back
    assert.equal(await regs[0]!.claimAdoption(key(99), 'a', 30), false);
    assert.equal((await regs[0]!.toRetire('dead')).length, 20, 'the machine back finds what to retire');
    await regs[0]!.retired(key(0), 'worktree removed');
    assert.equal((await regs[0]!.toRetire('dead')).length, 19);
    // It dies again while the same polecat holds the same bead again: a new adoption, once.
    const c2 = new pg.Client({ connectionString: url });
    await c2.connect();
    await c2.query(`UPDATE gt_town.machines SET heartbeat_at = now() - interval '1 minute'`);
    await c2.end();
    const again = await Promise.all([0, 1, 2, 3].map((i) => regs[i % 2]!.claimAdoption(key(0), 'b', 30)));
    assert.equal(again.filter(Boolean).length, 1);
    assert.equal(await regs[0]!.claimAdoption(key(1), 'b', 30), false, 'one not retired stays adopted');
  } finally {
    for (const r of regs) await r.close();
  }
});

test('gt rig remove in a shared town: the registry forgets the rig, the other machine detaches it, a joining machine does not attach it', { skip, timeout: 180_000 }, async () => {
  const t = await sharedTown(['m1', 'm2']);
  try {
    const [m1, m2] = t.machines as [Machine, Machine];
    startDeacon(m2);
    await until('m2 beating', () => JSON.parse(m2.gt(['status', '--json']).stdout).machines?.some((m: { name: string; alive: boolean }) => m.name === 'm2' && m.alive), 30_000);
    const r = m1.gt(['rig', 'remove', 'demo', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(join(m1.town, 'demo')), false);
    const { withRegistry } = await import('../src/town/registry.js');
    assert.deepEqual(await withRegistry(t.url, (reg) => reg.rigs()), [], 'no machine sees the rig in the town record');
    await until("m2's deacon to detach the rig", () => !existsSync(join(m2.town, 'demo')) || undefined, 60_000);
    assert.match(readFileSync(join(m2.town, 'deacon', 'test-daemon.log'), 'utf8'), /rig demo was removed from the town by another machine: detached here/);
    const list = JSON.parse(m2.gt(['rig', 'list', '--json']).stdout);
    assert.deepEqual(list.map((x: { name: string }) => x.name), []);
    const m3 = join(t.dir, 'm3');
    mkdirSync(m3);
    const env = testEnv({ HOME: m3, GT_MACHINE: 'm3' });
    const joined = gt(['install', join(m3, 'town'), '--store', t.url, '--join', '--json'], { cwd: m3, env });
    assert.equal(joined.code, 0, joined.stderr);
    assert.deepEqual(JSON.parse(joined.stdout).attached, []);
    // Added again, it is the town's again.
    const again = m1.gt(['rig', 'add', 'demo', t.remote, '--push', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await withRegistry(t.url, (reg) => reg.rigs())).map((x) => x.name), ['demo']);
  } finally {
    await t.cleanup();
  }
});

test("the town's beads-sync lease: one holder among machines; it passes on when the holder's connection dies", { skip }, async () => {
  const url = await db.server!.createDatabase();
  const { TownLease } = await import('../src/town/registry.js');
  const [a, b, c] = [new TownLease(url, 'beads-sync'), new TownLease(url, 'beads-sync'), new TownLease(url, 'beads-sync')];
  try {
    const first = await Promise.all([a.held(), b.held(), c.held()]);
    assert.equal(first.filter(Boolean).length, 1, 'one machine syncs');
    const holder = [a, b, c][first.indexOf(true)]!;
    assert.equal(await holder.held(), true, 'the holder keeps it');
    // The holder's machine dies: the server ends its connection, and the lock goes with it.
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`);
    await admin.end();
    const others = [a, b, c].filter((x) => x !== holder);
    const next = await until('another machine to take the lease', async () => {
      const got = await Promise.all(others.map((x) => x.held()));
      return got.some(Boolean) ? got : undefined;
    }, 10_000);
    assert.equal(next.filter(Boolean).length, 1);
    assert.equal(await holder.held(), false, 'the old holder finds it lost and taken');
  } finally {
    for (const x of [a, b, c]) await x.release();
  }
});

test("two live machines' deacons adopt the same dead machine's polecat at the same moment: its bead is released once, the Mayor told once", { skip, timeout: 180_000 }, async () => {
  const t = await sharedTown(['m1', 'm2', 'm3'], { machines: { adopt_after_sec: 30 } });
  try {
    const [m1, m2, m3] = t.machines as [Machine, Machine, Machine];
    const id = await withPg(t.url, 'demo', async (s) => (await s.create({ title: 'held', description: `Held.\n\n\`\`\`sh\nwhile [ ! -e ${join(t.dir, 'never')} ]; do sleep 0.5; done\n\`\`\`\n` }, 'overseer')).id);
    const slung = JSON.parse(m1.gt(['sling', id, 'demo', '--json']).stdout);
    const agent = slung.hooked[0].agent as string;
    // m1 beat once (its deacon), then died whole an hour ago, as far as the town can tell.
    const { TownRegistry } = await import('../src/town/registry.js');
    const reg = await TownRegistry.open(t.url);
    try {
      await reg.beat({ name: 'm1', host: 'h1', root: m1.town, pid: 1, startedAt: new Date().toISOString(), patrols: 1, maxPolecats: 3 });
      stopMachine(m1, 'SIGKILL');
      reapUnder(join(t.dir, 'm1') + '/');
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: t.url });
      await c.connect();
      await c.query(`UPDATE gt_town.machines SET heartbeat_at = now() - interval '1 hour' WHERE name = 'm1'`);
      await c.end();
      const barrier = join(t.dir, 'adopt-barrier');
      mkdirSync(barrier);
      const worker = fileURLToPath(new URL('./support/machine-adopter.js', import.meta.url));
      const results = await Promise.all([m2, m3].map((m) => runAsync(worker, [m.town, m.name, barrier, 'm2,m3'], { cwd: t.dir, env: m.env })));
      const parsed = results.map((r) => {
        assert.equal(r.code, 0, r.stderr);
        const p = JSON.parse(r.stdout) as { adopted: { bead: string; agent: string; reopened: boolean }[]; error?: string };
        assert.equal(p.error, undefined);
        return p;
      });
      const all = parsed.flatMap((p) => p.adopted);
      assert.deepEqual(all.map((a) => [a.bead, a.agent, a.reopened]), [[id, agent, true]], 'one machine adopted it');
      await withPg(t.url, 'demo', async (s) => {
        const b = await s.mustGet(id);
        assert.equal(b.status, 'open');
        assert.equal(b.assignee ?? null, null);
        assert.equal((await s.events(id)).filter((e) => e.event_type === 'commented' && /^Released from/.test(e.comment ?? '')).length, 1);
      });
      await withPg(t.url, 'hq', async (hq) => {
        assert.equal((await hq.list({ type: 'message', includeClosed: true })).filter((m) => m.title === `Adopted ${id} from dead machine m1`).length, 1);
      });
      const [row] = (await reg.machines()).filter((m) => m.name === 'm1');
      assert.equal(row!.adopted.length, 1);
      assert.ok(row!.adopted[0]!.done_at);
      assert.equal(row!.alive, false);
      // Adopted once: a later pass of either machine adopts nothing more.
      rmSync(barrier, { recursive: true });
      mkdirSync(barrier);
      const again = await runAsync(worker, [m2.town, 'm2', barrier, 'm2'], { cwd: t.dir, env: m2.env });
      assert.deepEqual(JSON.parse(again.stdout).adopted, []);
      // m2 slings it: the first free name is the dead polecat's, so the identity is m2's now. A
      // leftover session of m1 handing in under that name is refused, changing nothing.
      const reslung = JSON.parse(m2.gt(['sling', id, 'demo', '--json']).stdout);
      assert.equal(reslung.hooked[0].agent, agent);
      const leftover = gt(['done'], { cwd: m1.town, env: { ...m1.env, GT_AGENT: agent } });
      assert.equal(leftover.code, 1);
      assert.match(leftover.stderr, new RegExp(`${agent} runs on machine m2, not this one \\(m1\\): its work was adopted there`));
      await withPg(t.url, 'demo', async (s) => {
        assert.equal((await s.mustGet(id)).assignee, agent);
        assert.deepEqual(await s.list({ type: 'merge-request', includeClosed: true }), []);
      });
    } finally {
      await reg.close();
    }
  } finally {
    await t.cleanup();
  }
});
