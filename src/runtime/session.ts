// Session providers: where an agent process lives. Two implementations with one contract (and one
// conformance suite, test/runtime-session.test.ts): tmux (interactive, one server per town) and
// headless (detached process group, output to a log file, exit status to a file).
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as tmux from '../lib/tmux.js';
import { spawnDetached, isAlive } from '../lib/proc.js';
import { SESSION_MARK, terminateTree, terminateTreeSync, treeOf } from '../lib/proctree.js';
import { UserError } from '../lib/errors.js';
import { sleepSync } from '../lib/time.js';

export type SessionMode = 'tmux' | 'headless';

export interface SessionSpec {
  name: string;
  cwd: string;
  /** The complete environment of the agent process (nothing else leaks in). */
  env: Record<string, string>;
  argv: string[];
}

export interface SessionInfo {
  name: string;
  mode: SessionMode;
  pid?: number;
  alive: boolean;
  /** Set once the process has exited. */
  exitStatus?: number;
  startedAt?: string;
  /** When the agent last printed anything (tmux: the pane's last output; headless: the log's mtime), ms since the epoch. */
  activityAt?: number;
}

export interface SessionProvider {
  readonly mode: SessionMode;
  start(spec: SessionSpec): SessionInfo;
  get(name: string): SessionInfo | undefined;
  list(): SessionInfo[];
  /** Last `lines` lines of what the agent printed (tmux: the screen; headless: the log). */
  capture(name: string, lines?: number): string;
  /** Types text into the session, then Enter unless enter is false. Headless sessions have no input: UserError. */
  send(name: string, text: string, enter?: boolean): void;
  /**
   * Ends the session: its whole process tree (its group, every descendant and the groups they
   * started, and every process still carrying this instance's mark) gets TERM, up to 3 s to exit,
   * then KILL; resolves once all of it is gone (so a caller recording the end never records a live
   * agent dead, and no old worker runs on beside a replacement). Idempotent.
   */
  stop(name: string): Promise<void>;
  /**
   * Ends this session instance after delaySec from a detached helper (for a session ending
   * itself). A newer session that took the same name meanwhile is left alone. Only the session's
   * own process group is ended: the tree is stop()'s (launch.ts endOwnSession uses it when it can).
   */
  stopSoon(name: string, delaySec?: number): void;
  /** The mark of the session's latest instance (SESSION_MARK in its processes' environment). */
  instance(name: string): string | undefined;
}

/** Quotes one word for sh: the shell reads it back exactly, whatever it holds. */
function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The launch script of a tmux session: sets exactly spec.env, deletes itself (sh already has it
 * open), runs the agent, then prints the status as its last words. It is run as
 * `env -i /bin/sh <file>`, so the environment (API keys, tokens) never appears on a command line:
 * the tmux server keeps the argv of the client that started it for its whole life, and `ps` shows
 * every argv to every local user. Nor do the agent's arguments pass through tmux's own parsing.
 * Every value is quoted for sh, so `;`, quotes, `$`, backticks and newlines arrive exactly. Pure.
 */
export function launchScript(spec: Pick<SessionSpec, 'env' | 'argv'>): string {
  const lines = ['rm -f -- "$0"'];
  for (const [k, v] of Object.entries(spec.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new UserError(`environment variable name '${k}' is not valid`, 'use letters, digits and _ only (agents.custom.<name>.env in town.toml or rig.toml)');
    lines.push(`export ${k}=${shQuote(v)}`);
  }
  lines.push(`${spec.argv.map(shQuote).join(' ')}`, 's=$?', 'printf \'\\n[gt: exited with status %s]\\n\' "$s"', 'exit "$s"');
  return lines.join('\n') + '\n';
}

/** The wrapper's last words in a tmux pane (see start). */
const EXIT_LINE = /\[gt: exited with status (\d+)\]/;

/**
 * Sessions in a tmux server. launchDir holds launch scripts (mode 0600, in a 0700 directory) for
 * the moment between writing one and the session's shell reading and deleting it.
 */
export function tmuxProvider(socket: string, launchDir: string): SessionProvider {
  // tmux 3.3 under load sometimes marks a pane dead without ever filling pane_dead_status, so the
  // wrapper also prints the status as its last words; read it from the screen when tmux lacks it.
  const statusOf = (s: tmux.TmuxSession): number | undefined => {
    if (!s.dead) return undefined;
    if (s.exitStatus !== undefined) return s.exitStatus;
    let screen: string;
    try {
      screen = tmux.capturePane(socket, s.name, 200);
    } catch {
      return undefined; // reaped since it was listed: nothing left to read
    }
    const m = EXIT_LINE.exec(screen);
    return m ? Number(m[1]) : undefined;
  };
  const info = (s: tmux.TmuxSession): SessionInfo => ({
    name: s.name, mode: 'tmux', pid: s.panePid, alive: !s.dead, exitStatus: statusOf(s),
    startedAt: new Date(s.created * 1000).toISOString(),
    activityAt: s.activity ? s.activity * 1000 : undefined,
  });
  return {
    mode: 'tmux',
    start(spec) {
      if (!tmux.tmuxAvailable()) throw new tmux.TmuxMissingError();
      const existing = tmux.getSession(socket, spec.name);
      if (existing && !existing.dead) throw new UserError(`session ${spec.name} is already running`, `stop it first: gt session kill ${spec.name}`);
      if (existing) tmux.killSession(socket, spec.name); // a dead pane left by remain-on-exit
      endLeftovers(launchDir, spec.name); // and whatever its agent left running
      const script = writeLaunchScript(launchDir, { ...spec, env: { ...spec.env, [SESSION_MARK]: newInstance(launchDir, spec.name) } });
      try {
        tmux.newSession(socket, { name: spec.name, cwd: spec.cwd, command: ['env', '-i', '/bin/sh', script] });
      } catch (e) {
        rmSync(script, { force: true });
        throw e;
      }
      const s = tmux.getSession(socket, spec.name);
      return s ? info(s) : { name: spec.name, mode: 'tmux', alive: false };
    },
    get(name) {
      const s = tmux.getSession(socket, name);
      return s && info(s);
    },
    list: () => tmux.listSessions(socket).map(info),
    capture(name, lines = 50) {
      if (!tmux.hasSession(socket, name)) throw new UserError(`no session named ${name}`, 'list sessions with: gt session list');
      // tmux can mark a pane dead before it has drawn the last output read from the pty; the
      // wrapper's exit line comes last, so once it shows, everything before it does too.
      let raw = tmux.capturePane(socket, name, lines);
      // Under heavy load (a load average of 30 on 2 cores) that took over 3 s once: wait up to 10.
      // A wrapper killed by a signal never prints that line: waiting for it made every patrol
      // that met a SIGKILLed session 10 s slower per session.
      const drawing = () => { const s = tmux.getSession(socket, name); return !!s?.dead && !s.deadSignal; };
      for (let i = 0; i < 200 && !EXIT_LINE.test(raw) && drawing(); i++) {
        sleepSync(50);
        raw = tmux.capturePane(socket, name, lines);
      }
      // A dead pane shows its output, blank rows, then tmux's "Pane is dead" line: keep the output.
      const screen = raw.replace(/\n\s*\n(Pane is dead[^\n]*)\n?$/, '\n$1\n');
      return lastLines(screen, lines);
    },
    send(name, text, enter = true) {
      const s = tmux.getSession(socket, name);
      if (!s || s.dead) throw new UserError(`session ${name} is not running`, 'start it again (gt sling, or the witness restarts it)');
      tmux.sendText(socket, name, text, enter);
    },
    async stop(name) {
      const s = tmux.getSession(socket, name);
      const mark = instanceOf(launchDir, name);
      if (!s && !mark) return;
      // The tree is taken before the kill: once the pane's shell is gone, its children are
      // handed to init and only their groups and the mark still tie them to this session.
      const tree = treeOf(s && !s.dead ? s.panePid : undefined, mark);
      if (s) tmux.killSession(socket, name); // HUPs the pane; an agent ignoring HUP is ended below
      await terminateTree(tree, mark, 3000);
    },
    stopSoon: (name, delaySec = 1) => tmux.killSessionSoon(socket, name, delaySec),
    instance: (name) => instanceOf(launchDir, name),
  };
}

function writeLaunchScript(dir: string, spec: SessionSpec): string {
  const text = launchScript(spec);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // the directory may predate us with wider rights
  const path = join(dir, `${spec.name}.${randomUUID()}.sh`);
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  return path;
}

/**
 * Headless sessions: `sh -c '"$@"; echo $? > exit'` detached in its own process group, stdout and
 * stderr appended to <dir>/<name>.log, pid in <name>.pid, exit status in <name>.exit.
 */
export function headlessProvider(dir: string): SessionProvider {
  const file = (name: string, ext: string) => join(dir, `${name}.${ext}`);
  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').trim() : undefined);
  const get = (name: string): SessionInfo | undefined => {
    const pidText = read(file(name, 'pid'));
    if (!pidText) return undefined;
    const pid = Number(pidText);
    const exit = read(file(name, 'exit'));
    const alive = exit === undefined && isAlive(pid);
    return {
      name, mode: 'headless', pid, alive,
      exitStatus: exit !== undefined ? Number(exit) : alive ? undefined : -1,
      startedAt: statSync(file(name, 'pid')).mtime.toISOString(),
      activityAt: existsSync(file(name, 'log')) ? statSync(file(name, 'log')).mtimeMs : undefined,
    };
  };
  return {
    mode: 'headless',
    start(spec) {
      mkdirSync(dir, { recursive: true });
      const existing = get(spec.name);
      if (existing?.alive) throw new UserError(`session ${spec.name} is already running`, `stop it first: gt session kill ${spec.name}`);
      endLeftovers(dir, spec.name); // what a finished predecessor's agent left running
      for (const ext of ['pid', 'exit']) rmSync(file(spec.name, ext), { force: true });
      writeFileSync(file(spec.name, 'log'), '');
      const exitFile = file(spec.name, 'exit');
      // The wrapper marks the agent's environment with this instance (spawnDetached passes no
      // mark on), and writes the exit status atomically (tmp + mv) so readers never see half a number.
      const script = `export ${SESSION_MARK}="$1"; shift; "$@"; s=$?; echo $s > "$0.tmp" && mv "$0.tmp" "$0"`;
      const mark = newInstance(dir, spec.name);
      const pid = spawnDetached('/bin/sh', ['-c', script, exitFile, mark, ...spec.argv], { cwd: spec.cwd, env: spec.env, logFile: file(spec.name, 'log') });
      writeFileSync(file(spec.name, 'pid'), String(pid));
      return { name: spec.name, mode: 'headless', pid, alive: true, startedAt: new Date().toISOString() };
    },
    get,
    list() {
      if (!existsSync(dir)) return [];
      return readdirSync(dir).filter((f) => f.endsWith('.pid')).map((f) => get(f.slice(0, -4))).filter((s): s is SessionInfo => !!s);
    },
    capture(name, lines = 50) {
      const log = read(file(name, 'log'));
      if (log === undefined) throw new UserError(`no session named ${name}`, 'list sessions with: gt session list');
      return lastLines(log, lines);
    },
    send(name) {
      throw new UserError(`session ${name} is headless and takes no typed input`, 'headless agents are resumed instead; use tmux mode for interactive nudges');
    },
    async stop(name) {
      const s = get(name);
      if (!s?.pid) return;
      // The whole tree, not just the wrapper: the wrapper may be gone while the agent lives on,
      // and the agent's children may sit in groups of their own.
      const mark = instanceOf(dir, name);
      const status = (await terminateTree(treeOf(s.pid, mark), mark, 3000)) === 'killed' ? 137 : 143;
      if (!existsSync(file(name, 'exit'))) writeFileSync(file(name, 'exit'), String(status));
    },
    stopSoon(name, delaySec = 1) {
      const s = get(name);
      if (!s?.pid || !s.alive) return;
      spawnDetached('/bin/sh', ['-c', 'sleep "$1"; kill -TERM -"$2" 2>/dev/null; sleep 2; kill -KILL -"$2" 2>/dev/null; true', 'sh', String(delaySec), String(s.pid)], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        logFile: '/dev/null',
      });
    },
    instance: (name) => instanceOf(dir, name),
  };
}

export { groupAlive } from '../lib/terminate.js';

// Each session instance marks its processes' environment with a fresh id (SESSION_MARK), kept in
// <dir>/<name>.instance until the next instance of that name starts: processes a session left
// behind are found by it long after their parents are gone.
function newInstance(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const id = randomUUID();
  writeFileSync(join(dir, `${name}.instance`), id);
  return id;
}

function instanceOf(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, `${name}.instance`), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Ends what an earlier instance of the session left running (found by its mark only). */
function endLeftovers(dir: string, name: string): void {
  const mark = instanceOf(dir, name);
  if (mark) terminateTreeSync(treeOf(undefined, mark), mark, 3000);
}

export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n') + '\n';
}
