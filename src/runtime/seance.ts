// Seance: talk to a predecessor session by resuming it (Claude Code: --resume <id> --fork-session -p),
// in the directory it ran in, with the agent's environment.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { UserError } from '../lib/errors.js';
import { run } from '../lib/proc.js';
import type { Town } from '../town/town.js';
import { getAgent, type SessionRecord } from '../town/identity.js';
import { resolveRuntime, type RuntimeSessionRecord } from './launch.js';
import { resolveAdapter } from './adapters/registry.js';

export interface Predecessor { session_id: string; session_name: string; adapter: string; started_at: string; ended_at?: string; cwd?: string; bead?: string }

/** The identity's sessions that can be resumed, newest first. */
export function predecessors(town: Town, address: string): Predecessor[] {
  const agent = getAgent(town, address);
  if (!agent) throw new UserError(`agent not found: ${address}`, "see 'gt status' for the town's agents");
  return (agent.sessions as RuntimeSessionRecord[])
    .filter((s): s is RuntimeSessionRecord & { session_id: string } => !!s.session_id)
    .map((s) => ({ session_id: s.session_id, session_name: s.session_name, adapter: s.adapter, started_at: s.started_at, ended_at: s.ended_at, cwd: s.cwd, bead: s.bead }))
    .reverse();
}

export interface SeanceAnswer { session_id: string; answer: string }

export async function askPredecessor(town: Town, address: string, question: string, opts: { sessionId?: string; timeoutMs?: number } = {}): Promise<SeanceAnswer> {
  if (!question.trim()) throw new UserError('the question is empty', 'gt seance <agent> --ask "what did you find?"');
  const list = predecessors(town, address);
  const pick = opts.sessionId ? list.find((s) => s.session_id.startsWith(opts.sessionId!)) : list.find((s) => s.ended_at) ?? list[0];
  if (!pick) throw new UserError(opts.sessionId ? `no session ${opts.sessionId} for ${address}` : `${address} has no resumable sessions`, `list them: gt seance ${address}`);
  const agent = getAgent(town, address)!;
  const rt = resolveRuntime(town, { ...agent, workdir: pick.cwd ?? agent.workdir }, { adapter: pick.adapter, sessionId: pick.session_id });
  const adapter = resolveAdapter(pick.adapter, rt.rig?.agents, town.config.agents);
  if (!adapter.askArgv) throw new UserError(`the ${adapter.name} agent cannot resume sessions`);
  const cwd = rt.ctx.workdir;
  // The predecessor's worktree may be gone (decommissioned polecat); the CLI finds its transcript by cwd.
  const made = !existsSync(cwd);
  if (made) mkdirSync(cwd, { recursive: true });
  try {
    const [cmd, ...args] = adapter.askArgv(pick.session_id, question, rt.ctx);
    const r = await run(cmd!, args, { cwd, env: rt.env, timeoutMs: opts.timeoutMs ?? 300_000 });
    if (r.code !== 0) throw new UserError(`seance failed (${cmd} exited ${r.code}${r.timedOut ? ', timed out' : ''}): ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`);
    return { session_id: pick.session_id, answer: adapter.parseAnswer ? adapter.parseAnswer(r.stdout) : r.stdout.trim() };
  } finally {
    if (made) rmSync(cwd, { recursive: true, force: true });
  }
}

export type { SessionRecord };
