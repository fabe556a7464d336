// The Witness patrol of one rig: for each agent with hooked work, gather the evidence, decide
// (assess.ts), act — restart a dead session on the same worktree and hook, nudge an idle one, or
// give up and tell the Mayor — and record the new state with its reason.
import { ageMs } from '../lib/time.js';
import { listAgents, setAgentState, updateAgentFields, type Agent } from '../town/identity.js';
import type { Rig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { assessAgent, DEFAULT_POLICY, type WitnessPolicy, type WitnessAction } from './assess.js';

export interface WitnessRuntime {
  /** Is its session running, and when did it last show work (screen/log output, transcript writes; ms since the epoch)? */
  liveness(town: Town, address: string): { alive: boolean; activityAt?: number };
  launch(town: Town, address: string, prompt: string): Promise<unknown>;
  /** Types a message once the agent is idle; gives up quickly on a busy one (it is working). */
  nudge(town: Town, address: string, message: string): Promise<{ delivered: boolean }>;
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
  };
}

export async function witnessPatrol(town: Town, rig: Rig, opts: { policy?: WitnessPolicy; runtime?: WitnessRuntime; now?: number } = {}): Promise<WitnessReport[]> {
  const rt = opts.runtime ?? (await defaultRuntime());
  const policy = opts.policy ?? DEFAULT_POLICY;
  const at = opts.now ?? Date.now();
  const reports: WitnessReport[] = [];
  const agents = listAgents(town, { rig: rig.name }).filter((a) => a.role === 'polecat' || a.role === 'crew');
  for (const agent of agents) {
    const action = assessAgent(evidence(town, agent, rt, at), policy);
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

function evidence(town: Town, a: Agent, rt: WitnessRuntime, at: number) {
  const live = rt.liveness(town, a.address);
  return {
    role: a.role,
    state: a.state,
    hook: a.hook,
    alive: live.alive,
    // Quiet in the tracker is not idle: an agent busy coding writes no beads, but its screen moves.
    idleMs: Math.min(ageMs(a.last_activity, at), at - (live.activityAt ?? -Infinity)),
    restarts: a.restarts,
    interactive: a.sessions.at(-1)?.mode === 'tmux',
    gaveUp: a.gaveUp,
  };
}

async function act(town: Town, agent: Agent, action: WitnessAction, rt: WitnessRuntime): Promise<void> {
  const who = `${agent.rig}/witness`;
  switch (action.kind) {
    case 'restart':
      // Count the restart before trying, so a launch that keeps failing still spends the budget.
      updateAgentFields(town, agent.address, { agent_state: 'dead', state_reason: action.reason, restarts: agent.restarts + 1 }, who);
      await rt.launch(town, agent.address, RESUME_PROMPT);
      return;
    case 'nudge': {
      const r = await rt.nudge(town, agent.address, 'Witness check: you have work on your hook. Run `gt prime` and carry on; `gt done` when finished.');
      if (r.delivered) setAgentState(town, agent.address, 'stuck', action.reason, who);
      return;
    }
    case 'give-up': {
      updateAgentFields(town, agent.address, { agent_state: 'dead', state_reason: action.reason, gave_up: true }, who);
      const { sendMail } = await import('../work/mail.js');
      sendMail(town, { from: who, to: 'mayor', subject: `Polecat ${agent.address} is dead`, body: `${action.reason}. Its worktree ${agent.workdir} and branch ${agent.branch ?? ''} are kept.` }, who);
      return;
    }
  }
}
