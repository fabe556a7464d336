// "Is this agent stuck or dead, and what should the Witness do?" — a pure function over the
// evidence (state, hook, whether its session is alive, how long since it last did anything).
import type { AgentState } from '../town/identity.js';

export interface AgentEvidence {
  role: string;
  state: AgentState;
  hook?: string;
  alive: boolean;
  /** Milliseconds since the agent last did anything observable. */
  idleMs: number;
  restarts: number;
  /** Its session takes typed input (tmux); headless sessions cannot be nudged. */
  interactive: boolean;
  /** The Witness already gave up on it (reported once; a new sling resets this). */
  gaveUp: boolean;
}

export interface WitnessPolicy {
  /** Nudge a live agent with hooked work after this long without activity. */
  nudgeAfterMs: number;
  /** Restarts of one identity before the Witness gives up and reports it dead. */
  maxRestarts: number;
  /** A polecat still 'spawning' this long after its last activity is no longer being started by anyone. */
  spawnGraceMs: number;
}

export const DEFAULT_POLICY: WitnessPolicy = { nudgeAfterMs: 10 * 60_000, maxRestarts: 3, spawnGraceMs: 60_000 };

export type WitnessAction =
  | { kind: 'none' }
  | { kind: 'restart'; reason: string }
  | { kind: 'nudge'; reason: string }
  | { kind: 'give-up'; reason: string };

export function assessAgent(e: AgentEvidence, policy: WitnessPolicy = DEFAULT_POLICY): WitnessAction {
  // Work handed in (done), no work at all, or already reported dead: nothing for the Witness to push.
  if (e.state === 'done' || !e.hook || e.gaveUp) return { kind: 'none' };
  if (!e.alive) {
    // A sling is creating its worktree and session right now: restarting it would race the sling.
    if (e.state === 'spawning' && e.idleMs < policy.spawnGraceMs) return { kind: 'none' };
    if (e.restarts >= policy.maxRestarts) return { kind: 'give-up', reason: `session died ${e.restarts + 1} times with ${e.hook} unfinished` };
    return { kind: 'restart', reason: `session not running with ${e.hook} on its hook (state ${e.state})` };
  }
  if (e.interactive && e.idleMs >= policy.nudgeAfterMs) return { kind: 'nudge', reason: `no activity for ${Math.round(e.idleMs / 60_000)} min with ${e.hook} on its hook` };
  return { kind: 'none' };
}
