// Nudges: type a message into a live session once the agent is idle (per its adapter's idle
// detector on the captured screen), so the text is not lost in the middle of a turn.
import { UserError } from '../lib/errors.js';
import type { Town } from '../town/town.js';
import { mustGetAgent } from '../town/identity.js';
import { resolveAdapter, chooseAdapterName } from './adapters/registry.js';
import { loadRig } from '../town/rig.js';

export interface NudgeResult { agent: string; session: string; delivered: boolean; waitedMs: number; idle: boolean }

export async function nudgeAgent(town: Town, address: string, message: string, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<NudgeResult> {
  const { providerFor } = await import('./launch.js');
  const agent = mustGetAgent(town, address);
  const s = agent.sessions.at(-1);
  if (!s || s.ended_at) throw new UserError(`${agent.address} has no live session`, `start one: gt sling <bead> ${agent.address}`);
  const provider = providerFor(town, s.mode);
  const info = provider.get(s.session_name);
  if (!info?.alive) throw new UserError(`${agent.address}'s session ${s.session_name} is not running`, 'the witness restarts dead sessions; or re-sling the work');
  if (s.mode === 'headless') provider.send(s.session_name, message); // throws a clear UserError
  const rig = agent.rig ? loadRig(town, agent.rig) : undefined;
  const adapter = resolveAdapter(s.adapter || chooseAdapterName(agent.role, rig?.agents, town.config.agents), rig?.agents, town.config.agents);
  const started = Date.now();
  const timeout = opts.timeoutMs ?? 30_000;
  let idle = false;
  for (;;) {
    idle = adapter.isIdle(provider.capture(s.session_name, 60));
    if (idle || Date.now() - started >= timeout) break;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
  // Past the timeout we type anyway: agent CLIs queue input typed during a turn.
  provider.send(s.session_name, message.replace(/\r?\n/g, ' '));
  return { agent: agent.address, session: s.session_name, delivered: true, waitedMs: Date.now() - started, idle };
}
