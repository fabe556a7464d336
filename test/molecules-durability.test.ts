// The durability proof (Gas Town's Hanoi demo): a polecat with the built-in shell agent walks a
// towers-of-hanoi wisp, one step per move, checking each move is legal against the pegs so far
// before closing it. Its session is killed with SIGKILL (every process of it) at 5 random
// moments; each time the Witness's patrol restarts it on the same hook, and the successor resumes
// from the tracker's state. At the end every step is closed exactly once, in step order, and the
// pegs are solved. Headless sessions, real processes, real SQLite; no model.
//
// 10 disks (1,025 steps) takes minutes here, too long for CI on 2 cores: the default is 6 disks
// (65 steps); GT_HANOI_DISKS=10 runs the full demo. The wall time is printed as a diagnostic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { stringify, parse } from 'smol-toml';
import { makeTown, type TownFixture, sweepTown } from './support/town-fixture.js';
import { sleep, until } from './support/wait.js';
import { hanoiFormula, hanoiMoves, moveTitle, HANOI_WALKER } from './support/hanoi.js';
import { openStore } from '../src/beads/open.js';
import type { Issue, Store } from '../src/beads/api.js';

const DISKS = Number(process.env.GT_HANOI_DISKS || 6);
const STEPS = 2 ** DISKS + 1;
const KILLS = 5;
let f: TownFixture;
let store: Store;

before(async () => {
  f = makeTown({ testCmd: 'true' });
  const path = join(f.town, 'town.toml');
  const cfg = parse(readFileSync(path, 'utf8'));
  writeFileSync(path, stringify({ ...cfg, runtime: { mode: 'headless' }, agents: { default: 'shell' } }));
  const walker = join(f.root, 'hanoi-walker.mjs');
  writeFileSync(walker, HANOI_WALKER);
  mkdirSync(join(f.town, 'formulas'));
  writeFileSync(join(f.town, 'formulas', `hanoi-${DISKS}.formula.toml`), hanoiFormula(DISKS, `hanoi-${DISKS}`, `node '${walker}'`));
  store = await openStore({ kind: 'sqlite', beadsDir: join(f.town, 'demo', '.beads') });
});
after(async () => {
  await store?.close();
  sweepTown(f.town);
  f.cleanup();
});


async function steps(root: string): Promise<Issue[]> {
  return (await store.list({ parent: root, includeEphemeral: true })).sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
}

/** The tail of the polecat sessions' logs (for a failure message). */
function sessionLog(): string {
  const dir = join(f.town, '.runtime', 'sessions');
  return readdirSync(dir).filter((n) => n.endsWith('.log')).map((n) => readFileSync(join(dir, n), 'utf8').split('\n').slice(-15).join('\n')).join('\n---\n');
}

/**
 * SIGKILL a session as a crash would: its process group and every process below it (the shell
 * agent runs its script in a process group of its own, which a group kill would leave running).
 */
function killTree(root: number): void {
  for (let round = 0; round < 3; round++) {
    const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
    const tree = new Set([root]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, ppid] of rows) if (!tree.has(pid!) && tree.has(ppid!)) { tree.add(pid!); grew = true; }
    }
    try { process.kill(-root, 'SIGKILL'); } catch { /* group gone */ }
    let left = 0;
    for (const pid of tree) try { process.kill(pid, 'SIGKILL'); left++; } catch { /* gone */ }
    if (!left) return;
  }
}

function liveSession(agent: string): { pid: number } | undefined {
  const s = f.gtJson(['session', 'list', '--json']).find((x: any) => x.agent === agent && x.alive);
  return s?.pid ? { pid: s.pid } : undefined;
}

test(`durability: a shell polecat walks a ${DISKS}-disk hanoi wisp (${STEPS} steps), SIGKILLed ${KILLS} times, resumed by the witness each time (GT_HANOI_DISKS=10 for the 1,025-step demo)`, { timeout: 60 * 60_000 }, async (t) => {
  const started = Date.now();
  const slung = f.gtJson(['sling', `hanoi-${DISKS}`, 'demo', '--wisp']);
  const root = slung.molecule.root as string;
  const agent = slung.hooked[0].agent as string;
  assert.equal(slung.molecule.steps, STEPS);
  assert.equal(slung.hooked[0].session, 'started');

  // Five distinct random moments, as counts of closed steps, inside the walk (a few steps short of
  // its end, so the kill lands before the last close however busy the machine is).
  const at = new Set<number>();
  while (at.size < KILLS) at.add(1 + Math.floor(Math.random() * (STEPS - 6)));
  const moments = [...at].sort((a, b) => a - b);
  t.diagnostic(`killing at ${moments.join(', ')} closed steps`);
  const closedCount = async () => (await steps(root)).filter((s) => s.status === 'closed').length;
  for (const k of moments) {
    // The session's pid first (it changes only on a restart), so the kill follows the k-th close at once.
    const s = await until('a live session', () => liveSession(agent), 30_000);
    await until(`step ${k} closed`, async () => (await closedCount()) >= k, 20 * 60_000);
    killTree(s.pid);
    assert.ok((await closedCount()) < STEPS, `the kill at ${k} landed before the walk's end`);
    await until('the session to be seen dead', () => (liveSession(agent) ? undefined : true), 30_000);
    // The witness's patrol (what the daemon runs) restarts it once its back-off has passed.
    let last: unknown;
    const restarted = await until('the witness to restart it', async () => {
      const report = f.gtJson(['witness', 'run', 'demo']).find((r: any) => r.agent === agent);
      last = report;
      if (report?.action.kind === 'restart') return report;
      await sleep(400);
      return undefined;
    }, 120_000).catch((e: Error) => {
      throw new Error(`${e.message}; its last report: ${JSON.stringify(last)}; its hook: ${JSON.stringify(f.gtJson(['hook', agent]))}; sessions: ${JSON.stringify(f.gtJson(['session', 'list', '--all', '--json']))}; session log: ${sessionLog()}`);
    });
    assert.equal(restarted.error, undefined, JSON.stringify(restarted));
  }
  const done = await until('every step closed', async () => {
    const all = await steps(root);
    return all.every((s) => s.status === 'closed') ? all : undefined;
  }, 30 * 60_000);
  const wallMs = Date.now() - started;
  // The agent then commits and runs gt done; let it finish before the town is removed.
  await until('the session to end', () => (liveSession(agent) ? undefined : true), 120_000);
  t.diagnostic(`${DISKS} disks, ${STEPS} steps, ${KILLS} SIGKILLs: ${(wallMs / 1000).toFixed(1)} s wall`);

  // Every step closed exactly once, in step order.
  assert.equal(done.length, STEPS);
  const closes: { id: string; at: string; event: number }[] = [];
  for (const s of done) {
    const closeEvents = (await store.events(s.id)).filter((e) => e.event_type === 'closed');
    assert.equal(closeEvents.length, 1, `${s.id} closed ${closeEvents.length} times`);
    closes.push({ id: s.id, at: closeEvents[0]!.created_at, event: closeEvents[0]!.id });
  }
  for (let i = 1; i < closes.length; i++) assert.ok(closes[i]!.event > closes[i - 1]!.event, `${closes[i]!.id} closed after ${closes[i - 1]!.id}`);
  // The steps are the optimal solution, and each was closed as legal with the pegs it left.
  const moves = hanoiMoves(DISKS);
  assert.deepEqual(done.slice(1, -1).map((s) => s.title), moves.map(moveTitle));
  const solved = JSON.stringify({ A: [], B: [], C: Array.from({ length: DISKS }, (_, i) => DISKS - i) });
  assert.equal(done.at(-1)!.close_reason, `legal; ${solved}`);
  assert.equal(done.at(-2)!.close_reason, `legal; ${solved}`);
});
