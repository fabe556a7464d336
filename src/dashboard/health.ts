// Health at a glance from the evidence the Witness and Boot use (is the session alive, when did it
// last show activity, the deacon's lock and heartbeat), never from a recorded label alone: a
// killed polecat reads "dead" on the next check, not after the next patrol.
import type { Agent, AgentState } from '../town/identity.js';
import type { Town } from '../town/town.js';
import { providerFor } from '../runtime/launch.js';
import type { SessionMode } from '../runtime/session.js';
import { DEFAULT_POLICY } from '../supervise/assess.js';
import { deaconState, STALE_AFTER_MS, type DeaconState } from '../supervise/deacon.js';

/** What is known right now about one agent's session. */
export interface SessionEvidence { alive: boolean; activityAt?: number }

/** The live part of the town: sessions by name, and the deacon. */
export interface LiveEvidence { sessions: Map<string, SessionEvidence>; deacon: Pick<DeaconState, 'running' | 'heartbeatAgeMs'> }

export interface ObservedState { state: AgentState; reason?: string; activityAt?: number }

const CLAIMS_A_SESSION: AgentState[] = ['spawning', 'working', 'idle', 'stuck'];

/**
 * The state to show for an agent: the recorded one when the evidence agrees, otherwise what the
 * evidence says (with why). Pure.
 */
export function observedState(a: Pick<Agent, 'role' | 'state' | 'reason' | 'sessions' | 'last_activity'>, live: LiveEvidence, now: number): ObservedState {
  const recorded = Date.parse(a.last_activity ?? '') || undefined;
  if (a.role === 'deacon') {
    const d = live.deacon;
    if (!d.running) return { state: 'dead', reason: "not running (start it with 'gt up')", activityAt: recorded };
    if (d.heartbeatAgeMs !== undefined && d.heartbeatAgeMs > STALE_AFTER_MS) {
      return { state: 'stuck', reason: `no heartbeat for ${Math.round(d.heartbeatAgeMs / 1000)} s`, activityAt: now - d.heartbeatAgeMs };
    }
    return { state: 'working', activityAt: d.heartbeatAgeMs !== undefined ? now - d.heartbeatAgeMs : recorded };
  }
  const last = a.sessions.at(-1);
  // A rig's witness and refinery are patrols inside the deacon's process unless one was given a
  // session of its own: without one, they live and die with the deacon, whatever their bead says.
  if ((a.role === 'witness' || a.role === 'refinery') && !(last && !last.ended_at && live.sessions.get(last.session_name)?.alive)) {
    const d = live.deacon;
    if (!d.running) return { state: 'dead', reason: `stopped: the deacon runs its patrol and is not running (start it with 'gt up')`, activityAt: recorded };
    if (d.heartbeatAgeMs !== undefined && d.heartbeatAgeMs > STALE_AFTER_MS) {
      return { state: 'stuck', reason: `the deacon running its patrol has sent no heartbeat for ${Math.round(d.heartbeatAgeMs / 1000)} s`, activityAt: now - d.heartbeatAgeMs };
    }
    return { state: 'working', reason: 'patrolled by the deacon', activityAt: d.heartbeatAgeMs !== undefined ? now - d.heartbeatAgeMs : recorded };
  }
  if (!last || !CLAIMS_A_SESSION.includes(a.state)) return { state: a.state, reason: a.reason, activityAt: recorded };
  const s = last.ended_at ? undefined : live.sessions.get(last.session_name);
  if (s?.alive) return { state: a.state, reason: a.reason, activityAt: Math.max(recorded ?? 0, s.activityAt ?? 0) || undefined };
  // A sling is still creating the session: the Witness leaves it alone for the same grace.
  if (a.state === 'spawning' && recorded !== undefined && now - recorded < DEFAULT_POLICY.spawnGraceMs) return { state: a.state, activityAt: recorded };
  return { state: 'dead', reason: `session ${last.session_name} is not running (recorded ${a.state})`, activityAt: recorded };
}

/** One look at every session provider and the deacon (two tmux/readdir calls, not one per agent). */
export function gatherEvidence(town: Town, now = Date.now()): LiveEvidence {
  const sessions = new Map<string, SessionEvidence>();
  for (const mode of ['headless', 'tmux'] as SessionMode[]) {
    let list: { name: string; alive: boolean; activityAt?: number }[] = [];
    try {
      list = providerFor(town, mode).list();
    } catch { /* tmux missing or no server: no sessions of that kind */ }
    for (const s of list) if (!sessions.get(s.name)?.alive) sessions.set(s.name, { alive: s.alive, activityAt: s.activityAt });
  }
  const d = deaconState(town, now);
  return { sessions, deacon: { running: d.running, heartbeatAgeMs: d.heartbeatAgeMs } };
}

/** A compact string that changes exactly when the evidence would change a shown state. */
export function evidenceKey(live: LiveEvidence): string {
  const alive = [...live.sessions.entries()].filter(([, s]) => s.alive).map(([n]) => n).sort();
  const stale = live.deacon.heartbeatAgeMs !== undefined && live.deacon.heartbeatAgeMs > STALE_AFTER_MS;
  return `${live.deacon.running}:${stale}:${alive.join(',')}`;
}
