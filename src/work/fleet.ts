// Fleet control: the Mayor's session, crew members, polecats, and stopping every agent at once.
// Each operation checks persisted state first (identity, session, worktree), so each is safe to run
// twice; stopping sessions never touches hooks, so the witness resumes the work after `gt up`.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, UserError } from '../lib/errors.js';
import { gitTry } from '../lib/git.js';
import { canonicalAddress } from '../town/address.js';
import { ensureAgent, getAgent, listAgents, mustGetAgent, retireAgent, setAgentState, type Agent } from '../town/identity.js';
import { listRigs, loadRig, type Rig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { ensureWorktree, polecatAddress, removeWorktree } from './polecat.js';

export interface AgentRow {
  address: string;
  role: string;
  state: string;
  reason?: string;
  hook?: string;
  alive: boolean;
  session?: string;
  adapter?: string;
  workdir: string;
  branch?: string;
}

const MAYOR = 'mayor';
const MAYOR_PROMPT =
  'You are the Mayor of this Gas Town. Run `gt prime` now: it prints your role, your tools and your mail. ' +
  'Then read your mail (`gt mail inbox`) and wait for the overseer to tell you what to build.';
const CREW_PROMPT = 'You are a crew member of this Gas Town. Run `gt prime` now: it prints your role, your hook and your mail; work your hook if it holds a bead.';

async function runtime() {
  return import('../runtime/launch.js');
}

export async function agentRow(town: Town, a: Agent): Promise<AgentRow> {
  const { isAgentAlive } = await runtime();
  const s = a.sessions.at(-1);
  return { address: a.address, role: a.role, state: a.state, reason: a.reason, hook: a.hook, alive: await isAgentAlive(town, a.address), session: s?.session_name, adapter: s?.adapter ?? a.adapter, workdir: a.workdir, branch: a.branch };
}

/** Starts an agent's session unless it is running; returns whether this call started it. */
async function ensureRunning(town: Town, address: string, prompt: string, adapter?: string, forAttach = false): Promise<{ agent: AgentRow; started: boolean }> {
  const { isAgentAlive, launchAgent, resolveRuntime } = await runtime();
  if (await isAgentAlive(town, address)) return { agent: await agentRow(town, await mustGetAgent(town, address)), started: false };
  // A session started only to be attached to must be one a terminal can attach to.
  if (forAttach && resolveRuntime(town, await mustGetAgent(town, address), { adapter }).mode === 'headless') {
    throw new UserError(`${address}'s sessions are headless in this town (runtime mode), so there is nothing to attach to`, `start it with gt ${address === MAYOR ? 'mayor start' : `crew start ${address}`} and read it with gt peek ${address}`);
  }
  await launchAgent(town, address, { prompt, adapter });
  return { agent: await agentRow(town, await mustGetAgent(town, address)), started: true };
}

async function stopSession(town: Town, address: string, reason: string): Promise<boolean> {
  const { isAgentAlive, stopAgent } = await runtime();
  const alive = await isAgentAlive(town, address);
  await stopAgent(town, address);
  if (alive) await setAgentState(town, address, 'dead', reason, 'gt');
  return alive;
}

// --- the Mayor ---------------------------------------------------------------------------------

export async function mayorStart(town: Town, opts: { agent?: string; forAttach?: boolean } = {}): Promise<{ agent: AgentRow; started: boolean }> {
  await ensureAgent(town, MAYOR, 'gt'); // a town installed before the Mayor existed gets one
  return ensureRunning(town, MAYOR, MAYOR_PROMPT, opts.agent, opts.forAttach);
}

export async function mayorStop(town: Town): Promise<{ stopped: boolean }> {
  await ensureAgent(town, MAYOR, 'gt');
  return { stopped: await stopSession(town, MAYOR, 'stopped by gt mayor stop') };
}

export async function mayorStatus(town: Town): Promise<AgentRow & { unread: number }> {
  await ensureAgent(town, MAYOR, 'gt');
  const { inbox } = await import('./mail.js');
  return { ...(await agentRow(town, await mustGetAgent(town, MAYOR))), unread: (await inbox(town, MAYOR, { unread: true })).length };
}

// --- crew --------------------------------------------------------------------------------------

async function crewAddress(town: Town, name: string, rig?: string): Promise<string> {
  if (name.includes('/')) return canonicalAddress(name);
  const rigs = rig ? [loadRig(town, rig)] : [];
  if (!rig) for (const r of listRigs(town)) if ((await getAgent(town, `${r.name}/crew/${name}`))?.active) rigs.push(r);
  if (rigs.length === 1) return `${rigs[0]!.name}/crew/${name}`;
  if (!rigs.length) throw new NotFoundError('crew member', name, "see 'gt crew list'; add one with gt crew add <name> --rig <rig>");
  throw new UserError(`crew member '${name}' exists in several rigs (${rigs.map((r) => r.name).join(', ')})`, 'name it as <rig>/crew/<name>, or pass --rig');
}

export async function crewAdd(town: Town, name: string, rigName: string, actor: string): Promise<{ agent: Agent; created: boolean }> {
  const rig = loadRig(town, rigName);
  const address = `${rig.name}/crew/${name}`;
  const branch = `crew/${name}`;
  const { agent, created } = await ensureAgent(town, address, actor, { branch, state: 'idle' });
  await ensureWorktree(rig, agent.workdir, branch);
  return { agent, created };
}

export async function crewList(town: Town, rig?: string): Promise<AgentRow[]> {
  const rows: AgentRow[] = [];
  for (const a of await listAgents(town, { rig, role: 'crew' })) rows.push(await agentRow(town, a));
  return rows;
}

export async function crewStart(town: Town, name: string, opts: { rig?: string; agent?: string; forAttach?: boolean } = {}) {
  const address = await crewAddress(town, name, opts.rig);
  await mustGetAgent(town, address);
  return ensureRunning(town, address, CREW_PROMPT, opts.agent, opts.forAttach);
}

export async function crewStop(town: Town, name: string, rig?: string): Promise<{ agent: string; stopped: boolean }> {
  const address = await crewAddress(town, name, rig);
  await mustGetAgent(town, address);
  return { agent: address, stopped: await stopSession(town, address, 'stopped by gt crew stop') };
}

/** Removes a crew member: session, worktree, identity. Refuses with unmerged commits or a hook unless forced. */
export async function crewRemove(town: Town, name: string, opts: { rig?: string; force?: boolean } = {}): Promise<{ agent: string; branchKept: boolean }> {
  const address = await crewAddress(town, name, opts.rig);
  const agent = await mustGetAgent(town, address);
  const rig = loadRig(town, agent.rig!);
  if (agent.hook && !opts.force) throw new UserError(`${address} has ${agent.hook} on its hook`, `gt unsling ${address} first, or pass --force`);
  const unmerged = await unmergedCommits(rig, agent.branch);
  if (unmerged && !opts.force) throw new UserError(`${address}'s branch ${agent.branch} has ${unmerged} commit(s) not on ${rig.mainBranch}`, 'merge or sling that work first, or pass --force (the branch is kept)');
  await stopSession(town, address, 'removed');
  await removeWorktree(rig, agent.workdir, agent.branch, !unmerged);
  await retireAgent(town, address, 'removed by gt crew remove', 'gt');
  return { agent: address, branchKept: unmerged > 0 };
}

// --- polecats ----------------------------------------------------------------------------------

export async function polecatList(town: Town, rig?: string): Promise<AgentRow[]> {
  const rows: AgentRow[] = [];
  for (const a of await listAgents(town, { rig, role: 'polecat' })) rows.push(await agentRow(town, a));
  return rows;
}

async function polecatOf(town: Town, target: string, rig?: string): Promise<Agent> {
  const address = target.includes('/') ? canonicalAddress(target) : rig ? polecatAddress(rig, target) : undefined;
  if (address) return mustGetAgent(town, address);
  const found: Agent[] = [];
  for (const r of listRigs(town)) {
    const a = await getAgent(town, polecatAddress(r.name, target));
    if (a?.active) found.push(a);
  }
  if (found.length === 1) return found[0]!;
  if (!found.length) throw new NotFoundError('polecat', target, "see 'gt polecat list'");
  throw new UserError(`polecat '${target}' exists in several rigs`, 'name it as <rig>/polecats/<name>, or pass --rig');
}

/** Commits on branch not on the rig's main (0 when there is no such branch). */
async function unmergedCommits(rig: Rig, branch: string | undefined): Promise<number> {
  if (!branch) return 0;
  const r = await gitTry(rig.repoDir, ['rev-list', '--count', `${rig.mainBranch}..refs/heads/${branch}`]);
  return r.code === 0 ? Number(r.stdout.trim()) : 0;
}

/**
 * Ends a polecat: its bead goes back to its convoy (a fresh polecat takes it), its session and
 * worktree go. Refuses while its branch holds commits not on main, unless forced (the branch is kept).
 */
export async function polecatNuke(town: Town, target: string, opts: { rig?: string; force?: boolean; actor: string }): Promise<{ agent: string; bead?: string; branchKept: boolean }> {
  const agent = await polecatOf(town, target, opts.rig);
  if (agent.role !== 'polecat') throw new UserError(`${agent.address} is a ${agent.role}, not a polecat`);
  const rig = loadRig(town, agent.rig!);
  const unmerged = await unmergedCommits(rig, agent.branch);
  if (unmerged && !opts.force) throw new UserError(`${agent.address} has ${unmerged} unmerged commit(s) on ${agent.branch}`, 'let it finish (gt done), or pass --force (its branch is kept)');
  const { releasePolecat } = await import('./release.js');
  const r = await releasePolecat(town, agent.address, `nuked by ${opts.actor}`, opts.actor);
  if (!unmerged && agent.branch) await gitTry(rig.repoDir, ['branch', '-D', agent.branch]);
  return { agent: agent.address, bead: r.bead, branchKept: unmerged > 0 };
}

/** Removes what decommissioned polecats left behind: worktree directories with no live identity. */
export async function polecatGc(town: Town, rig?: string): Promise<{ removed: string[] }> {
  const removed: string[] = [];
  for (const r of rig ? [loadRig(town, rig)] : listRigs(town)) {
    const dir = join(r.root, 'polecats');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const a = await getAgent(town, polecatAddress(r.name, name));
      if (a?.active) continue;
      await removeWorktree(r, join(dir, name), undefined, false);
      removed.push(join(dir, name));
    }
    await gitTry(r.repoDir, ['worktree', 'prune']);
  }
  return { removed };
}

// --- the whole fleet ---------------------------------------------------------------------------

/** Stops every agent session in the town (hooks kept: `gt up` and the witness resume the work). */
export async function stopAllAgents(town: Town): Promise<{ stopped: string[] }> {
  const stopped: string[] = [];
  for (const a of await listAgents(town)) {
    if (!a.sessions.length) continue;
    try {
      if (await stopSession(town, a.address, 'stopped by gt down --all; resumed by the witness after gt up')) stopped.push(a.address);
    } catch { /* its rig went away meanwhile */ }
  }
  return { stopped };
}
