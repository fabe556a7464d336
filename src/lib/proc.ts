// The one module that spawns processes. Everything else (git, tmux, agents, test commands) goes
// through run() or spawnDetached(), so timeouts, env handling and error shapes are uniform.
import type { SpawnOptions } from 'node:child_process';
import { builtin } from './builtin.js';
import { openSync, closeSync, accessSync, constants, existsSync } from 'node:fs';
import { UserError } from './errors.js';
import { terminateGroup } from './terminate.js';
import { SESSION_MARK } from './proctree.js';

// Required on first use: the store imports this module for isAlive, and a short bd command never spawns.
const cp = () => builtin<typeof import('node:child_process')>('node:child_process');

// Process termination is its own module; the signal helper is re-exported for existing callers.
export { killGroup } from './terminate.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Milliseconds before the whole process group is ended (terminateGroup: SIGTERM, grace, SIGKILL). */
  timeoutMs?: number;
  /** Told the child's pid (= its process group id: it runs detached) as soon as it is spawned. */
  onSpawn?: (pgid: number) => void;
  /** Keep only the last N bytes of stdout/stderr (test output can be huge). */
  maxOutput?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/**
 * After the process exits, its pipes are read until they close, or until they stay quiet this
 * long: a background process it left holding them (`daemon &`) must not keep the caller waiting
 * until that process ends. Output keeps being read while it flows, up to DRAIN_MAX_MS.
 */
const DRAIN_QUIET_MS = 100;
const DRAIN_MAX_MS = 2000;

/** Runs a command to completion asynchronously. Never throws for a non-zero exit; check `code`. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const max = opts.maxOutput ?? 4 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = cp().spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills the whole tree
    });
    if (child.pid) opts.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    const keep = (s: string, chunk: string) => {
      const next = s + chunk;
      return next.length > max ? next.slice(next.length - max) : next;
    };
    // Decoded as a stream, so a multi-byte character split across chunks stays whole.
    let heard = 0; // chunks read so far (the drain waits while they keep coming)
    child.stdout!.setEncoding('utf8').on('data', (c: string) => { stdout = keep(stdout, c); heard++; });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr = keep(stderr, c); heard++; });
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true;
        if (child.pid) void terminateGroup(child.pid, 2000);
      }, opts.timeoutMs);
    }
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      child.stdout!.destroy(); // stop reading pipes a leftover background process still holds
      child.stderr!.destroy();
      resolve({ code, signal, stdout, stderr, timedOut, durationMs: Date.now() - started });
    };
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      const exited = Date.now();
      let seen = heard;
      let drain: NodeJS.Timeout;
      const check = () => {
        if (heard !== seen && Date.now() - exited < DRAIN_MAX_MS) {
          seen = heard;
          drain = setTimeout(check, DRAIN_QUIET_MS);
        } else setImmediate(() => finish(code, signal)); // after one more poll of the pipes
      };
      drain = setTimeout(check, DRAIN_QUIET_MS);
      child.once('close', () => {
        clearTimeout(drain);
        finish(code, signal);
      });
    });
    if (opts.input !== undefined) {
      // A child that exits without reading its input closes the pipe: EPIPE is its choice, not our crash.
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }
  });
}

/** Synchronous variant for short commands on the CLI hot path (git rev-parse and the like). */
export function runSync(cmd: string, args: string[], opts: RunOptions = {}): RunResult {
  const started = Date.now();
  const r = cp().spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs,
    maxBuffer: opts.maxOutput ?? 64 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw r.error;
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
    durationMs: Date.now() - started,
  };
}

/**
 * Starts a process that outlives us (headless agents, daemons), output appended to logFile. It
 * does not carry the session mark of an agent session it was started from: a deacon or a flusher
 * started by an agent is not that agent's to take down when its session ends (proctree.ts).
 */
export function spawnDetached(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string }): number {
  const fd = openSync(opts.logFile, 'a');
  try {
    const env = { ...(opts.env ?? process.env) };
    delete env[SESSION_MARK];
    const so: SpawnOptions = { cwd: opts.cwd, env, detached: true, stdio: ['ignore', fd, fd] };
    const child = cp().spawn(cmd, args, so);
    // A failed start (ENOENT, EACCES) is also emitted as 'error' later; unheard, it would crash us.
    child.once('error', () => {});
    child.unref();
    if (child.pid === undefined) {
      const why = !existsSync(opts.cwd ?? '.') ? `its directory ${opts.cwd} does not exist` : `${cmd} was not found or is not executable`;
      throw new UserError(`cannot start ${cmd}: ${why}`, 'check the command and PATH');
    }
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Finds an executable on PATH (like `which`), or undefined. */
export function which(name: string, path = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return name;
  for (const dir of path.split(':')) {
    if (!dir) continue;
    const full = `${dir}/${name}`;
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch { /* not here */ }
  }
  return undefined;
}

/** Runs a command on our own terminal (e.g. tmux attach): stdio inherited; returns the exit code. */
export function runOnTerminal(cmd: string, args: string[]): number {
  return cp().spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;
}
