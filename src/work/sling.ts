// Sling: put work on a hook. To a rig: a fresh polecat (identity, worktree, branch) per bead. To an
// agent: onto that agent's hook. Every sling is wrapped in a convoy. Idempotent: slinging a bead
// that is already hooked where it was asked to go changes nothing and says so.
import { ConflictError, UserError } from '../lib/errors.js';
import type { Issue, Store } from '../beads/store.js';
import { notReadyReasons } from '../beads/ready.js';
import { fitTitle, MAX_TITLE_LENGTH } from '../beads/model.js';
import { listRigs, loadRig, openHqStore, storeForBead, type Rig } from '../town/rig.js';
import { canonicalAddress, parseAddress } from '../town/address.js';
import { getAgent, mustGetAgent, updateAgentFields, whoami, setAgentState } from '../town/identity.js';
import type { Town } from '../town/town.js';
import { allocatePolecat, ensureWorktree, decommissionPolecat } from './polecat.js';
import { createConvoy, addToConvoy, convoysTracking, requireConvoy } from './convoy.js';

export interface SlingOptions {
  /**
   * Agent adapter for the session (per-sling override of the rig/role config). Recorded on the
   * bead (`slung_agent`), so later slings of it and of its bounce fixes use it too.
   */
  agent?: string;
  /** Sling even if the bead is blocked or claimed. */
  force?: boolean;
  /** Add to this convoy instead of creating one. */
  convoy?: string;
  /** Start the agent's session (default true). */
  start?: boolean;
  actor?: string;
}

export interface Hooked {
  bead: string;
  agent: string;
  /** false when the bead was already hooked there (idempotent re-sling). */
  created: boolean;
  workdir: string;
  branch?: string;
  session?: 'started' | 'failed';
  error?: string;
}

export interface SlingResult {
  convoy?: string;
  convoyCreated: boolean;
  hooked: Hooked[];
}

const SLINGABLE: Issue['status'][] = ['open'];
/** The bead field that remembers the agent CLI a bead was slung with (a fix bead inherits it). */
export const SLUNG_AGENT = 'slung_agent';

/** The agent CLI for a bead: the one asked for now, else the one it was slung with before. Pure. */
export function agentForBead(bead: Pick<Issue, 'fields'>, asked: string | undefined): string | undefined {
  const recorded = bead.fields[SLUNG_AGENT];
  return asked || (typeof recorded === 'string' && recorded ? recorded : undefined);
}
const SLINGABLE_FORCED: Issue['status'][] = ['open', 'in_progress', 'blocked', 'deferred'];

/** Why a bead cannot be slung, or undefined. Pure over the bead and its readiness explanation. */
export function slingRefusal(bead: Issue, notReadyReasons: string[], force: boolean): string | undefined {
  if (bead.status === 'closed' || bead.status === 'tombstone') return `${bead.id} is closed`;
  if (bead.status === 'hooked' || force) return undefined; // hooked: decided by where it is hooked
  if (bead.status === 'in_progress' && bead.assignee) return `${bead.id} is already claimed by ${bead.assignee} (use --force to take it)`;
  if (bead.status !== 'open') return `${bead.id} is ${bead.status} (use --force to sling anyway)`;
  if (notReadyReasons.length) return `${bead.id} is not ready: ${notReadyReasons.join('; ')} (use --force to sling anyway)`;
  return undefined;
}

/**
 * Why an open bead is not ready to be slung. A molecule root is bookkeeping to `ready` (its steps
 * are the work), yet slinging the root is how a molecule is worked: its type is no reason here,
 * nor being a wisp (a patrol's molecule is worked from a hook like any other).
 */
function slingReadiness(store: Store, bead: Issue): string[] {
  const reasons = store.explain(bead.id);
  if (bead.issue_type !== 'molecule') return reasons;
  const typeReasons = new Set(notReadyReasons({ status: 'open', issue_type: bead.issue_type, ephemeral: bead.ephemeral, blockers: [] }));
  return reasons.filter((r) => !typeReasons.has(r));
}

function holderRig(assignee: string | undefined): string | undefined {
  if (!assignee) return undefined;
  try {
    const p = parseAddress(assignee);
    return p.role === 'polecat' ? p.rig : undefined;
  } catch {
    return undefined;
  }
}

export async function sling(town: Town, beadIds: string[], target: string, opts: SlingOptions = {}): Promise<SlingResult> {
  if (!beadIds.length) throw new UserError('nothing to sling', 'usage: gt sling <bead...> <rig|agent>');
  const actor = opts.actor ?? whoami(town);
  const force = !!opts.force;
  const rig = listRigs(town).find((r) => r.name === target);
  const agentTarget = rig ? undefined : canonicalAddress(target);
  if (agentTarget) {
    mustGetAgent(town, agentTarget);
    if (beadIds.length > 1) throw new UserError(`an agent's hook holds one bead; got ${beadIds.length}`, 'sling several beads to a rig, or one at a time');
  }

  // Validate the target's agent CLI, the convoy and every bead before changing anything.
  // (An unknown --agent is bad input; an agent CLI missing from PATH is a launch fault, recorded
  // on the identity as dead with the reason, so only the name is checked here.)
  if (opts.agent) {
    const { resolveAdapter } = await import('../runtime/adapters/registry.js');
    const p = agentTarget ? parseAddress(agentTarget) : { rig: rig!.name };
    const agents = p.rig ? loadRig(town, p.rig).agents : undefined;
    resolveAdapter(opts.agent, agents, town.config.agents);
  }
  const beads = beadIds.map((raw) => {
    const store = storeForBead(town, raw);
    // Readiness first, then the bead: a racing sling may hook it in between (open -> hooked only
    // moves forward), and a bead still open when read last was open when its readiness was read.
    const seen = store.mustGet(raw);
    const reasons = slingReadiness(store, seen);
    const bead = store.mustGet(seen.id);
    const refusal = slingRefusal(bead, bead.status === 'open' ? reasons : [], force);
    if (refusal) throw new UserError(`cannot sling: ${refusal}`);
    if (bead.status === 'hooked') {
      const here = rig ? holderRig(bead.assignee) === rig.name : bead.assignee === agentTarget;
      if (!here) throw new ConflictError(`cannot sling: ${bead.id} is already hooked to ${bead.assignee}`, bead.assignee);
    }
    return { store, bead };
  });
  if (opts.convoy) requireConvoy(town, opts.convoy);

  const hooked: Hooked[] = [];
  const agents = new Map<Hooked, string | undefined>();
  for (const { store, bead } of beads) {
    const agent = agentForBead(bead, opts.agent);
    const h = rig ? await hookToPolecat(town, rig, store, bead.id, actor, { ...opts, agent }) : await hookToAgent(town, agentTarget!, store, bead.id, actor, opts.agent);
    hooked.push(h);
    agents.set(h, agent);
  }

  // Wrap in a convoy: the given one; an open one already tracking these beads (a re-sling, a racing
  // sling, a convoy made before slinging) or the work a fix bead redoes (a bounce stays in its
  // convoy); else a new one.
  const ids = hooked.map((h) => h.bead);
  const origins = beads.map((b) => b.bead.fields.bounce_of).filter((o): o is string => typeof o === 'string');
  let convoy = opts.convoy;
  let convoyCreated = false;
  if (!convoy) {
    // Decided in one HQ transaction, so racing slings of the same bead find one convoy, not make two.
    const hq = openHqStore(town);
    ({ convoy, convoyCreated } = hq.write(() => {
      const open = (cs: Issue[]) => cs.filter((c) => c.status !== 'closed');
      const existing = open(convoysTracking(town, [...ids, ...origins]));
      if (existing.length) return { convoy: addToConvoy(town, existing[0]!.id, ids, actor).id, convoyCreated: false };
      const more = beads.length > 1 ? ` (+${beads.length - 1})` : '';
      const title = fitTitle(beads[0]!.bead.title, MAX_TITLE_LENGTH - more.length) + more;
      return { convoy: createConvoy(town, title, ids, actor).id, convoyCreated: true };
    }));
  } else addToConvoy(town, convoy, ids, actor);

  if (opts.start !== false) {
    // Launch concurrently: each launch watches its session for an early exit, and those waits
    // should overlap rather than add up when slinging many beads.
    await Promise.all(hooked.map((h) => startSession(town, h, agents.get(h))));
  } else {
    // Nobody is starting these: say so, so the Witness (if a deacon runs) starts them, not waits.
    for (const h of hooked) if (h.created) setAgentState(town, h.agent, 'dead', 'slung with --no-start: no session yet', actor);
  }
  return { convoy, convoyCreated, hooked };
}

async function hookToPolecat(town: Town, rig: Rig, store: Store, beadId: string, actor: string, opts: SlingOptions): Promise<Hooked> {
  // One write transaction decides: already hooked here (idempotent) or allocate + hook (CAS).
  const decided = store.write(() => {
    const bead = store.mustGet(beadId);
    if (bead.status === 'hooked') {
      if (holderRig(bead.assignee) !== rig.name) throw new ConflictError(`cannot sling: ${bead.id} is already hooked to ${bead.assignee}`, bead.assignee);
      return { agent: getAgent(town, bead.assignee!)!, created: false };
    }
    const agent = allocatePolecat(town, rig, bead.id, actor, opts.agent);
    const statuses = opts.force ? SLINGABLE_FORCED : SLINGABLE;
    store.compareAndSet(bead.id, { status: statuses }, { status: 'hooked', assignee: agent.address, ...recordAgent(opts.agent) }, actor);
    return { agent, created: true };
  });
  const { agent, created } = decided;
  try {
    await ensureWorktree(rig, agent.workdir, agent.branch!);
  } catch (e) {
    if (created) {
      // Undo the hook so the bead is free again; the identity goes with it.
      store.compareAndSet(beadId, { status: 'hooked', assignee: agent.address }, { status: 'open', assignee: null }, actor);
      await decommissionPolecat(town, rig, agent.name!, { keepBranch: true, reason: 'worktree creation failed' });
    }
    throw new UserError(`cannot create worktree for ${agent.address}: ${(e as Error).message}`);
  }
  return { bead: beadId, agent: agent.address, created, workdir: agent.workdir, branch: agent.branch };
}

/** The patch that records an explicitly chosen agent CLI on the bead. */
function recordAgent(agent: string | undefined): { fields?: Record<string, unknown> } {
  return agent ? { fields: { [SLUNG_AGENT]: agent } } : {};
}

async function hookToAgent(town: Town, address: string, store: Store, beadId: string, actor: string, agentCli?: string): Promise<Hooked> {
  const agent = mustGetAgent(town, address);
  if (agent.hook === beadId) return { bead: beadId, agent: address, created: false, workdir: agent.workdir };
  if (agent.hook) throw new ConflictError(`${address} already has ${agent.hook} on its hook`, address);
  store.write(() => {
    const bead = store.mustGet(beadId);
    if (bead.status === 'hooked' && bead.assignee === address) return;
    store.compareAndSet(beadId, { status: SLINGABLE_FORCED }, { status: 'hooked', assignee: address, ...recordAgent(agentCli) }, actor);
  });
  try {
    updateAgentFields(town, address, { hook_bead: beadId }, actor);
  } catch (e) {
    store.compareAndSet(beadId, { status: 'hooked', assignee: address }, { status: 'open', assignee: null }, actor);
    throw e;
  }
  return { bead: beadId, agent: address, created: true, workdir: agent.workdir };
}

const OPENING_PROMPT =
  'You are a Gas Town agent. Run `gt prime` now: it prints your role and the work on your hook. ' +
  'Work the hook to completion (GUPP: if there is work on your hook, you run it).';

/**
 * Makes sure the hooked agent has a session working the bead: a new hook on a live agent gets a
 * nudge, a dead or never-started one gets launched (so re-slinging after a crash between hooking
 * and launching finishes the job), a live agent re-slung the same bead is left alone.
 */
async function startSession(town: Town, h: Hooked, adapter: string | undefined): Promise<void> {
  const { launchAgent, isAgentAlive, nudgeAgent } = await import('../runtime/launch.js');
  if (isAgentAlive(town, h.agent)) {
    if (h.created) await nudgeAgent(town, h.agent, `New work on your hook (${h.bead}). Run \`gt prime\` and work it.`, { timeoutMs: 5000 }).catch(() => undefined);
    h.session = 'started';
    return;
  }
  try {
    await launchAgent(town, h.agent, { adapter, prompt: OPENING_PROMPT });
    h.session = 'started';
  } catch (e) {
    h.session = 'failed';
    h.error = (e as Error).message;
    try { setAgentState(town, h.agent, 'dead', h.error); } catch { /* identity gone */ }
  }
}

