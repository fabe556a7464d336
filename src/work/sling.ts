// Sling: put work on a hook. To a rig: a fresh polecat (identity, worktree, branch) per ready bead
// while capacity lasts; blocked beads and beads beyond capacity are staged on the convoy and the
// deacon slings them later (work/feed.ts); an epic is slung as its children. To an agent: onto that
// agent's hook. Every sling is wrapped in a convoy. Idempotent: slinging a bead that is already
// hooked where it was asked to go changes nothing and says so.
import { ConflictError, UserError } from '../lib/errors.js';
import type { Issue } from '../beads/model.js';
import type { Store, Tx } from '../beads/api.js';
import { findCycles, isBlockerReason, notReadyReasons } from '../beads/ready.js';
import { NON_WORK_TYPES, fitTitle, MAX_TITLE_LENGTH } from '../beads/model.js';
import { brokenRigs, listRigs, loadRig, type Rig } from '../town/rig.js';
import { canonicalAddress, parseAddress } from '../town/address.js';
import { getAgent, mustGetAgent, updateAgentFields, whoami, setAgentState } from '../town/identity.js';
import type { Town } from '../town/town.js';
import { isShared, ownedHere } from '../town/machine.js';
import { allocatePolecat, ensureWorktree, decommissionPolecat } from './polecat.js';
import { createConvoy, addToConvoy, convoysTracking, requireConvoy, stageOnConvoy, unstage, convoyMaxConcurrent, convoyInFlight } from './convoy.js';
import { capacityView, describeSlots, freeSlots, polecatsIn, rigLimit, type Slots } from './capacity.js';
import { describeUnlanded, unlandedBlockers } from './landed.js';

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
  /** At most this many of the convoy's beads in flight at once (slinging to a rig). */
  maxConcurrent?: number;
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
  /** The agent CLI the session is started with, when one was chosen (now, or recorded on the bead). */
  adapter?: string;
}

/** A bead slung to a rig but not hooked yet: blocked, or waiting for capacity. */
export interface Staged { bead: string; reason: string }

export interface SlingResult {
  convoy?: string;
  convoyCreated: boolean;
  hooked: Hooked[];
  /** Staged on the convoy; the deacon slings each when its blockers close and a slot is free. */
  staged: Staged[];
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
async function slingReadiness(store: Store, bead: Issue): Promise<string[]> {
  const reasons = await store.explain(bead.id);
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
  const broken = rig ? undefined : brokenRigs(town).find((b) => b.rig === target);
  if (broken) throw broken.error; // a rig whose rig.toml does not load: say why, not "no such agent"
  const agentTarget = rig ? undefined : canonicalAddress(target);
  if (agentTarget) {
    await mustGetAgent(town, agentTarget);
    if (beadIds.length > 1) throw new UserError(`an agent's hook holds one bead; got ${beadIds.length}`, 'sling several beads to a rig, or one at a time');
    if (opts.maxConcurrent !== undefined) throw new UserError('--max-concurrent applies to slinging to a rig', `gt sling <bead...> <rig> --max-concurrent ${opts.maxConcurrent}`);
  }
  if (opts.maxConcurrent !== undefined && !(Number.isInteger(opts.maxConcurrent) && opts.maxConcurrent >= 1)) {
    throw new UserError(`--max-concurrent must be a whole number of at least 1, not ${opts.maxConcurrent}`);
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
  // An epic is slung as its children (to a rig; an agent's hook holds the epic itself).
  const { beads: found, epics } = rig ? await expandEpics(town, beadIds) : { beads: await Promise.all(beadIds.map(async (raw) => ({ store: await town.stores.forBead(raw), id: raw }))), epics: [] };
  const beads: { store: Store; bead: Issue; blockers: string[] }[] = [];
  for (const { store, id } of found) {
    // Readiness first, then the bead: a racing sling may hook it in between (open -> hooked only
    // moves forward), and a bead still open when read last was open when its readiness was read.
    const seen = await store.mustGet(id);
    const reasons = await slingReadiness(store, seen);
    const bead = await store.mustGet(seen.id);
    // To a rig, a bead blocked only by other work is staged on the convoy, not refused.
    const blockers = rig && !force && bead.status === 'open' ? reasons.filter(isBlockerReason) : [];
    // A blocker closed before its work landed on main still blocks: staged until it lands.
    if (rig && !force && bead.status === 'open') for (const u of await unlandedBlockers(town, bead)) blockers.push(describeUnlanded(u.id, u.work));
    const refusal = slingRefusal(bead, bead.status === 'open' ? reasons.filter((r) => !blockers.includes(r)) : [], force);
    if (refusal) throw new UserError(`cannot sling: ${refusal}`);
    if (bead.status === 'hooked') {
      const here = rig ? holderRig(bead.assignee) === rig.name : bead.assignee === agentTarget;
      if (!here) throw new ConflictError(`cannot sling: ${bead.id} is already hooked to ${bead.assignee}`, bead.assignee);
    }
    beads.push({ store, bead, blockers });
  }
  const cycle = findCycles(beads.flatMap((b) => b.bead.dependencies)).find((c) => c.every((id) => beads.some((b) => b.bead.id === id)));
  if (cycle) throw new UserError(`cannot sling: dependency cycle ${[...cycle, cycle[0]].join(' -> ')}`, 'remove one of those dependencies (bd dep remove), then sling again');
  if (opts.convoy) await requireConvoy(town, opts.convoy);

  const ids = beads.map((b) => b.bead.id);
  const origins = beads.map((b) => b.bead.fields.bounce_of).filter((o): o is string => typeof o === 'string');
  const more = beads.length > 1 ? ` (+${beads.length - 1})` : '';
  const title = fitTitle(beads[0]!.bead.title, MAX_TITLE_LENGTH - more.length) + more;
  if (!rig) {
    const hooked = [await hookToAgent(town, agentTarget!, beads[0]!.store, beads[0]!.bead.id, actor, opts.agent)];
    hooked[0]!.adapter = agentForBead(beads[0]!.bead, opts.agent);
    const { convoy, convoyCreated } = await chooseConvoy(town, ids, origins, title, opts.convoy, actor);
    await startSessions(town, hooked, opts, actor);
    return { convoy, convoyCreated, hooked, staged: [] };
  }

  // To a rig: the convoy first, every bead staged on it; then the ready ones are hooked while
  // capacity lasts. A crash in between leaves beads staged (the deacon slings them), never lost.
  const { convoy, convoyCreated } = await chooseConvoy(town, ids, origins, title, opts.convoy, actor);
  const open = beads.filter((b) => b.bead.status === 'open');
  await stageOnConvoy(town, convoy, Object.fromEntries(open.map((b) => [b.bead.id, { target: rig.name, ...(opts.agent ? { agent: opts.agent } : {}) }])), { maxConcurrent: opts.maxConcurrent, epics }, actor);

  const slots = await slotsFor(town, rig, convoy);
  let free = freeSlots(slots);
  const hooked: Hooked[] = [];
  const staged: Staged[] = [];
  const queued: string[] = [];
  const ready = beads.filter((b) => !b.blockers.length).sort((a, b) => byPriority(a.bead, b.bead));
  for (const b of ready) {
    const agent = agentForBead(b.bead, opts.agent);
    const h = b.bead.status === 'hooked' || free > 0 ? await hookToPolecat(town, rig, b.store, b.bead.id, actor, { ...opts, agent }, rigLimit(town, rig)) : undefined;
    if (h) {
      h.adapter = agent;
      hooked.push(h);
      if (h.created) free--;
    } else queued.push(b.bead.id);
  }
  if (queued.length) {
    const full = describeSlots(fullest(await slotsFor(town, rig, convoy)));
    for (const id of queued) staged.push({ bead: id, reason: `queued: ${full}` });
  }
  for (const b of beads) if (b.blockers.length) staged.push({ bead: b.bead.id, reason: b.blockers.join('; ') });
  await unstage(town, convoy, hooked.map((h) => h.bead), actor);
  await startSessions(town, hooked, opts, actor);
  return { convoy, convoyCreated, hooked, staged };
}

function byPriority(a: Issue, b: Issue): number {
  return a.priority - b.priority || a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id);
}

/** The slots that limit slinging into this rig for this convoy: the rig's, the town's, the convoy's. */
async function slotsFor(town: Town, rig: Rig, convoyId: string): Promise<Slots[]> {
  const view = await capacityView(town);
  const slots: Slots[] = [view.rigs[rig.name]!, view.town];
  const limit = convoyMaxConcurrent(await requireConvoy(town, convoyId));
  if (limit !== undefined) slots.push({ running: await convoyInFlight(town, convoyId), limit });
  return slots;
}

/** The limit that leaves the fewest free slots (the one to name when work is queued). */
function fullest(slots: Slots[]): Slots {
  return slots.reduce((a, b) => (b.limit - b.running < a.limit - a.running ? b : a));
}

/**
 * The beads named, with every epic replaced by its open children (nested epics too). An epic with
 * no open children is bad input: there is nothing to sling.
 */
async function expandEpics(town: Town, raw: string[]): Promise<{ beads: { store: Store; id: string }[]; epics: string[] }> {
  const out = new Map<string, { store: Store; id: string }>();
  const epics: string[] = [];
  const visit = async (store: Store, id: string, depth: number): Promise<void> => {
    const bead = await store.mustGet(id);
    if (bead.issue_type !== 'epic') {
      out.set(bead.id, { store, id: bead.id });
      return;
    }
    epics.push(bead.id);
    const children = (await store.list({ parent: bead.id })).filter((c) => c.status !== 'closed' && c.status !== 'tombstone' && !NON_WORK_TYPES.includes(c.issue_type));
    if (!children.length && depth === 0) throw new UserError(`cannot sling: epic ${bead.id} has no open children`, `add some with bd create --parent ${bead.id}`);
    for (const c of children) if (depth < 10) await visit(store, c.id, depth + 1);
  };
  for (const id of raw) await visit(await town.stores.forBead(id), id, 0);
  return { beads: [...out.values()], epics };
}

/**
 * The convoy that tracks these beads: the given one; an open one already tracking them (a re-sling,
 * a racing sling, a convoy made before slinging) or the work a fix bead redoes (a bounce stays in
 * its convoy); else a new one. Decided in one HQ transaction, so racing slings find one convoy.
 */
async function chooseConvoy(town: Town, ids: string[], origins: string[], title: string, given: string | undefined, actor: string): Promise<{ convoy: string; convoyCreated: boolean }> {
  if (given) {
    await addToConvoy(town, given, ids, actor);
    return { convoy: (await requireConvoy(town, given)).id, convoyCreated: false };
  }
  return (await town.stores.hq()).transaction(async (hq) => {
    const existing = (await convoysTracking(town, [...ids, ...origins], hq)).filter((c) => c.status !== 'closed');
    if (existing.length) return { convoy: (await addToConvoy(town, existing[0]!.id, ids, actor, hq)).id, convoyCreated: false };
    return { convoy: (await createConvoy(town, title, ids, actor, hq)).id, convoyCreated: true };
  });
}

async function startSessions(town: Town, hooked: Hooked[], opts: SlingOptions, actor: string): Promise<void> {
  if (opts.start !== false) {
    // Launch concurrently: each launch watches its session for an early exit, and those waits
    // should overlap rather than add up when slinging many beads.
    await Promise.all(hooked.map((h) => startSession(town, h, h.adapter ?? opts.agent)));
  } else {
    // Nobody is starting these: say so, so the Witness (if a deacon runs) starts them, not waits.
    for (const h of hooked) if (h.created) await setAgentState(town, h.agent, 'dead', 'slung with --no-start: no session yet', actor);
  }
}

/** Hooks a bead to a fresh polecat of the rig, or returns undefined when the rig is at capacity. */
async function hookToPolecat(town: Town, rig: Rig, store: Store, beadId: string, actor: string, opts: SlingOptions, limit: number): Promise<Hooked | undefined> {
  // One transaction decides: already hooked here (idempotent), rig full, or allocate + hook (CAS).
  // Polecats live in the rig's store: when the bead does too (the usual case), counting and
  // allocating them is part of the transaction, so racing slings cannot overfill the rig.
  const rigStore = await town.stores.rig(rig);
  const decided = await store.transaction(async (tx) => {
    const agents: Tx = store.prefix === rigStore.prefix ? tx : rigStore;
    const bead = await tx.mustGet(beadId);
    if (bead.status === 'hooked') {
      if (holderRig(bead.assignee) !== rig.name) throw new ConflictError(`cannot sling: ${bead.id} is already hooked to ${bead.assignee}`, bead.assignee);
      return { agent: (await getAgent(town, bead.assignee!, agents))!, created: false };
    }
    // Counted where polecats are allocated, so racing slings cannot overfill the rig.
    if ((await polecatsIn(town, rig, agents)) >= limit) return undefined;
    const agent = await allocatePolecat(town, rig, bead.id, actor, opts.agent, agents);
    const statuses = opts.force ? SLINGABLE_FORCED : SLINGABLE;
    await tx.compareAndSet(bead.id, { status: statuses }, { status: 'hooked', assignee: agent.address, ...recordAgent(opts.agent) }, actor);
    return { agent, created: true };
  });
  if (!decided) return undefined;
  const { agent, created } = decided;
  // Hooked meanwhile by another machine of a shared town (its feeder won the claim): its to run.
  if (!created && !ownedHere(town, agent)) return undefined;
  try {
    await ensureWorktree(rig, agent.workdir, agent.branch!, { fromRemote: isShared(town) });
  } catch (e) {
    if (created) {
      // Undo the hook so the bead is free again; the identity goes with it.
      await store.compareAndSet(beadId, { status: 'hooked', assignee: agent.address }, { status: 'open', assignee: null }, actor);
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
  const agent = await mustGetAgent(town, address);
  if (agent.hook === beadId) return { bead: beadId, agent: address, created: false, workdir: agent.workdir };
  if (agent.hook) throw new ConflictError(`${address} already has ${agent.hook} on its hook`, address);
  await store.transaction(async (tx) => {
    const bead = await tx.mustGet(beadId);
    if (bead.status === 'hooked' && bead.assignee === address) return;
    await tx.compareAndSet(beadId, { status: SLINGABLE_FORCED }, { status: 'hooked', assignee: address, ...recordAgent(agentCli) }, actor);
  });
  try {
    await updateAgentFields(town, address, { hook_bead: beadId }, actor);
  } catch (e) {
    await store.compareAndSet(beadId, { status: 'hooked', assignee: address }, { status: 'open', assignee: null }, actor);
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
  if (await isAgentAlive(town, h.agent)) {
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
    try { await setAgentState(town, h.agent, 'dead', h.error); } catch { /* identity gone */ }
  }
}


export interface SlingFormulaOptions extends SlingOptions {
  vars?: Record<string, string>;
  /** A convoy formula's preset (the legs to pour). */
  preset?: string;
  /** Extra formula directories (searched before the town's). */
  dirs?: string[];
  /** Pour a wisp (burned if the sling fails) rather than a molecule (closed if it fails). */
  wisp?: boolean;
}

export interface SlingFormulaResult extends SlingResult {
  molecule: { root: string; formula: string; rig: string; wisp: boolean; steps: number };
}

/**
 * `gt sling <formula> <rig>`: pours the formula into the rig's beads and slings the molecule's root
 * there, as one command. Everything a user can get wrong (the rig, the formula, its variables,
 * --agent, --convoy) is checked before the pour, so bad input changes nothing. If the sling still
 * fails (a worktree git refuses, say), the molecule is not left orphaned: a wisp is burned, a
 * poured molecule closed with the reason, and the error says which.
 */
export async function slingFormula(town: Town, name: string, target: string, opts: SlingFormulaOptions = {}): Promise<SlingFormulaResult> {
  const actor = opts.actor ?? whoami(town);
  const broken = brokenRigs(town).find((b) => b.rig === target);
  if (broken) throw broken.error;
  const rig = listRigs(town).find((r) => r.name === target);
  if (!rig) throw new UserError(`cannot sling formula ${name}: ${target} is not a rig of this town (a formula is poured into a rig and slung to a polecat there)`, 'gt rig list names the rigs; to hook an agent, gt mol pour the formula and gt sling <root> <agent>');
  if (opts.agent) {
    const { resolveAdapter } = await import('../runtime/adapters/registry.js');
    resolveAdapter(opts.agent, rig.agents, town.config.agents);
  }
  if (opts.maxConcurrent !== undefined && !(Number.isInteger(opts.maxConcurrent) && opts.maxConcurrent >= 1)) {
    throw new UserError(`--max-concurrent must be a whole number of at least 1, not ${opts.maxConcurrent}`);
  }
  if (opts.convoy) await requireConvoy(town, opts.convoy);
  const { pourFormula, burnMolecule, squashMolecule } = await import('./molecules.js');
  const poured = await pourFormula(town, name, { rig: rig.name, vars: opts.vars, preset: opts.preset, dirs: opts.dirs, wisp: opts.wisp, actor });
  const molecule = { root: poured.root.id, formula: poured.formula, rig: rig.name, wisp: poured.wisp, steps: poured.steps.length };
  try {
    return { ...(await sling(town, [poured.root.id], rig.name, { ...opts, actor })), molecule };
  } catch (e) {
    const why = (e as Error).message;
    let left: string;
    try {
      if (poured.wisp) {
        await burnMolecule(town, poured.root.id, actor);
        left = `wisp ${poured.root.id} was burned`;
      } else {
        await squashMolecule(town, poured.root.id, { summary: `sling failed: ${why}`.slice(0, 500), actor });
        left = `molecule ${poured.root.id} was poured and is now closed with that reason`;
      }
    } catch (cleanup) {
      left = `molecule ${poured.root.id} was poured and is left open (closing it failed: ${(cleanup as Error).message}); gt mol squash ${poured.root.id} closes it`;
    }
    const convoys = await convoysTracking(town, [poured.root.id]).catch(() => []);
    if (convoys.length) left += `; convoy ${convoys.map((c) => c.id).join(', ')} tracks it`;
    if (e instanceof UserError) {
      e.message = `${why} (${left})`;
      throw e;
    }
    throw new UserError(`cannot sling ${poured.root.id}: ${why} (${left})`);
  }
}
