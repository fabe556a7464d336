// The dashboard's snapshot: everything the page shows, as plain data read through the services
// (townStatus, convoys, merge requests, identities, mail). The shaping of that data (agents by rig,
// a rig's queue, why an MR bounced, recent mail) is pure and tested without a disk.
import type { Issue } from '../beads/model.js';
import { now } from '../lib/time.js';
import { listAgents, type Agent } from '../town/identity.js';
import { listRigs, type Rig } from '../town/rig.js';
import { gitSyncTry } from '../lib/git.js';
import { readMainVerdict } from '../refinery/journal.js';
import { refineryRepo } from '../refinery/service.js';
import { costReport, type SessionCost } from '../runtime/costs.js';
import type { Town } from '../town/town.js';
import { CONVOY_TYPE, listConvoys, type ConvoyStatus } from '../work/convoy.js';
import { MESSAGE_TYPE, messageFromBead, type Message } from '../work/mail.js';
import { GATE_TYPE, type GateState } from '../molecules/gates.js';
import { listMergeRequests, type MergeRequest, type MrAttempt } from '../work/merge-request.js';
import { townStatus, type RigSummary } from '../work/status.js';
import { observedState, type LiveEvidence } from './health.js';

export type AgentView = Pick<Agent, 'address' | 'role' | 'state'> &
  Partial<Pick<Agent, 'rig' | 'name' | 'reason' | 'hook' | 'last_activity' | 'adapter'>> & { restarts: number; gaveUp: boolean };

/** Agents of one rig, or the town-level ones (rig undefined: mayor, deacon, boot, dogs). */
export interface AgentGroup { rig?: string; agents: AgentView[] }

export interface MrView {
  id: string;
  state: MergeRequest['state'];
  branch: string;
  source_bead: string;
  /** The source bead's title: what the MR is for. */
  title?: string;
  polecat?: string;
  priority: number;
  attempts: number;
  /** When it was filed, or when its last attempt ran. */
  at: string;
  /** Why it bounced (or the merge commit, for merged ones). */
  reason?: string;
  /** The fix bead a bounce filed, when there is one. */
  fix?: string;
}

export interface RigQueue {
  rig: string; queued: MrView[]; testing: MrView[]; recent: MrView[];
  /** The refinery found main's current tip red on its own (its verdict file), so the queue waits. */
  mainRed?: { commit: string; tail?: string };
}

export interface MailView { id: string; from: string; subject: string; preview: string; read: boolean; archived: boolean; created_at: string; thread: string }
/** A conversation: its messages grouped by thread (a reply joins its parent's), newest activity first. */
export interface ThreadView { thread: string; subject: string; messages: number; unread: number; last_at: string; last_from: string; preview: string }
export interface Mailbox { address: string; unread: number; messages: MailView[]; threads: ThreadView[] }

/** An open human gate: a molecule step that waits for a person to approve it. */
export interface GateView { id: string; rig: string; title: string; step?: string; created_at: string }

export interface DashboardSnapshot {
  town: { name: string; root: string; id: string };
  generated_at: string;
  rigs: RigSummary[];
  /** Agents (the overseer is the human, not an agent) counted by state. */
  byState: Record<string, number>;
  agents: AgentGroup[];
  queues: RigQueue[];
  convoys: ConvoyView[];
  mail: Mailbox[];
  /** Open human gates, oldest first. */
  gates: GateView[];
  costs: CostSummary;
}

/** Spend in USD and tokens (input + output + cache). */
export interface Spend { usd: number; tokens: number }
/** What the agents' sessions cost, by agent, rig, convoy, day and agent CLI (from every adapter that reports usage). */
export interface CostSummary { total: Spend; byAgent: Record<string, Spend>; byRig: Record<string, Spend>; byConvoy: Record<string, Spend>; byDay: Record<string, Spend>; byAdapter: Record<string, Spend> }

/** Adds each session's spend to its agent, its rig, the convoys tracking its bead and its day. Pure. */
export function costSummary(sessions: (Pick<SessionCost, 'agent' | 'bead' | 'started_at' | 'usage'> & { adapter?: string })[], convoys: Pick<ConvoyStatus, 'id' | 'tracked'>[]): CostSummary {
  const out: CostSummary = { total: { usd: 0, tokens: 0 }, byAgent: {}, byRig: {}, byConvoy: {}, byDay: {}, byAdapter: {} };
  const convoysOf = new Map<string, string[]>();
  for (const c of convoys) for (const t of c.tracked) convoysOf.set(t.id, [...(convoysOf.get(t.id) ?? []), c.id]);
  const add = (m: Record<string, Spend>, k: string, usd: number, tokens: number) => {
    const cur = (m[k] ??= { usd: 0, tokens: 0 });
    cur.usd += usd;
    cur.tokens += tokens;
  };
  for (const s of sessions) {
    const u = s.usage;
    const tokens = u.inputTokens + u.outputTokens + u.cacheWriteTokens + u.cacheReadTokens;
    out.total.usd += u.costUsd;
    out.total.tokens += tokens;
    add(out.byAgent, s.agent, u.costUsd, tokens);
    if (s.agent.includes('/')) add(out.byRig, s.agent.split('/')[0]!, u.costUsd, tokens);
    for (const c of (s.bead && convoysOf.get(s.bead)) || []) add(out.byConvoy, c, u.costUsd, tokens);
    add(out.byDay, s.started_at.slice(0, 10), u.costUsd, tokens);
    if (s.adapter) add(out.byAdapter, s.adapter, u.costUsd, tokens);
  }
  return out;
}

/** A convoy with when it was filed and landed, and its beads counted by where they are. */
export interface ConvoyView extends ConvoyStatus {
  created_at: string;
  closed_at?: string;
  /** closed (landed), active (hooked or in progress: a worker or the queue has it), open, other. */
  counts: { closed: number; active: number; open: number };
}

export const RECENT_MRS = 8;
export const RECENT_MAIL = 8;
export const MAILBOXES = ['mayor', 'overseer'];

const ROLE_ORDER = ['mayor', 'deacon', 'boot', 'dog', 'witness', 'refinery', 'crew', 'polecat'];

/** An agent as shown: its state and activity as the evidence has them (health.ts), not only as recorded. */
export function agentView(a: Agent, live?: LiveEvidence, at = Date.now()): AgentView {
  const seen = live ? observedState(a, live, at) : { state: a.state, reason: a.reason, activityAt: Date.parse(a.last_activity ?? '') || undefined };
  return {
    address: a.address, role: a.role, state: seen.state, rig: a.rig, name: a.name, reason: seen.reason, hook: a.hook,
    last_activity: seen.activityAt ? new Date(seen.activityAt).toISOString() : a.last_activity, adapter: a.adapter, restarts: a.restarts, gaveUp: a.gaveUp,
  };
}

/** Agents (not the overseer, who is the human) counted by shown state. */
export function countByState(groups: AgentGroup[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of groups) for (const a of g.agents) out[a.state] = (out[a.state] ?? 0) + 1;
  return out;
}

export const RECENT_LANDED = 5;

/**
 * Convoys to show: every open one (newest first), then the latest landed (newest landing first), so
 * a convoy does not vanish the moment it lands. Pure.
 */
export function convoyViews(all: ConvoyStatus[], beads: Map<string, Pick<Issue, 'created_at' | 'closed_at'>>, recentLanded = RECENT_LANDED): ConvoyView[] {
  const views = all.map((c): ConvoyView => {
    const b = beads.get(c.id);
    const active = c.tracked.filter((t) => t.status === 'hooked' || t.status === 'in_progress').length;
    return { ...c, created_at: b?.created_at ?? '', closed_at: b?.closed_at, counts: { closed: c.closed, active, open: c.total - c.closed - active } };
  });
  const open = views.filter((c) => c.status !== 'closed').sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  const landed = views.filter((c) => c.status === 'closed').sort((a, b) => (b.closed_at ?? '').localeCompare(a.closed_at ?? '')).slice(0, recentLanded);
  return [...open, ...landed];
}

/** Town-level agents first, then one group per rig (rigs in the given order, then any others). */
export function groupAgentsByRig(agents: AgentView[], rigOrder: string[]): AgentGroup[] {
  const groups = new Map<string | undefined, AgentView[]>([[undefined, []], ...rigOrder.map((r): [string, AgentView[]] => [r, []])]);
  for (const a of agents) {
    if (a.role === 'overseer') continue;
    const list = groups.get(a.rig) ?? [];
    list.push(a);
    groups.set(a.rig, list);
  }
  const rank = (a: AgentView) => ROLE_ORDER.indexOf(a.role);
  return [...groups.entries()]
    .filter(([rig, list]) => list.length || rig !== undefined)
    .map(([rig, list]) => ({ rig, agents: list.sort((x, y) => rank(x) - rank(y) || x.address.localeCompare(y.address)) }));
}

/** One line on why an attempt failed: "conflict in a, b", "failing tests", or the error. */
export function attemptReason(a: MrAttempt): string {
  switch (a.outcome) {
    case 'merged': return a.commit ? `merged ${a.commit.slice(0, 10)}` : 'merged';
    case 'conflict': {
      const files = a.conflict_files ?? [];
      return files.length ? `conflict in ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}` : 'conflict';
    }
    case 'red': return 'failing tests';
    case 'error': return (a.detail ?? 'error').split('\n')[0]!.slice(0, 120);
  }
}

export function mrView(m: MergeRequest, title?: string): MrView {
  const last = m.attempts[m.attempts.length - 1];
  const v: MrView = {
    id: m.id, state: m.state, branch: m.branch, source_bead: m.source_bead, title, polecat: m.polecat,
    priority: m.priority, attempts: m.attempts.length, at: last?.at ?? m.created_at,
  };
  if (m.state === 'merged') v.reason = m.merge_commit ? `merged ${m.merge_commit.slice(0, 10)}` : 'merged';
  if (m.state === 'bounced' && last) {
    v.reason = attemptReason(last);
    const fix = last.detail?.match(/returned as (\S+)/)?.[1];
    if (fix) v.fix = fix;
  }
  return v;
}

/** A rig's queue: queued in landing order (priority, then age), testing, and the latest landed or bounced. */
export function rigQueue(rig: string, mrs: MergeRequest[], recent = RECENT_MRS, titles = new Map<string, string>()): RigQueue {
  const views = mrs.map((m) => mrView(m, titles.get(m.source_bead)));
  const byState = (s: MrView['state']) => views.filter((v) => v.state === s);
  return {
    rig,
    queued: byState('queued').sort((a, b) => a.priority - b.priority || a.at.localeCompare(b.at)),
    testing: byState('testing'),
    recent: views.filter((v) => v.state === 'merged' || v.state === 'bounced').sort((a, b) => b.at.localeCompare(a.at)).slice(0, recent),
  };
}

const preview = (body: string) => {
  const line = body.split('\n').find((l) => l.trim())?.trim() ?? '';
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
};

/**
 * A mailbox: its newest messages first (bodies cut to a one-line preview), and the threads it takes
 * part in (sent or received; `all` is every message of the town), newest activity first. Pure.
 */
export function mailbox(address: string, all: Message[], recent = RECENT_MAIL): Mailbox {
  const messages = all.filter((m) => m.to === address);
  const mine = new Set(all.filter((m) => m.to === address || m.from === address).map((m) => m.thread));
  const threads: ThreadView[] = [];
  for (const t of mine) {
    const ms = all.filter((m) => m.thread === t).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    const lastOne = ms[ms.length - 1]!;
    threads.push({
      thread: t, subject: ms[0]!.subject, messages: ms.length, unread: ms.filter((m) => m.to === address && !m.read && !m.archived).length,
      last_at: lastOne.created_at, last_from: lastOne.from, preview: preview(lastOne.body),
    });
  }
  return {
    address,
    unread: messages.filter((m) => !m.read && !m.archived).length,
    messages: [...messages]
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .slice(0, recent)
      .map((m) => ({ id: m.id, from: m.from, subject: m.subject, preview: preview(m.body), read: m.read, archived: m.archived, created_at: m.created_at, thread: m.thread })),
    threads: threads.sort((a, b) => b.last_at.localeCompare(a.last_at) || a.thread.localeCompare(b.thread)).slice(0, recent),
  };
}

/** Open gates that wait for a person, from gate beads (HQ's and each rig's), oldest first. Pure. */
export function humanGates(beads: Array<{ rig: string; bead: Pick<Issue, 'id' | 'title' | 'status' | 'issue_type' | 'created_at' | 'fields'> }>): GateView[] {
  return beads
    .filter(({ bead: b }) => b.issue_type === GATE_TYPE && b.status !== 'closed' && (b.fields as Partial<GateState>).gate?.type === 'human')
    .map(({ rig, bead: b }) => ({ id: b.id, rig, title: b.title, step: (b.fields as Partial<GateState>).gate_step, created_at: b.created_at }))
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

/** The snapshot's content, without its timestamp: equal keys mean nothing worth resending. */
export function snapshotKey(s: DashboardSnapshot): string {
  return JSON.stringify({ ...s, generated_at: undefined });
}

/** The refinery's verdict on the rig's main, when it says the current tip fails its tests. */
function redMain(rig: Rig): RigQueue['mainRed'] {
  const tip = gitSyncTry(rig.repoDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${rig.mainBranch}`]);
  if (tip.code !== 0) return undefined;
  const v = readMainVerdict(refineryRepo(rig).stateDir, tip.stdout.trim());
  return v && !v.passed ? { commit: v.commit, tail: v.tail } : undefined;
}

/** Reads the whole town once; agents' states are checked against the live evidence when given. */
export async function buildSnapshot(town: Town, live?: LiveEvidence): Promise<DashboardSnapshot> {
  const status = await townStatus(town);
  const rigs = listRigs(town);
  const at = Date.now();
  const agents = groupAgentsByRig((await listAgents(town)).map((a) => agentView(a, live, at)), rigs.map((r) => r.name));
  const convoyBeads = new Map((await (await town.stores.hq()).list({ type: CONVOY_TYPE })).map((b) => [b.id, b]));
  const allConvoys = await listConvoys(town, { all: true });
  const queues: RigQueue[] = [];
  for (const r of rigs) {
    const store = await town.stores.rig(r);
    const mrs = await listMergeRequests(store);
    const titles = new Map((await store.list({ ids: [...new Set(mrs.map((m) => m.source_bead).filter(Boolean))] })).map((b) => [b.id, b.title]));
    const q = rigQueue(r.name, mrs, RECENT_MRS, titles);
    const red = redMain(r);
    if (red) q.mainRed = red;
    queues.push(q);
  }
  const hq = await town.stores.hq();
  const allMail = (await hq.list({ type: MESSAGE_TYPE })).map(messageFromBead);
  const mail = MAILBOXES.map((address) => mailbox(address, allMail));
  const gateBeads = (await hq.list({ type: GATE_TYPE })).map((bead) => ({ rig: 'hq', bead }));
  for (const r of rigs) for (const bead of await (await town.stores.rig(r)).list({ type: GATE_TYPE })) gateBeads.push({ rig: r.name, bead });
  return {
    town: status.town,
    generated_at: now(),
    rigs: status.rigs,
    byState: countByState(agents),
    agents,
    queues,
    convoys: convoyViews(allConvoys, convoyBeads),
    mail,
    gates: humanGates(gateBeads),
    costs: costSummary((await costReport(town)).sessions, allConvoys),
  };
}
