// Seance: talk to a predecessor session by resuming it (Claude Code: --resume <id> --fork-session -p),
// in the directory it ran in, with the agent's environment.
import { existsSync, mkdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../lib/errors.js';
import { run } from '../lib/proc.js';
import type { Town } from '../town/town.js';
import { getAgent, type SessionRecord } from '../town/identity.js';
import { resolveRuntime, type RuntimeSessionRecord } from './launch.js';
import { resolveAdapter } from './adapters/registry.js';

export interface Predecessor { session_id: string; session_name: string; adapter: string; started_at: string; ended_at?: string; cwd?: string; bead?: string }

/** The identity's sessions that can be resumed, newest first. */
export async function predecessors(town: Town, address: string): Promise<Predecessor[]> {
  const agent = await getAgent(town, address);
  if (!agent) throw new UserError(`agent not found: ${address}`, "see 'gt status' for the town's agents");
  return (agent.sessions as RuntimeSessionRecord[])
    .filter((s): s is RuntimeSessionRecord & { session_id: string } => !!s.session_id)
    .map((s) => ({ session_id: s.session_id, session_name: s.session_name, adapter: s.adapter, started_at: s.started_at, ended_at: s.ended_at, cwd: s.cwd, bead: s.bead }))
    .reverse();
}

export interface SeanceAnswer { session_id: string; answer: string }

export async function askPredecessor(town: Town, address: string, question: string, opts: { sessionId?: string; timeoutMs?: number } = {}): Promise<SeanceAnswer> {
  if (!question.trim()) throw new UserError('the question is empty', 'gt seance <agent> --ask "what did you find?"');
  const list = await predecessors(town, address);
  const pick = opts.sessionId ? list.find((s) => s.session_id.startsWith(opts.sessionId!)) : list.find((s) => s.ended_at) ?? list[0];
  if (!pick) throw new UserError(opts.sessionId ? `no session ${opts.sessionId} for ${address}` : `${address} has no resumable sessions`, `list them: gt seance ${address}`);
  const agent = (await getAgent(town, address))!;
  const rt = resolveRuntime(town, { ...agent, workdir: pick.cwd ?? agent.workdir }, { adapter: pick.adapter, sessionId: pick.session_id });
  const adapter = resolveAdapter(pick.adapter, rt.rig?.agents, town.config.agents);
  if (!adapter.askArgv) throw new UserError(`the ${adapter.name} agent cannot resume sessions`);
  const cwd = rt.ctx.workdir;
  // The predecessor's worktree may be gone (decommissioned polecat); the CLI finds its transcript by cwd.
  const giveBack = borrowDir(cwd);
  try {
    const [cmd, ...args] = adapter.askArgv(pick.session_id, question, rt.ctx);
    const r = await run(cmd!, args, { cwd, env: rt.env, timeoutMs: opts.timeoutMs ?? 300_000 });
    if (r.code !== 0) throw new UserError(`seance failed (${cmd} exited ${r.code}${r.timedOut ? ', timed out' : ''}): ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`);
    return { session_id: pick.session_id, answer: adapter.parseAnswer ? adapter.parseAnswer(r.stdout) : r.stdout.trim() };
  } finally {
    giveBack();
  }
}

/**
 * Makes `dir` (and its missing parents) exist for a while. The returned release removes only what
 * it made, and only while it is still that: polecat names are reused, so by then the path may be a
 * new polecat's worktree (it has a .git) or a directory someone else made in its place (another
 * inode or birth time: a freed inode is reused at once). Those are left alone. A directory that already existed is never touched.
 */
export function borrowDir(dir: string): () => void {
  if (existsSync(dir)) return () => {};
  const top = mkdirSync(dir, { recursive: true }) ?? dir; // the first directory we created
  const identity = (d: string) => {
    const st = statSync(d, { bigint: true });
    return `${st.ino}:${st.birthtimeNs}`;
  };
  const made: { path: string; id: string }[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    made.push({ path: d, id: identity(d) });
    if (d === resolve(top) || d === dirname(d)) break;
  }
  return () => {
    for (const [i, { path, id }] of made.entries()) {
      let now: string;
      try {
        now = identity(path);
      } catch {
        continue; // already gone
      }
      if (now !== id || existsSync(join(path, '.git'))) return; // not ours any more: stop here
      try {
        if (i === 0) rmSync(path, { recursive: true, force: true }); // what the resumed CLI left in it
        else rmdirSync(path); // parents only if empty
      } catch {
        return; // a parent someone else now uses
      }
    }
  };
}

export type { SessionRecord };
