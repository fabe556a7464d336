// The Witness patrol of one rig: for each agent with hooked work, gather the evidence, decide
// (assess.ts), act — restart a dead session on the same worktree and hook (backing off), nudge an
// idle one (GUPP), hand a polecat's bead to a fresh polecat when it cannot finish, or tell the
// Mayor with the session's last words — and record the new state with its reason.
import { ageMs, now } from '../lib/time.js';
import { DEFAULT_GUPP_NUDGE_SEC } from '../town/config.js';
import { getAgent, listAgents, setAgentState, updateAgentFields, type Agent } from '../town/identity.js';
import type { Rig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { ownedHere } from '../town/machine.js';
import { assessAgent, DEFAULT_POLICY, type AgentEvidence, type WitnessPolicy, type WitnessAction } from './assess.js';

export interface WitnessRuntime {
  /** Is its session running, and when did it last show work (screen/log output, transcript writes; ms since the epoch)? */
  liveness(town: Town, address: string): Promise<{ alive: boolean; activityAt?: number }>;
  launch(town: Town, address: string, prompt: string): Promise<unknown>;
  /** Types a message once the agent is idle; gives up quickly on a busy one (it is working). */
  nudge(town: Town, address: string, message: string): Promise<{ delivered: boolean }>;
  /** How its last session ended (exit status, how long it ran); undefined if unknown. */
  lastExit?(town: Town, address: string): Promise<{ status?: number; ranMs?: number } | undefined>;
  /** What its last session printed last (read only when the witness gives up on it: reading a dead pane may wait for its last output). */
  lastWords?(town: Town, address: string): Promise<string>;
}

export interface WitnessReport { agent: string; action: WitnessAction; error?: string }

const RESUME_PROMPT =
  'You are resuming work a previous session left unfinished. Run `gt prime`: it shows your hook. ' +
  'Check `git log` and `git status` in your worktree to see how far it got, then finish the work and run `gt done`.';

async function defaultRuntime(): Promise<WitnessRuntime> {
  const rt = await import('../runtime/launch.js');
  return {
    liveness: rt.agentLiveness,
    launch: (t, a, prompt) => rt.launchAgent(t, a, { prompt }),
    nudge: (t, a, message) => rt.nudgeAgent(t, a, message, { timeoutMs: 3000 }),
    lastExit: async (t, a) => {
      const s = (await getAgent(t, a))?.sessions.at(-1);
      if (!s) return undefined;
      const provider = rt.providerFor(t, s.mode);
      const info = provider.get(s.session_name);
      if (!info || info.alive) return undefined;
      const ended = info.activityAt ?? Date.now();
      return { status: info.exitStatus, ranMs: Math.max(0, ended - Date.parse(s.started_at)) };
    },
    lastWords: async (t, a) => {
      const s = (await getAgent(t, a))?.sessions.at(-1);
      if (!s) return '';
      try { return rt.providerFor(t, s.mode).capture(s.session_name, 15).trim(); } catch { return ''; /* gone */ }
    },
  };
}

/** GUPP's delay for a rig: rig.toml, else town.toml, else a minute. */
export function guppNudgeMs(town: Town, rig: Rig): number {
  return (rig.guppNudgeSec ?? town.config.gupp_nudge_sec ?? DEFAULT_GUPP_NUDGE_SEC) * 1000;
}

export async function witnessPatrol(town: Town, rig: Rig, opts: { policy?: WitnessPolicy; runtime?: WitnessRuntime; now?: number } = {}): Promise<WitnessReport[]> {
  const rt = opts.runtime ?? (await defaultRuntime());
  const policy = opts.policy ?? { ...DEFAULT_POLICY, nudgeAfterMs: guppNudgeMs(town, rig) };
  const at = opts.now ?? Date.now();
  const reports: WitnessReport[] = [];
  // In a shared town another machine's agents are its witness's: their sessions are not visible here.
  const agents = (await listAgents(town, { rig: rig.name })).filter((a) => (a.role === 'polecat' || a.role === 'crew') && ownedHere(town, a));
  for (const agent of agents) {
    const e = await evidence(town, agent, rt, at);
    const action = assessAgent(e, policy);
    if (action.kind === 'none') continue;
    const report: WitnessReport = { agent: agent.address, action };
    try {
      await act(town, agent, action, rt);
    } catch (e) {
      report.error = (e as Error).message;
    }
    reports.push(report);
  }
  return reports;
}

async function evidence(town: Town, a: Agent, rt: WitnessRuntime, at: number): Promise<AgentEvidence> {
  const live = await rt.liveness(town, a.address);
  const exit = !live.alive && a.hook ? await rt.lastExit?.(town, a.address) : undefined;
  return {
    role: a.role,
    state: a.state,
    hook: a.hook,
    hookHeld: a.hook ? await hookHeld(town, a.hook, a.address) : false,
    alive: live.alive,
    // Quiet in the tracker is not idle: an agent busy coding writes no beads, but its screen moves.
    idleMs: Math.min(ageMs(a.last_activity, at), at - (live.activityAt ?? -Infinity)),
    restarts: a.restarts,
    sinceRestartMs: a.restartedAt ? at - Date.parse(a.restartedAt) : Infinity,
    lastExit: exit && { status: exit.status, ranMs: exit.ranMs },
    interactive: a.sessions.at(-1)?.mode === 'tmux',
    gaveUp: a.gaveUp,
    sinceGaveUpMs: a.gaveUpAt ? at - Date.parse(a.gaveUpAt) : Infinity,
  };
}

/** Is the bead on its hook still its own? A bead closed or gone is left to the refinery and doctor. */
async function hookHeld(town: Town, beadId: string, address: string): Promise<boolean> {
  try {
    const bead = await (await town.stores.forBead(beadId)).get(beadId);
    return !bead || bead.status === 'closed' || bead.assignee === address;
  } catch {
    return true; // its rig is gone: nothing the witness can do about it
  }
}

async function act(town: Town, agent: Agent, action: WitnessAction, rt: WitnessRuntime): Promise<void> {
  const who = `${agent.rig}/witness`;
  switch (action.kind) {
    case 'restart':
      // Count the restart before trying, so a launch that keeps failing still moves toward release.
      await updateAgentFields(town, agent.address, { agent_state: 'dead', state_reason: action.reason, restarts: agent.restarts + 1, restarted_at: now() }, who);
      await rt.launch(town, agent.address, RESUME_PROMPT);
      return;
    case 'nudge': {
      const r = await rt.nudge(town, agent.address, 'Witness check: you have work on your hook. Run `gt prime` and carry on; `gt done` when finished.');
      if (r.delivered) await setAgentState(town, agent.address, 'stuck', action.reason, who);
      return;
    }
    case 'give-up': {
      await updateAgentFields(town, agent.address, { agent_state: 'dead', state_reason: action.reason, gave_up: true, gave_up_at: now() }, who);
      const { sendMail } = await import('../work/mail.js');
      const next = agent.role === 'polecat' ? 'Its bead goes back to its convoy for a fresh polecat after a cool-down, unless you take it first (gt unsling, then sling it yourself).' : 'Restart it with gt session restart when the cause is fixed.';
      const said = (await rt.lastWords?.(town, agent.address)) ?? '';
      const words = said ? `\n\nIts last words:\n${said}` : '';
      await sendMail(town, { from: who, to: 'mayor', subject: `${agent.address} cannot continue ${agent.hook ?? ''}`.trim(), body: `${action.reason}. Its worktree ${agent.workdir} and branch ${agent.branch ?? ''} are kept. ${next}${words}` }, who);
      return;
    }
    case 'release': {
      const { releasePolecat } = await import('../work/release.js');
      const r = await releasePolecat(town, agent.address, action.reason, who);
      if (r.reopened) {
        const { sendMail } = await import('../work/mail.js');
        await sendMail(town, { from: who, to: 'mayor', subject: `Released ${r.bead} from ${agent.address}`, body: `${action.reason}. The bead is open again${r.convoy ? ` and staged on convoy ${r.convoy}` : ''}; a fresh polecat takes it when a slot frees. Branch ${agent.branch ?? ''} is kept.` }, who);
      }
      return;
    }
  }
}
