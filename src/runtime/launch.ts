// The runtime boundary the work layer calls (via dynamic import): start, stop, probe and end agent
// sessions. Chooses adapter and mode from config, builds the agent's environment, seeds the CLI's
// config, starts the session, and records the session and the evidence on the identity.
import { existsSync, readFileSync, appendFileSync, mkdirSync, statSync } from 'node:fs';
import { join, isAbsolute } from 'node:path';
import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { UserError } from '../lib/errors.js';
import { which, spawnDetached } from '../lib/proc.js';
import { gitSyncTry } from '../lib/git.js';
import { writeFileAtomic } from '../lib/fsx.js';
import { killServer, tmuxAvailable, TmuxMissingError } from '../lib/tmux.js';
import { TOWN_ENTRIES, type Town } from '../town/town.js';
import { isShared, machineName } from '../town/machine.js';
import { loadRig, type Rig } from '../town/rig.js';
import { mustGetAgent, getAgent, recordSession, setAgentState, sessionName, type Agent, type SessionRecord } from '../town/identity.js';
import { tmuxProvider, headlessProvider, type SessionMode, type SessionProvider } from './session.js';
import { SESSION_MARK } from '../lib/proctree.js';
import { chooseAdapterName, chooseMode, resolveAdapter } from './adapters/registry.js';
import { rolePointer, type Adapter, type LaunchContext } from './adapters/types.js';
import { agentEnv } from './env.js';

export { nudgeAgent, NotNudgeableError, type NudgeResult } from './nudge.js';

/** A session record plus what the runtime needs later (cwd for seance, bead for convoy costs). */
export type RuntimeSessionRecord = SessionRecord & { cwd?: string; bead?: string; usage_source?: string };

export function townSocket(town: Town): string {
  // Machines of a shared town are one town (one id); each runs its own tmux server.
  return isShared(town) ? `gt-${town.id}-${machineName(town)}` : `gt-${town.id}`;
}

export function providerFor(town: Town, mode: SessionMode): SessionProvider {
  const runtimeDir = join(town.root, TOWN_ENTRIES.runtime);
  return mode === 'tmux' ? tmuxProvider(townSocket(town), join(runtimeDir, 'launch')) : headlessProvider(join(runtimeDir, 'sessions'));
}

export function gtBin(town: Town): string {
  return join(town.binDir, 'gt');
}

export interface AgentRuntime {
  agent: Agent;
  rig?: Rig;
  adapter: Adapter;
  mode: SessionMode;
  session: string;
  env: Record<string, string>;
  ctx: LaunchContext;
}

/**
 * Everything needed to run an identity's CLI: adapter, mode, env, launch context. No side effects.
 * The adapter is the explicit one, else the one the identity last ran with (so a witness restart
 * of a polecat slung with --agent shell stays shell), else the config's choice for the role.
 */
export function resolveRuntime(town: Town, agent: Agent, opts: { adapter?: string; prompt?: string; sessionId?: string } = {}): AgentRuntime {
  const rig = agent.rig ? loadRig(town, agent.rig) : undefined;
  const name = chooseAdapterName(agent.role, rig?.agents, town.config.agents, opts.adapter || agent.adapter);
  const adapter = resolveAdapter(name, rig?.agents, town.config.agents);
  const mode = chooseMode(rig?.runtime, town.config.runtime);
  const session = sessionName(agent);
  const custom = rig?.agents?.custom?.[name] ?? town.config.agents?.custom?.[name];
  const env = agentEnv({
    parent: process.env, passEnv: adapter.passEnv, binDir: town.binDir, town: town.root,
    rig: agent.rig, role: agent.role, address: agent.address, session, extra: custom?.env,
  });
  // An agent's own gt calls (a mayor slinging work) act as the machine its session runs on.
  if (isShared(town)) env.GT_MACHINE = machineName(town);
  const ctx: LaunchContext = {
    address: agent.address, role: agent.role, workdir: agent.workdir, mode,
    sessionId: opts.sessionId ?? randomUUID(), prompt: opts.prompt, home: env.HOME ?? homedir(), townRoot: town.root, gtBin: gtBin(town),
  };
  return { agent, rig, adapter, mode, session, env, ctx };
}

/**
 * Starts the identity's session. On any failure the identity is marked dead with the reason and a
 * UserError is thrown; a session that exits non-zero within its first second counts as a failure.
 */
export async function launchAgent(town: Town, address: string, opts: { adapter?: string; prompt?: string } = {}): Promise<Agent> {
  const agent = await mustGetAgent(town, address);
  let rt: AgentRuntime | undefined;
  try {
    rt = resolveRuntime(town, agent, opts);
    const { adapter, mode, session, env, ctx } = rt;
    if (!agent.workdir || !existsSync(agent.workdir)) throw new UserError(`workdir ${agent.workdir || '(none)'} does not exist`);
    checkBinary(town, adapter, env.PATH);
    if (mode === 'tmux' && !tmuxAvailable()) throw new TmuxMissingError();
    adapter.prepare?.(ctx);
    writeRolePrompt(agent.workdir, adapter.promptFile, rolePointer(ctx));
    const provider = providerFor(town, mode);
    // Two slings of one bead (the deacon's feeder and a person) may both launch its polecat; the
    // other process records the session just after starting it. Its running session is this
    // launch done; a running session nobody records is a leftover, refused by start below.
    if (provider.get(session)?.alive) {
      const theirs = await recordedSession(town, address, session);
      if (theirs) return theirs;
    }
    const argv = adapter.command(ctx);
    if (argv[0] === adapter.binary && adapter.binary === 'gt') argv[0] = ctx.gtBin;
    const info = provider.start({ name: session, cwd: agent.workdir, env, argv });
    const record: RuntimeSessionRecord = {
      session_id: adapter.ownsSessionId ? ctx.sessionId : undefined,
      session_name: session, adapter: adapter.name, mode, pid: info.pid,
      started_at: new Date().toISOString(),
      transcript: adapter.transcriptPath?.(ctx), usage_source: adapter.usageSource?.(ctx, env), cwd: agent.workdir, bead: agent.hook,
    };
    await recordSession(town, address, clean(record));
    await setAgentState(town, address, 'working', `session ${session} started (${adapter.name}, ${mode})`);
    const early = await exitedEarly(provider, session, 1000);
    if (early) {
      await recordSession(town, address, clean({ ...record, ended_at: new Date().toISOString() }));
      throw new UserError(`session ${session} exited at once with status ${early.status}${early.lastLine ? `: ${early.lastLine}` : ''}`);
    }
    return await mustGetAgent(town, address);
  } catch (e) {
    const msg = (e as Error).message;
    try { await setAgentState(town, address, 'dead', msg); } catch { /* identity gone */ }
    if (e instanceof UserError) throw new UserError(`could not start ${address}: ${msg}`, e.hint);
    throw e;
  }
}

/** How long a launch waits for another launcher's record of a session it found running. */
const RECORD_WAIT_MS = 2000;

/** The identity once its latest session record names this (running) session, or undefined after a short wait. */
async function recordedSession(town: Town, address: string, session: string): Promise<Agent | undefined> {
  const end = Date.now() + RECORD_WAIT_MS;
  for (;;) {
    const agent = await getAgent(town, address);
    const s = agent && lastSession(agent);
    if (agent && s && s.session_name === session && !s.ended_at) return agent;
    if (Date.now() > end) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function checkBinary(town: Town, adapter: Adapter, path: string | undefined): void {
  const bin = adapter.binary === 'gt' ? gtBin(town) : adapter.binary;
  if (!(isAbsolute(bin) ? existsSync(bin) : which(bin, path))) {
    throw new UserError(`agent binary '${bin}' not found on PATH`, `install ${adapter.name}, or choose another agent (gt sling --agent NAME, or agents.default in town.toml)`);
  }
}

async function exitedEarly(p: SessionProvider, name: string, ms: number): Promise<{ status: number; lastLine: string } | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const s = p.get(name);
    // tmux may see the pty close a moment before it reaps the exit status: wait for the status.
    const settling = s && !s.alive && s.exitStatus === undefined && Date.now() < end + 1000;
    if ((!s || !s.alive) && !settling) {
      const status = s?.exitStatus ?? -1;
      if (status === 0) return undefined; // a batch agent (shell) may legitimately finish this fast
      let out = '';
      try { out = p.capture(name, 200); } catch { /* gone */ }
      const lastLine = lastLineOf(out);
      return { status, lastLine: lastLine.slice(0, 200) };
    }
    if (Date.now() > end && !settling) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Writes the role pointer file unless the project tracks its own file of that name, and keeps
 * Gas Town's files out of the agent's commits via the worktree's info/exclude.
 */
export function writeRolePrompt(workdir: string, file: string, text: string): void {
  const path = join(workdir, file);
  const inGit = gitSyncTry(workdir, ['rev-parse', '--is-inside-work-tree']).code === 0;
  if (inGit && gitSyncTry(workdir, ['ls-files', '--error-unmatch', file]).code === 0) return; // the project's own
  if (!existsSync(path) || readFileSync(path, 'utf8').startsWith('# Gas Town agent:')) writeFileAtomic(path, text);
  if (!inGit) return;
  const r = gitSyncTry(workdir, ['rev-parse', '--git-path', 'info/exclude']);
  if (r.code !== 0) return;
  const exclude = isAbsolute(r.stdout.trim()) ? r.stdout.trim() : join(workdir, r.stdout.trim());
  const have = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
  const missing = [`/${file}`, '/.claude/'].filter((l) => !have.split('\n').includes(l));
  if (missing.length) {
    mkdirSync(join(exclude, '..'), { recursive: true });
    appendFileSync(exclude, (have && !have.endsWith('\n') ? '\n' : '') + missing.join('\n') + '\n');
  }
}

function lastSession(agent: Agent): RuntimeSessionRecord | undefined {
  return agent.sessions.at(-1) as RuntimeSessionRecord | undefined;
}

export async function isAgentAlive(town: Town, address: string): Promise<boolean> {
  return (await agentLiveness(town, address)).alive;
}

/**
 * Whether the identity's session runs, and when it last showed any sign of work: its screen or
 * log changed, or its transcript was written (one session lookup for both).
 */
export async function agentLiveness(town: Town, address: string): Promise<{ alive: boolean; activityAt?: number }> {
  const agent = await getAgent(town, address);
  const s = agent && lastSession(agent);
  if (!s || s.ended_at) return { alive: false };
  const info = providerFor(town, s.mode).get(s.session_name);
  if (!info?.alive) return { alive: false };
  const transcript = s.transcript ? mtimeMs(s.transcript) : undefined;
  return { alive: true, activityAt: Math.max(info.activityAt ?? 0, transcript ?? 0) || undefined };
}

function mtimeMs(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Kills the identity's session if alive and records its end; idempotent. With `instance`, only
 * that instance of the session: a newer one that took its name is left alone.
 */
export async function stopAgent(town: Town, address: string, opts: { instance?: string } = {}): Promise<void> {
  const agent = await getAgent(town, address);
  const s = agent && lastSession(agent);
  if (!agent || !s) return;
  const provider = providerFor(town, s.mode);
  if (opts.instance !== undefined && provider.instance(s.session_name) !== opts.instance) return;
  await provider.stop(s.session_name);
  if (!s.ended_at) await recordSession(town, address, { ...s, ended_at: new Date().toISOString() });
}

/**
 * Ends every session of the town, in both modes, and its tmux server (a town being thrown away:
 * the demo's, on the way out). Idempotent.
 */
export async function stopAllSessions(town: Town): Promise<void> {
  for (const mode of ['tmux', 'headless'] as const) {
    const provider = providerFor(town, mode);
    await Promise.all(provider.list().map((s) => provider.stop(s.name)));
  }
  killServer(townSocket(town));
}

/**
 * What an identity's agent said last: the last line of its screen or log (the wrapper's exit line
 * left out), else the reason it was marked dead (a launch that failed before any session ran).
 */
export function lastWords(town: Town, agent: Agent): string {
  const s = lastSession(agent);
  let screen = '';
  try { if (s) screen = providerFor(town, s.mode).capture(s.session_name, 200); } catch { /* session gone */ }
  return lastLineOf(screen) || (agent.reason ?? '');
}

/**
 * The line on a live session's screen saying its agent cannot go on without a person (not logged
 * in: the adapter's needsPerson), or undefined.
 */
export function waitsForPerson(town: Town, agent: Agent): string | undefined {
  const s = lastSession(agent);
  if (!s || s.ended_at) return undefined;
  let needsPerson: RegExp | undefined;
  try { needsPerson = resolveRuntime(town, agent).adapter.needsPerson; } catch { return undefined; }
  if (!needsPerson) return undefined;
  let screen = '';
  try { screen = providerFor(town, s.mode).capture(s.session_name, 50); } catch { return undefined; }
  return screen.split('\n').find((l) => needsPerson!.test(l))?.trim();
}

/** The agent's last line on a captured screen or log: tmux's and the wrapper's exit lines left out. */
function lastLineOf(screen: string): string {
  return screen.split('\n').map((l) => l.trim()).filter((l) => l && !/^Pane is dead|^\[gt: exited with status/.test(l)).pop() ?? '';
}

/**
 * Called from inside the session (`gt done`): records the end, and ends the session shortly after
 * we exit. The helper runs `gt session kill` for this instance (named by the mark in our own
 * environment), so the agent's whole process tree ends as with any other stop, not just the
 * session's group: a script's background child must not outlive its worker.
 */
export async function endOwnSession(town: Town, address: string): Promise<void> {
  const agent = await getAgent(town, address);
  const s = agent && lastSession(agent);
  if (!s) return;
  if (!s.ended_at) await recordSession(town, address, { ...s, ended_at: new Date().toISOString() });
  const provider = providerFor(town, s.mode);
  const mark = process.env[SESSION_MARK];
  if (!mark || provider.instance(s.session_name) !== mark) return provider.stopSoon(s.session_name, 1);
  spawnDetached('/bin/sh', ['-c', 'sleep 1; exec "$0" session kill "$1" --instance "$2"', gtBin(town), address, mark], {
    env: { ...process.env, GT_TOWN: town.root },
    cwd: town.root,
    logFile: join(town.root, TOWN_ENTRIES.runtime, 'restart.log'),
  });
}

/** Stops and relaunches an identity's session (handoff, witness restarts). */
export async function restartAgent(town: Town, address: string, opts: { adapter?: string; prompt?: string } = {}): Promise<Agent> {
  await mustGetAgent(town, address);
  await stopAgent(town, address);
  return launchAgent(town, address, {
    adapter: opts.adapter, // else the one it last ran with (resolveRuntime)
    prompt: opts.prompt ?? 'You are continuing after a restart or handoff. Run `gt prime`: it shows your role, your hook and any handoff note. Continue the work on your hook.',
  });
}

/** Called from inside the session (`gt handoff`): a detached helper restarts us after we exit. */
export function restartOwnSession(town: Town, address: string): void {
  spawnDetached('/bin/sh', ['-c', 'sleep 1; exec "$0" session restart "$1"', gtBin(town), address], {
    env: { ...process.env, GT_AGENT: '', GT_TOWN: town.root },
    cwd: town.root,
    logFile: join(town.root, TOWN_ENTRIES.runtime, 'restart.log'),
  });
}
