// The Deacon: the town's patrol loop as one long-running process (`gt daemon`, or in the background
// with `gt up`). It holds the town's deacon lock (one per town), writes a heartbeat every few
// seconds, patrols (witnesses, refineries, convoys) with backoff while idle, and commits the
// town's beads to git every minute. Boot (`gt boot`, e.g. from cron every 5 minutes) checks the
// heartbeat and starts the Deacon again when it died or hangs.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fsx.js';
import { lockHolder, tryPidLock } from '../lib/pidlock.js';
import { isAlive, killGroup, spawnDetached } from '../lib/proc.js';
import { selfArgs } from '../lib/paths.js';
import { TOWN_ENTRIES, type Town } from '../town/town.js';
import { isShared } from '../town/machine.js';

export interface DeaconOptions {
  batch?: number;
  /** Longest idle wait between patrols, seconds. */
  maxDelaySec?: number;
  /** Beads sync interval, seconds (0: never). */
  syncEverySec?: number;
}

export interface Heartbeat {
  pid: number;
  /** When the deacon last proved it is alive and responsive (ISO). */
  at: string;
  started_at: string;
  patrols: number;
  last_error?: string;
}

export interface DeaconState {
  running: boolean;
  pid?: number;
  /** Milliseconds since the last heartbeat (undefined: never beat). */
  heartbeatAgeMs?: number;
  started_at?: string;
  patrols?: number;
  last_error?: string;
  log: string;
}

const HEARTBEAT_MS = 5_000;
/** Boot's default: a running deacon silent this long is hung. */
export const STALE_AFTER_MS = 2 * 60_000;

export function deaconPaths(town: Town) {
  const dir = join(town.root, TOWN_ENTRIES.deacon);
  return { dir, lock: join(dir, 'daemon.lock'), heartbeat: join(dir, 'heartbeat.json'), log: join(dir, 'daemon.log') };
}

function readHeartbeat(path: string): Heartbeat | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Heartbeat;
  } catch {
    return undefined;
  }
}

export function deaconState(town: Town, now = Date.now()): DeaconState {
  const p = deaconPaths(town);
  const pid = lockHolder(p.lock);
  const hb = readHeartbeat(p.heartbeat);
  const mine = hb && hb.pid === pid ? hb : undefined; // a dead predecessor's heartbeat says nothing of this one
  return {
    running: pid !== undefined,
    pid,
    heartbeatAgeMs: mine ? Math.max(0, now - Date.parse(mine.at)) : undefined,
    started_at: mine?.started_at,
    patrols: mine?.patrols,
    last_error: mine?.last_error,
    log: p.log,
  };
}

export type BootAction = { kind: 'ok' } | { kind: 'start'; reason: string } | { kind: 'restart'; reason: string };

/** What Boot does about the deacon it found. Pure. */
export function assessDeacon(s: Pick<DeaconState, 'running' | 'heartbeatAgeMs'>, staleAfterMs = STALE_AFTER_MS): BootAction {
  if (!s.running) return { kind: 'start', reason: 'no deacon is running' };
  if (s.heartbeatAgeMs === undefined) return { kind: 'ok' }; // just started: its first beat is on the way
  if (s.heartbeatAgeMs > staleAfterMs) return { kind: 'restart', reason: `no heartbeat for ${Math.round(s.heartbeatAgeMs / 1000)} s` };
  return { kind: 'ok' };
}

/**
 * Runs the deacon in this process until SIGINT/SIGTERM: the patrol loop with idle backoff, the
 * beads sync, the heartbeat. Refuses (UserError) while another deacon holds the town's lock.
 */
export async function runDeacon(town: Town, opts: DeaconOptions = {}, log: (line: string) => void = () => {}): Promise<void> {
  const p = deaconPaths(town);
  mkdirSync(p.dir, { recursive: true });
  const lock = tryPidLock(p.lock);
  if (!lock || 'holder' in lock) throw new UserError(`a deacon already runs for this town${lock ? ` (pid ${lock.holder})` : ''}`, "see 'gt status'; stop it with 'gt down'");
  const { patrolOnce, nextDelay, IN_FLIGHT_MAX_DELAY_MS } = await import('./patrol.js');
  const { syncTown } = await import('../town/beads-sync.js');
  const hb: Heartbeat = { pid: process.pid, at: new Date().toISOString(), started_at: new Date().toISOString(), patrols: 0 };
  // In a town shared across machines the heartbeat also goes to the town's database, where every
  // machine's `gt status` sees it; a name a live deacon elsewhere uses is refused here, at start.
  let shared: Awaited<ReturnType<typeof import('./machine-beat.js').startMachineBeat>> | undefined;
  try {
    if (isShared(town)) shared = await (await import('./machine-beat.js')).startMachineBeat(town, hb);
  } catch (e) {
    lock.release();
    throw e;
  }
  // The heartbeat has its own timer: a long refinery test run must not look like a hang.
  const beat = () => {
    writeFileAtomic(p.heartbeat, JSON.stringify({ ...hb, at: new Date().toISOString() }));
    shared?.beat();
  };
  beat();
  const beating = setInterval(beat, HEARTBEAT_MS);
  let stop = false;
  let wake: (() => void) | undefined;
  let sleeping: NodeJS.Timeout | undefined;
  const onSignal = () => {
    stop = true;
    clearTimeout(sleeping); // a pending sleep would keep the process alive after the loop ends
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const maxDelayMs = (opts.maxDelaySec ?? 60) * 1000;
  const syncEveryMs = (opts.syncEverySec ?? 60) * 1000;
  let delay = 1000;
  let lastSync = 0;
  try {
    while (!stop) {
      // A shared town: adopt dead machines' work, retire this machine's adopted leftovers, detach removed rigs.
      if (shared) {
        const { sharedTownUpkeep } = await import('../work/adopt.js');
        const u = await sharedTownUpkeep(town, shared.registry, (l) => log(`${new Date().toISOString()} ${l}`));
        for (const e of u.errors) log(`${new Date().toISOString()} shared town upkeep failed: ${e}`);
      }
      try {
        const r = await patrolOnce(town, { batch: opts.batch, log: (l) => log(`  ${l}`) });
        for (const c of await (await import('../work/molecules.js')).checkTownGates(town, 'deacon')) log(`${new Date().toISOString()} gate ${c.id} (${c.rig}, ${c.type}) ${c.action}: ${c.detail.split('\n').pop()}`);
        hb.patrols++;
        hb.last_error = r.errors.map((e) => `${'rig' in e ? e.rig : e.convoy} ${e.phase}: ${e.message}`).join('; ') || undefined;
        if (hb.last_error) log(`${new Date().toISOString()} patrol errors: ${hb.last_error}`);
        if (r.busy) log(`${new Date().toISOString()} patrol: ${r.witness.length} witness actions, ${r.refinery.reduce((n, x) => n + x.merged.length, 0)} merged, ${r.landed.length} convoys landed`);
        delay = nextDelay(delay, r.busy, 1000, r.inFlight ? Math.min(maxDelayMs, IN_FLIGHT_MAX_DELAY_MS) : maxDelayMs);
      } catch (e) {
        // One bad patrol (a broken rig config, a full disk) must not end the town's supervision.
        hb.last_error = (e as Error).message;
        log(`${new Date().toISOString()} patrol failed: ${hb.last_error}`);
        delay = nextDelay(delay, false, 1000, maxDelayMs);
      }
      // The beads sync is not the patrol's: whatever the patrol hit, the town's beads still reach git.
      if (syncEveryMs > 0 && Date.now() - lastSync >= syncEveryMs) {
        lastSync = Date.now();
        try {
          // One machine of a shared town syncs: whoever holds the town's beads-sync lease.
          const mine = !shared || (await shared.syncLease());
          for (const x of mine ? await syncTown(town) : []) {
            const warning = x.error ?? x.report?.remoteError;
            if (warning) log(`${new Date().toISOString()} beads sync ${x.name}: ${warning}`);
          }
        } catch (e) {
          log(`${new Date().toISOString()} beads sync failed: ${(e as Error).message}`);
        }
      }
      beat();
      if (!stop) await new Promise<void>((res) => { wake = res; sleeping = setTimeout(res, delay); });
    }
  } finally {
    clearInterval(beating);
    await shared?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    lock.release();
  }
}

/** Starts the deacon in the background (idempotent); resolves once its first heartbeat is written. */
export async function startDeacon(town: Town, opts: DeaconOptions = {}): Promise<{ pid: number; started: boolean; log: string }> {
  const p = deaconPaths(town);
  const running = lockHolder(p.lock);
  if (running) return { pid: running, started: false, log: p.log };
  mkdirSync(p.dir, { recursive: true });
  const args = [...selfArgs('gt'), 'daemon', '--sync-every', String(opts.syncEverySec ?? 60), '--max-delay', String(opts.maxDelaySec ?? 60)];
  if (opts.batch) args.push('--batch', String(opts.batch));
  const logStart = existsSync(p.log) ? statSync(p.log).size : 0;
  const pid = spawnDetached(process.execPath, args, { cwd: town.root, env: { ...process.env, GT_TOWN: town.root }, logFile: p.log });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const hb = readHeartbeat(p.heartbeat);
    if (hb?.pid === pid && lockHolder(p.lock) === pid) return { pid, started: true, log: p.log };
    if (!isAlive(pid)) {
      const said = readFileSync(p.log, 'utf8').slice(logStart).trim().split('\n').pop() ?? '';
      throw new UserError(`the deacon exited at once${said ? `: ${said}` : ''}`, `see ${p.log}`);
    }
    if (Date.now() > deadline) throw new UserError(`the deacon (pid ${pid}) did not start within 15 s`, `see ${p.log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops the background deacon: TERM, up to 10 s to finish its patrol, then KILL. Idempotent. */
export async function stopDeacon(town: Town): Promise<{ pid?: number; stopped: boolean }> {
  const pid = lockHolder(deaconPaths(town).lock);
  if (!pid) return { stopped: false };
  killGroup(pid, 'SIGTERM');
  killGroup(pid, 'SIGCONT'); // a stopped (hung, ^Z'd) deacon must run to act on the TERM
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) killGroup(pid, 'SIGKILL');
  return { pid, stopped: true };
}

/** One Boot check: start the deacon if none runs, restart a hung one. */
export async function bootCheck(town: Town, opts: { staleAfterMs?: number } & DeaconOptions = {}): Promise<BootAction & { pid?: number }> {
  const action = assessDeacon(deaconState(town), opts.staleAfterMs);
  if (action.kind === 'ok') return { ...action, pid: deaconState(town).pid };
  if (action.kind === 'restart') await stopDeacon(town);
  const { pid } = await startDeacon(town, opts);
  return { ...action, pid };
}
