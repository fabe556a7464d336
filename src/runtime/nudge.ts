// Nudges: type a message into a live session once the agent is idle (per its adapter's idle
// detector on the captured screen), so the text is not lost in the middle of a turn.
//
// Outcomes a caller (the witness) can tell apart:
//   - delivered: true                   the agent was idle (or typeWhenBusy) and the text was typed;
//   - delivered: false, idle: false    it stayed busy for timeoutMs: nothing typed (try later);
//   - delivered: false                  the message had nothing typeable (control characters only);
//   - NotNudgeableError (a UserError)   no live session, or a headless one (no typed input):
//                                       `reason` is 'no-session' | 'not-running' | 'headless'.
import { UserError } from '../lib/errors.js';
import { typeable } from '../lib/text.js';
import type { Town } from '../town/town.js';
import { mustGetAgent } from '../town/identity.js';
import { resolveAdapter, chooseAdapterName } from './adapters/registry.js';
import { loadRig } from '../town/rig.js';

export interface NudgeResult { agent: string; session: string; delivered: boolean; waitedMs: number; idle: boolean }

export type NotNudgeableReason = 'no-session' | 'not-running' | 'headless';

/** The agent has no session that takes typed input; nudging cannot work until that changes. */
export class NotNudgeableError extends UserError {
  constructor(readonly address: string, readonly reason: NotNudgeableReason, message: string, hint: string) {
    super(message, hint);
    this.name = 'NotNudgeableError';
  }
}

export interface NudgeOptions {
  /** How long to wait for the agent to be idle (default 30 s; 0 = look once). */
  timeoutMs?: number;
  pollMs?: number;
  /** Type even if still busy at the timeout (agent CLIs queue input typed during a turn). */
  typeWhenBusy?: boolean;
}

export async function nudgeAgent(town: Town, address: string, message: string, opts: NudgeOptions = {}): Promise<NudgeResult> {
  const { providerFor } = await import('./launch.js');
  const agent = await mustGetAgent(town, address);
  const s = agent.sessions.at(-1);
  if (!s || s.ended_at) throw new NotNudgeableError(agent.address, 'no-session', `${agent.address} has no live session`, `start one: gt sling <bead> ${agent.address}`);
  if (s.mode === 'headless') {
    throw new NotNudgeableError(agent.address, 'headless', `${agent.address}'s session ${s.session_name} is headless and takes no typed input`, 'headless agents are restarted, not nudged; use tmux mode for interactive nudges');
  }
  const provider = providerFor(town, s.mode);
  const notRunning = () => new NotNudgeableError(agent.address, 'not-running', `${agent.address}'s session ${s.session_name} is not running`, 'the witness restarts dead sessions; or re-sling the work');
  if (!provider.get(s.session_name)?.alive) throw notRunning();
  const rig = agent.rig ? loadRig(town, agent.rig) : undefined;
  const adapter = resolveAdapter(s.adapter || chooseAdapterName(agent.role, rig?.agents, town.config.agents), rig?.agents, town.config.agents);
  const started = Date.now();
  const timeout = opts.timeoutMs ?? 30_000;
  let idle = false;
  for (;;) {
    let screen: string;
    try {
      screen = provider.capture(s.session_name, 60);
    } catch (e) {
      if (!provider.get(s.session_name)?.alive) throw notRunning(); // it ended while we waited
      throw e;
    }
    idle = adapter.isIdle(screen);
    const left = timeout - (Date.now() - started);
    if (idle || left <= 0) break;
    await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 250, left)));
  }
  const result = { agent: agent.address, session: s.session_name, waitedMs: Date.now() - started, idle };
  if (!idle && !opts.typeWhenBusy) return { ...result, delivered: false };
  const text = typeable(message); // sendText cleans it too; here so that an empty one types nothing
  if (!text.trim()) return { ...result, delivered: false }; // an Enter alone is no nudge
  try {
    if (adapter.submitDelayMs) {
      provider.send(s.session_name, text, false);
      await new Promise((r) => setTimeout(r, adapter.submitDelayMs));
      provider.send(s.session_name, '', true);
    } else {
      provider.send(s.session_name, text);
    }
  } catch (e) {
    if (!provider.get(s.session_name)?.alive) throw notRunning();
    throw e;
  }
  return { ...result, delivered: true };
}
