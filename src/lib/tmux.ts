// The one module that runs tmux. Every call names its server socket (`tmux -L <socket>`), so a
// town's sessions live on their own server (gt-<town-id>) and tests use private ones.
// All calls are synchronous: tmux answers in milliseconds and callers are CLI commands.
import { runSync, runOnTerminal, spawnDetached, which, type RunResult } from './proc.js';
import { rmSync } from 'node:fs';
import { UserError } from './errors.js';
import { typeable } from './text.js';

export class TmuxMissingError extends UserError {
  constructor() {
    super('tmux not found on PATH', "install tmux, or set runtime.mode = 'headless' in town.toml or rig.toml");
    this.name = 'TmuxMissingError';
  }
}

export interface TmuxSession {
  name: string;
  created: number; // unix seconds
  attached: boolean;
  panePid?: number;
  /** The pane's command exited (kept visible by remain-on-exit so its last words can be read). */
  dead: boolean;
  exitStatus?: number;
  /** The signal that ended the pane's command (its wrapper was killed, so it left no last words). */
  deadSignal?: number;
  /** Unix seconds of the pane's last output (tmux's window_activity): any screen change counts. */
  activity?: number;
}

export interface NewSessionOptions {
  name: string;
  cwd: string;
  /** argv executed directly (no shell). Seen by every local user in `ps`: no secrets in it. */
  command: string[];
  width?: number;
  height?: number;
}

export function tmuxAvailable(): boolean {
  return which('tmux') !== undefined;
}

/**
 * A minimal env for the tmux client: the server it may start inherits it, and agents must not see
 * the caller's environment through it (commands set their own env anyway). TMUX_TMPDIR decides
 * where the socket lives, so every call (and `attach`, which inherits the caller's env) agrees.
 */
function clientEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', TERM: 'xterm-256color', LANG: process.env.LANG ?? 'C.UTF-8' };
  if (process.env.TMUX_TMPDIR) env.TMUX_TMPDIR = process.env.TMUX_TMPDIR;
  return env;
}

/**
 * tmux reads an argument ending in ';' as the end of a command (a value like `a;` would be cut and
 * the rest taken for a new command); with the ';' escaped as '\;' it is taken literally.
 */
function literal(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** Runs tmux commands in one client call; every argument reaches tmux literally. */
function tmuxSeq(socket: string, commands: string[][]): RunResult {
  const args = commands.flatMap((c, i) => [...(i ? [';'] : []), ...c.map(literal)]);
  try {
    return runSync('tmux', ['-L', socket, ...args], { env: clientEnv(), timeoutMs: 10_000 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new TmuxMissingError();
    throw e;
  }
}

function tmux(socket: string, args: string[]): RunResult {
  return tmuxSeq(socket, [args]);
}

function tmuxOk(socket: string, ...commands: string[][]): string {
  const r = tmuxSeq(socket, commands);
  if (r.code !== 0) throw new UserError(`tmux ${commands.map((c) => c[0]).join(', ')} failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  return r.stdout;
}

/** Starts a detached session. remain-on-exit keeps a pane whose command died, so we can report why. */
export function newSession(socket: string, o: NewSessionOptions): void {
  // remain-on-exit is set server-wide BEFORE the session exists: set per session afterwards, a
  // command that exits at once would take its session (and its last words) with it.
  // The tmux server keeps the argv of the client that started it for its whole life, visible to
  // every local user in `ps`: o.command must never hold a secret (see session.ts: launch files).
  tmuxOk(socket,
    ['start-server'],
    ['set-option', '-g', 'remain-on-exit', 'on'],
    ['new-session', '-d', '-s', o.name, '-c', o.cwd, '-x', String(o.width ?? 200), '-y', String(o.height ?? 50), ...o.command],
    ['set-option', '-t', o.name, 'history-limit', '5000'],
  );
}

const FORMAT = '#{session_name}\t#{session_created}\t#{session_attached}\t#{pane_pid}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}\t#{window_activity}';

export function listSessions(socket: string): TmuxSession[] {
  if (!tmuxAvailable()) return [];
  const r = tmux(socket, ['list-panes', '-a', '-F', FORMAT]);
  if (r.code !== 0) return []; // no server running = no sessions
  const seen = new Map<string, TmuxSession>();
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const [name, created, attached, pid, dead, status, signal, activity] = line.split('\t');
    if (!name || seen.has(name)) continue;
    seen.set(name, {
      name,
      created: Number(created),
      attached: attached !== '0',
      panePid: pid ? Number(pid) : undefined,
      // The exit status may lag pane_dead by a moment (callers wanting it poll); a signal death
      // reports 128+signal, like a shell.
      dead: dead === '1',
      exitStatus: status ? Number(status) : signal ? 128 + Number(signal) : undefined,
      deadSignal: signal ? Number(signal) : undefined,
      activity: activity ? Number(activity) : undefined,
    });
  }
  return [...seen.values()];
}

export function getSession(socket: string, name: string): TmuxSession | undefined {
  return listSessions(socket).find((s) => s.name === name);
}

export function hasSession(socket: string, name: string): boolean {
  return tmux(socket, ['has-session', '-t', `=${name}`]).code === 0;
}

/** The visible screen (plus `history` lines of scrollback), trailing blank lines trimmed. */
export function capturePane(socket: string, name: string, history = 0): string {
  const out = tmuxOk(socket, ['capture-pane', '-p', '-J', '-t', `=${name}:`, ...(history ? ['-S', String(-history)] : [])]);
  return out.replace(/\s+$/, '') + '\n';
}

/**
 * Types text literally (no key-name interpretation), then optionally presses Enter. Control
 * characters are taken out first (typeable): typed text must never press keys of its own (a \r
 * submitting a line, ^C interrupting, ESC sequences driving the agent's UI).
 */
export function sendText(socket: string, name: string, text: string, enter = true): void {
  const typed = typeable(text);
  if (typed) tmuxOk(socket, ['send-keys', '-t', `=${name}:`, '-l', '--', typed]);
  if (enter) tmuxOk(socket, ['send-keys', '-t', `=${name}:`, 'Enter']);
}

/** Kills a session; idempotent. */
export function killSession(socket: string, name: string): void {
  if (!tmuxAvailable()) return;
  tmux(socket, ['kill-session', '-t', `=${name}`]);
}

/** Kills the whole server (tests sweep their private sockets with this); idempotent. */
export function killServer(socket: string): void {
  if (!tmuxAvailable()) return;
  tmux(socket, ['kill-server']);
  // tmux can leave the socket file behind; remove it so test runs do not litter /tmp.
  const path = `${process.env.TMUX_TMPDIR || '/tmp'}/tmux-${process.getuid?.() ?? 0}/${socket}`;
  try { rmSync(path, { force: true }); } catch { /* not ours to remove */ }
}

/** argv for a human to attach (exec'd by the CLI, which owns the terminal). */
export function attachArgv(socket: string, name: string): string[] {
  return ['tmux', '-L', socket, 'attach-session', '-t', `=${name}`];
}

/**
 * Kills a session after delaySec from a detached helper, so a command running inside the session
 * (`gt done`) can finish printing and exit first. Only this instance of the session is killed:
 * names are reused (a polecat bounced and re-slung within the delay gets a new session of the
 * same name), so the helper asks the server to kill it only if its pane pid and creation time
 * are still the ones seen now. The server runs the check and the kill as one command.
 */
export function killSessionSoon(socket: string, name: string, delaySec = 1): void {
  const tmuxBin = which('tmux');
  const s = tmuxBin ? getSession(socket, name) : undefined;
  if (!tmuxBin || !s?.panePid) return;
  const same = `#{&&:#{==:#{pane_pid},${s.panePid}},#{==:#{session_created},${s.created}}}`;
  spawnDetached('/bin/sh', ['-c', 'sleep "$1"; exec "$2" -L "$3" if-shell -F -t "=$4:" "$5" "kill-session -t \"=$4\""', 'sh', String(delaySec), tmuxBin, socket, name, same], {
    env: clientEnv(),
    logFile: '/dev/null',
  });
}

/** Attaches the caller's terminal to a session; returns tmux's exit code. */
export function attach(socket: string, name: string): number {
  if (!tmuxAvailable()) throw new TmuxMissingError();
  const [cmd, ...args] = attachArgv(socket, name);
  return runOnTerminal(cmd!, args);
}
