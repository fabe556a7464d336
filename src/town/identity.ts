// Identities are agent beads: one per address, in the HQ store for town roles and in the rig's
// store for rig roles. State is recorded with the evidence that led to it.
import { join } from 'node:path';
import { NotFoundError } from '../lib/errors.js';
import { now } from '../lib/time.js';
import type { Issue } from '../beads/model.js';
import type { Store, Tx } from '../beads/api.js';
import { parseAddress, formatAddress, agentBeadId, sessionName as sessionNameOf, type ParsedAddress, type Role } from './address.js';
import { HQ_PREFIX, type Town } from './town.js';
import { loadRig, listRigs } from './rig.js';
import { machineStamp } from './machine.js';

export type { Role } from './address.js';
export type AgentState = 'spawning' | 'working' | 'idle' | 'stuck' | 'done' | 'dead';

export interface SessionRecord {
  session_id?: string;
  session_name: string;
  adapter: string;
  mode: 'tmux' | 'headless';
  pid?: number;
  started_at: string;
  ended_at?: string;
  transcript?: string;
}

export interface Agent {
  address: string;
  beadId: string;
  role: Role;
  rig?: string;
  name?: string;
  state: AgentState;
  reason?: string;
  hook?: string;
  workdir: string;
  branch?: string;
  adapter?: string;
  sessions: SessionRecord[];
  last_activity?: string;
  /** Sessions the Witness restarted after this identity's session died. */
  restarts: number;
  /** When the Witness last restarted it (ISO). */
  restartedAt?: string;
  /** The Witness gave up restarting it (and told the Mayor). */
  gaveUp: boolean;
  /** When it gave up (ISO). */
  gaveUpAt?: string;
  /** false once decommissioned (the bead is closed). */
  active: boolean;
  /** In a town shared across machines: the machine whose sessions run it (town/machine.ts). */
  machine?: string;
}

/** The store that holds an identity's bead, and the bead's id there. */
export async function agentLocation(town: Town, p: ParsedAddress): Promise<{ store: Store; beadId: string }> {
  if (!p.rig) return { store: await town.stores.hq(), beadId: agentBeadId(HQ_PREFIX, p) };
  const rig = loadRig(town, p.rig);
  return { store: await town.stores.rig(rig), beadId: agentBeadId(rig.prefix, p) };
}

/**
 * Where an identity's bead is read and written: `tx` when the caller runs a transaction on the
 * identity's own store (so the identity's change is part of it), else the store itself.
 */
async function agentHandle(town: Town, p: ParsedAddress, tx: Tx | undefined): Promise<{ store: Tx; beadId: string }> {
  const { store, beadId } = await agentLocation(town, p);
  return { store: tx ?? store, beadId };
}

/** The directory an identity works in. */
export function defaultWorkdir(town: Town, p: ParsedAddress): string {
  switch (p.role) {
    case 'polecat': return join(town.root, p.rig!, 'polecats', p.name!);
    case 'crew': return join(town.root, p.rig!, 'crew', p.name!);
    case 'refinery': return join(town.root, p.rig!, 'refinery', 'rig');
    case 'witness': return join(town.root, p.rig!, 'witness');
    case 'dog': return join(town.root, 'deacon', 'dogs', p.name!);
    case 'overseer': return town.root;
    default: return join(town.root, p.role);
  }
}

export function agentFromBead(bead: Issue): Agent {
  const f = bead.fields;
  return {
    address: String(f.address ?? bead.title),
    beadId: bead.id,
    role: f.role_type as Role,
    rig: (f.rig as string) || undefined,
    name: (f.agent_name as string) || undefined,
    state: (f.agent_state as AgentState) ?? 'idle',
    reason: (f.state_reason as string) || undefined,
    hook: (f.hook_bead as string) || undefined,
    workdir: String(f.workdir ?? ''),
    branch: (f.branch as string) || undefined,
    adapter: (f.adapter as string) || undefined,
    sessions: (f.sessions as SessionRecord[]) ?? [],
    last_activity: (f.last_activity as string) || undefined,
    restarts: Number(f.restarts ?? 0),
    restartedAt: (f.restarted_at as string) || undefined,
    gaveUp: f.gave_up === true,
    gaveUpAt: (f.gave_up_at as string) || undefined,
    active: bead.status !== 'closed',
    machine: (f.machine as string) || undefined,
  };
}

/** `tx`, when given, is a transaction on the identity's own store (see agentHandle). */
export async function getAgent(town: Town, address: string, tx?: Tx): Promise<Agent | undefined> {
  const p = parseAddress(address);
  const { store, beadId } = await agentHandle(town, p, tx);
  const bead = await store.get(beadId);
  return bead && bead.id === beadId ? agentFromBead(bead) : undefined;
}

export async function mustGetAgent(town: Town, address: string, tx?: Tx): Promise<Agent> {
  const a = await getAgent(town, address, tx);
  if (!a || !a.active) throw new NotFoundError('agent', address, "see 'gt status' for the town's agents");
  return a;
}

export interface EnsureAgentOptions { workdir?: string; branch?: string; adapter?: string; state?: AgentState; hook?: string }

/**
 * Creates the identity's bead, or reopens and resets a decommissioned one (polecat names are
 * reused). Returns the agent and whether it was created. Pass `tx` (a transaction on the identity's
 * store) to make it part of a larger atomic unit.
 */
export async function ensureAgent(town: Town, address: string, actor: string, opts: EnsureAgentOptions = {}, tx?: Tx): Promise<{ agent: Agent; created: boolean }> {
  const p = parseAddress(address);
  const canonical = formatAddress(p);
  const { store: outer, beadId } = await agentHandle(town, p, tx);
  return outer.transaction(async (store) => {
    const existing = await store.get(beadId);
    const fields = {
      address: canonical,
      role_type: p.role,
      rig: p.rig ?? null,
      agent_name: p.name ?? null,
      agent_state: opts.state ?? (p.role === 'polecat' ? 'spawning' : 'idle'),
      state_reason: 'created',
      hook_bead: opts.hook ?? null,
      workdir: opts.workdir ?? defaultWorkdir(town, p),
      branch: opts.branch ?? null,
      adapter: opts.adapter ?? null,
      restarts: null,
      restarted_at: null,
      gave_up: null,
      gave_up_at: null,
      last_activity: now(),
      machine: machineStamp(town), // the machine making (or reusing) the identity runs its sessions
    };
    if (existing && existing.id === beadId) {
      if (existing.status !== 'closed') return { agent: agentFromBead(existing), created: false };
      await store.reopen(beadId, actor);
      return { agent: agentFromBead(await store.update(beadId, { fields: { ...fields, sessions: existing.fields.sessions ?? null } }, actor)), created: true };
    }
    const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
    const bead = await store.create({ id: beadId, title: canonical, issue_type: 'agent', priority: 2, fields: clean }, actor);
    return { agent: agentFromBead(bead), created: true };
  });
}

export async function updateAgentFields(town: Town, address: string, fields: Record<string, unknown | null>, actor: string, tx?: Tx): Promise<Agent> {
  const p = parseAddress(address);
  const { store, beadId } = await agentHandle(town, p, tx);
  if (!(await store.get(beadId))) throw new NotFoundError('agent', address);
  return agentFromBead(await store.update(beadId, { fields: { ...fields, last_activity: now() } }, actor));
}

export function setAgentState(town: Town, address: string, state: AgentState, reason?: string, actor = 'gt'): Promise<Agent> {
  return updateAgentFields(town, address, { agent_state: state, state_reason: reason ?? null }, actor);
}

/** Appends a session to the identity's history (or updates the matching one). */
export async function recordSession(town: Town, address: string, session: SessionRecord, actor = 'gt'): Promise<Agent> {
  const p = parseAddress(address);
  const { store: outer, beadId } = await agentLocation(town, p);
  return outer.transaction(async (store) => {
    const bead = await store.get(beadId);
    if (!bead) throw new NotFoundError('agent', address);
    const sessions = [...((bead.fields.sessions as SessionRecord[]) ?? [])];
    const i = sessions.findIndex((s) => s.session_name === session.session_name && s.started_at === session.started_at);
    if (i >= 0) sessions[i] = { ...sessions[i], ...session };
    else sessions.push(session);
    return agentFromBead(await store.update(beadId, { fields: { sessions, adapter: session.adapter, last_activity: now() } }, actor));
  });
}

/** Closes an identity (decommissioned polecat). Its history stays in the bead. */
export async function retireAgent(town: Town, address: string, reason: string, actor: string): Promise<void> {
  const p = parseAddress(address);
  const { store: outer, beadId } = await agentLocation(town, p);
  await outer.transaction(async (store) => {
    const bead = await store.get(beadId);
    if (!bead || bead.id !== beadId || bead.status === 'closed') return;
    await store.update(beadId, { fields: { agent_state: 'done', state_reason: reason, hook_bead: null } }, actor);
    await store.closeIssues([beadId], reason, actor);
  });
}

/**
 * Identities, from HQ and every rig (or one rig's). `tx`, when given, is a transaction on that one
 * rig's store (filter.rig), so a count read there is part of the transaction's decision.
 */
export async function listAgents(town: Town, filter: { rig?: string; role?: Role; includeRetired?: boolean } = {}, tx?: Tx): Promise<Agent[]> {
  const stores: Tx[] = [];
  if (tx && filter.rig) stores.push(tx);
  else {
    if (!filter.rig) stores.push(await town.stores.hq());
    for (const rig of listRigs(town)) if (!filter.rig || rig.name === filter.rig) stores.push(await town.stores.rig(rig));
  }
  const agents: Agent[] = [];
  for (const s of stores) {
    const fields: Record<string, unknown> = {};
    if (filter.role) fields.role_type = filter.role;
    for (const b of await s.list({ type: 'agent', fields, includeClosed: !!filter.includeRetired })) agents.push(agentFromBead(b));
  }
  return agents.filter((a) => filter.includeRetired || a.active);
}

export function sessionName(agent: Pick<Agent, 'role' | 'rig' | 'name'>): string {
  return sessionNameOf(agent);
}

/**
 * Who is running this command: GT_AGENT, else inferred from the cwd's place in the town
 * (polecat worktree, crew dir, mayor dir...), else the overseer (the human).
 */
export function whoami(town: Town, cwd = process.cwd()): string {
  if (process.env.GT_AGENT) return formatAddress(parseAddress(process.env.GT_AGENT));
  const rel = cwd.startsWith(town.root + '/') ? cwd.slice(town.root.length + 1).split('/') : [];
  const [a, b, c] = rel;
  if (a === 'mayor' || a === 'deacon') return a;
  if (a && b === 'polecats' && c) return `${a}/polecats/${c}`;
  if (a && b === 'crew' && c) return `${a}/crew/${c}`;
  if (a && (b === 'refinery' || b === 'witness')) return `${a}/${b}`;
  return 'overseer';
}
