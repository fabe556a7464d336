// What an agent's session shows now: the last lines of its tmux pane or its headless log, and
// whether it runs. `gt peek` and the dashboard's agent page both read it here.
import { mustGetAgent, type SessionRecord } from '../town/identity.js';
import type { Town } from '../town/town.js';
import { providerFor } from './launch.js';

export interface Pane { agent: string; session?: string; alive: boolean; screen: string }

/** The last `lines` lines of one session's screen (tmux) or log (headless). */
export function sessionScreen(town: Town, s: Pick<SessionRecord, 'mode' | 'session_name'>, lines: number): { alive: boolean; screen: string } {
  const p = providerFor(town, s.mode);
  return { alive: p.get(s.session_name)?.alive === true, screen: p.capture(s.session_name, lines) };
}

/** An agent's latest session, as its screen shows it now; empty when it has none or it is gone. */
export async function agentPane(town: Town, address: string, lines = 60): Promise<Pane> {
  const agent = await mustGetAgent(town, address);
  const s = agent.sessions.at(-1);
  if (!s) return { agent: agent.address, alive: false, screen: '' };
  const info = providerFor(town, s.mode).get(s.session_name);
  if (!info) return { agent: agent.address, session: s.session_name, alive: false, screen: '' };
  return { agent: agent.address, session: s.session_name, ...sessionScreen(town, s, lines) };
}
