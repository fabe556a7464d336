// "Is this agent stuck or dead, and what should the Witness do?" — a pure function over the
// evidence (state, hook, whether its session is alive, how long since it last did anything, how
// its last session ended, how often it was restarted and how long ago).
import type { AgentState } from '../town/identity.js';

export interface AgentEvidence {
  role: string;
  state: AgentState;
  hook?: string;
  /** The hooked bead is still hooked to this agent (false: someone released or re-slung it). */
  hookHeld: boolean;
  alive: boolean;
  /** Milliseconds since the agent last did anything observable. */
  idleMs: number;
  restarts: number;
  /** Milliseconds since the Witness last restarted it (Infinity: never). */
  sinceRestartMs: number;
  /** How its last session ended, when the runtime knows: exit status, and how long it ran. */
  lastExit?: { status?: number; ranMs?: number };
  /** Its session takes typed input (tmux); headless sessions cannot be nudged. */
  interactive: boolean;
  /** The Witness already gave up on it and told the Mayor. */
  gaveUp: boolean;
  /** Milliseconds since it gave up (Infinity: unknown, long ago). */
  sinceGaveUpMs: number;
}

export interface WitnessPolicy {
  /** GUPP: nudge a live agent with hooked work after this long without activity. */
  nudgeAfterMs: number;
  /** Wait before the second restart; doubles with each restart after that, up to maxBackoffMs. */
  restartBackoffMs: number;
  maxBackoffMs: number;
  /** A polecat restarted this many times hands its bead to a fresh polecat instead. */
  releaseAfterRestarts: number;
  /** A session that exits with an error this soon after starting fails for a reason a restart will not fix. */
  quickExitMs: number;
  /** A given-up polecat's bead goes back to the convoy for a fresh polecat after this long. */
  coolDownMs: number;
  /** A polecat still 'spawning' this long after its last activity is no longer being started by anyone. */
  spawnGraceMs: number;
}

export const DEFAULT_POLICY: WitnessPolicy = {
  nudgeAfterMs: 60_000,
  restartBackoffMs: 2_000,
  maxBackoffMs: 60_000,
  releaseAfterRestarts: 6,
  quickExitMs: 5_000,
  coolDownMs: 5 * 60_000,
  spawnGraceMs: 60_000,
};

export type WitnessAction =
  | { kind: 'none' }
  | { kind: 'restart'; reason: string }
  | { kind: 'nudge'; reason: string }
  /** Tell the Mayor (with the session's last words); a polecat's bead is released after the cool-down. */
  | { kind: 'give-up'; reason: string }
  /** A polecat's bead goes back to its convoy for a fresh polecat; the polecat is decommissioned (branch kept). */
  | { kind: 'release'; reason: string };

/** How long to wait before restarting an agent already restarted `restarts` times. Pure. */
export function restartBackoff(restarts: number, p: WitnessPolicy = DEFAULT_POLICY): number {
  return restarts <= 0 ? 0 : Math.min(p.maxBackoffMs, p.restartBackoffMs * 2 ** (restarts - 1));
}

/**
 * Did the session exit with its own error (not a signal) right after it started? Pure. A status
 * below 0 is a session that died without recording one (its process group was killed): a crash.
 */
export function exitedAtOnce(e: AgentEvidence['lastExit'], p: WitnessPolicy = DEFAULT_POLICY): boolean {
  return !!e && e.status !== undefined && e.status > 0 && e.status < 128 && e.ranMs !== undefined && e.ranMs < p.quickExitMs;
}

export function assessAgent(e: AgentEvidence, policy: WitnessPolicy = DEFAULT_POLICY): WitnessAction {
  // Work handed in (done) or no work at all: nothing for the Witness to push.
  if (e.state === 'done' || !e.hook) return { kind: 'none' };
  const polecat = e.role === 'polecat';
  // A sling is creating its worktree and session right now: acting would race the sling.
  if (!e.alive && e.state === 'spawning' && e.idleMs < policy.spawnGraceMs) return { kind: 'none' };
  if (!e.hookHeld) return polecat ? { kind: 'release', reason: `${e.hook} is no longer hooked to it` } : { kind: 'none' };
  if (e.gaveUp) {
    // Reported already; a polecat's bead must not stay hooked with nobody on it.
    return polecat && e.sinceGaveUpMs >= policy.coolDownMs ? { kind: 'release', reason: `given up ${Math.round(e.sinceGaveUpMs / 60_000)} min ago; a fresh polecat takes ${e.hook}` } : { kind: 'none' };
  }
  if (!e.alive) {
    if (exitedAtOnce(e.lastExit, policy)) return { kind: 'give-up', reason: `session exited with status ${e.lastExit!.status} ${Math.round(e.lastExit!.ranMs! / 1000)} s after it started, with ${e.hook} unfinished` };
    if (e.restarts >= policy.releaseAfterRestarts) {
      const reason = `session died ${e.restarts + 1} times with ${e.hook} unfinished`;
      return polecat ? { kind: 'release', reason: `${reason}; a fresh polecat takes it` } : { kind: 'give-up', reason };
    }
    if (e.sinceRestartMs < restartBackoff(e.restarts, policy)) return { kind: 'none' }; // backing off
    return { kind: 'restart', reason: `session not running with ${e.hook} on its hook (state ${e.state})` };
  }
  if (e.interactive && e.idleMs >= policy.nudgeAfterMs) return { kind: 'nudge', reason: `no activity for ${Math.round(e.idleMs / 1000)} s with ${e.hook} on its hook` };
  return { kind: 'none' };
}
