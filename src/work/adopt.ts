// A town shared across machines keeps going when one machine dies. Each live deacon, every tick:
// - adopts: a machine whose deacon has not beaten for `[machines] adopt_after_sec` (and did not
//   say it stopped) has its polecats' hooked beads released (release.ts: open again, staged on
//   their convoy, branch kept, the Mayor mailed), so a fresh polecat on a live machine takes each.
//   A compare-and-swap row in the registry makes each adoption happen once, however many live
//   machines notice at the same moment;
// - retires, on a machine that comes back under its old name, what it left of adopted work: a
//   session that outlived its deacon is stopped, a worktree is removed once nothing unmerged is on
//   it (else kept, and the Mayor told);
// - detaches rigs another machine removed (`gt rig remove` marks them removed in the registry).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gitTry } from '../lib/git.js';
import { parseAddress, sessionName, type ParsedAddress } from '../town/address.js';
import { DEFAULT_ADOPT_AFTER_SEC } from '../town/config.js';
import { defaultWorkdir, getAgent, listAgents } from '../town/identity.js';
import { machineName, ownedHere } from '../town/machine.js';
import type { Adoption, MachineRow, TownRegistry } from '../town/registry.js';
import { listRigs, type Rig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { listMergeRequests } from './merge-request.js';
import { releasePolecat } from './release.js';

export interface UpkeepReport {
  adopted: { machine: string; agent: string; bead: string; reopened: boolean }[];
  retired: { agent: string; bead: string; note: string }[];
  detached: string[];
}

export function adoptAfterMs(town: Town): number {
  return (town.config.machines?.adopt_after_sec ?? DEFAULT_ADOPT_AFTER_SEC) * 1000;
}

/** Pure: the other machines silent long enough to adopt from. One that said it stopped (gt down) is paused, not dead. */
export function deadMachines(rows: Pick<MachineRow, 'name' | 'stopped_at' | 'heartbeat_age_ms'>[], me: string, afterMs: number): string[] {
  return rows.filter((m) => m.name !== me && !m.stopped_at && m.heartbeat_age_ms >= afterMs).map((m) => m.name);
}

/** One deacon tick's upkeep of a shared town; each part runs even when another failed. */
export async function sharedTownUpkeep(town: Town, reg: TownRegistry, log: (line: string) => void = () => {}): Promise<UpkeepReport & { errors: string[] }> {
  const report: UpkeepReport & { errors: string[] } = { adopted: [], retired: [], detached: [], errors: [] };
  const parts: [string, () => Promise<void>][] = [
    ['detach', async () => { report.detached = await detachRemovedRigs(town, reg, log); }],
    ['retire', async () => { report.retired = await retireAdoptedLeftovers(town, reg, log); }],
    ['adopt', async () => { report.adopted = await adoptFromDeadMachines(town, reg, log); }],
  ];
  for (const [what, fn] of parts) {
    try {
      await fn();
    } catch (e) {
      report.errors.push(`${what}: ${(e as Error).message}`);
    }
  }
  return report;
}

export async function adoptFromDeadMachines(town: Town, reg: TownRegistry, log: (line: string) => void = () => {}): Promise<UpkeepReport['adopted']> {
  const me = machineName(town);
  const afterMs = adoptAfterMs(town);
  const rows = await reg.machines();
  const dead = new Set(deadMachines(rows, me, afterMs));
  const out: UpkeepReport['adopted'] = [];
  if (!dead.size) return out;
  for (const a of await listAgents(town, { role: 'polecat' })) {
    if (!a.machine || !dead.has(a.machine) || !a.hook || !a.rig) continue;
    const rig = listRigs(town).find((r) => r.name === a.rig);
    if (!rig) continue;
    // Its `gt done` filed the MR and died before clearing the hook: the refinery lands that MR.
    if ((await listMergeRequests(await town.stores.rig(rig))).some((m) => m.branch === a.branch)) continue;
    const key = { machine: a.machine, agent: a.address, bead: a.hook, branch: a.branch };
    if (!(await reg.claimAdoption(key, me, afterMs / 1000))) continue; // another live machine has it
    const age = Math.round((rows.find((m) => m.name === a.machine)?.heartbeat_age_ms ?? afterMs) / 1000);
    const reason = `machine ${a.machine} is dead (no heartbeat for ${age} s); adopted by ${me}`;
    const r = await releasePolecat(town, a.address, reason, 'deacon');
    await reg.finishAdoption(key, r.reopened);
    out.push({ machine: a.machine, agent: a.address, bead: a.hook, reopened: r.reopened });
    log(`adopted ${a.hook} from ${a.address} on dead machine ${a.machine}${r.reopened ? `: open again${r.convoy ? `, staged on ${r.convoy}` : ''}` : ' (it was no longer its: left as it is)'}`);
    if (r.reopened) {
      const { sendMail } = await import('./mail.js');
      await sendMail(town, {
        from: 'deacon', to: 'mayor', subject: `Adopted ${a.hook} from dead machine ${a.machine}`,
        body: `${reason}. ${a.hook} is open again${r.convoy ? ` and staged on convoy ${r.convoy}` : ''}; a fresh polecat on a live machine takes it. What ${a.address} had pushed stays on ${a.branch ?? 'its branch'} in the rig's remote; when ${a.machine} comes back it retires what it left of this work.`,
      }, 'deacon');
    }
  }
  return out;
}

/** This machine is back: what it left of the work others adopted while it was dead is retired. */
export async function retireAdoptedLeftovers(town: Town, reg: TownRegistry, log: (line: string) => void = () => {}): Promise<UpkeepReport['retired']> {
  const out: UpkeepReport['retired'] = [];
  for (const ad of await reg.toRetire(machineName(town))) {
    const note = await retireOne(town, ad);
    await reg.retired(ad, note);
    out.push({ agent: ad.agent, bead: ad.bead, note });
    log(`${ad.agent} (${ad.bead}, adopted by ${ad.adopted_by} while this machine was dead): ${note}`);
    if (note.startsWith('kept')) {
      const { sendMail } = await import('./mail.js');
      await sendMail(town, { from: 'deacon', to: 'mayor', subject: `${machineName(town)}: leftover worktree of ${ad.agent} kept`, body: `${ad.bead} was adopted by ${ad.adopted_by} while ${ad.machine} was dead. ${note}. Look at it, then remove it with git worktree remove.` }, 'deacon');
    }
  }
  return out;
}

async function retireOne(town: Town, ad: Adoption): Promise<string> {
  const p = parseAddress(ad.agent);
  const rig = listRigs(town).find((r) => r.name === p.rig);
  if (!rig || p.role !== 'polecat') return 'its rig is not attached here: nothing to retire';
  const now = await getAgent(town, ad.agent);
  // The name was reused by this machine since (a new polecat): that one is live work, not a leftover.
  const mineNow = !!now?.active && ownedHere(town, now);
  if (mineNow && now.hook === ad.bead) return 'this machine holds the bead again: left as it is';
  const stopped = mineNow ? false : await stopLocalSession(town, p);
  const wt = await removeStaleWorktree(rig, defaultWorkdir(town, p), ad.branch);
  return `${stopped ? 'session stopped; ' : ''}${wt}`;
}

/** Stops this machine's session of an address (in either mode) if one outlived its deacon. */
async function stopLocalSession(town: Town, p: ParsedAddress): Promise<boolean> {
  const { providerFor } = await import('../runtime/launch.js');
  let stopped = false;
  for (const mode of ['tmux', 'headless'] as const) {
    const provider = providerFor(town, mode);
    const name = sessionName(p);
    if (provider.get(name)?.alive) {
      await provider.stop(name);
      stopped = true;
    }
  }
  return stopped;
}

/**
 * Removes a leftover worktree on the adopted branch once nothing unmerged is on it: no uncommitted
 * change, and every commit on the rig's main or on the branch as pushed to the rig's remote.
 * Returns what it did ("kept: ..." when work would be lost).
 */
export async function removeStaleWorktree(rig: Rig, workdir: string, branch: string | undefined): Promise<string> {
  if (!existsSync(workdir)) {
    await gitTry(rig.repoDir, ['worktree', 'remove', '--force', workdir]); // a stale registration only
    return 'no worktree left';
  }
  const head = (await gitTry(workdir, ['symbolic-ref', '--quiet', '--short', 'HEAD'])).stdout.trim();
  if (!branch || head !== branch) return `worktree ${workdir} is on ${head || 'a detached HEAD'}, not ${branch ?? 'the adopted branch'}: left alone`;
  const dirty = (await gitTry(workdir, ['status', '--porcelain'])).stdout.trim();
  if (dirty) return `kept: ${workdir} has uncommitted changes`;
  const unmerged = await unmergedCount(rig, workdir, branch);
  if (unmerged > 0) return `kept: ${workdir} has ${unmerged} commit(s) on ${branch} that are neither on ${rig.mainBranch} nor pushed`;
  await gitTry(rig.repoDir, ['worktree', 'remove', '--force', workdir]);
  return `worktree ${workdir} removed (nothing unmerged on it; branch ${branch} kept)`;
}

/** Commits on HEAD reachable from none of: the local main, the remote's main, the remote's copy of the branch. */
async function unmergedCount(rig: Rig, workdir: string, branch: string): Promise<number> {
  const against = [`refs/heads/${rig.mainBranch}`];
  if (rig.remote) {
    const refs = { main: 'refs/gt/adopt/main', branch: 'refs/gt/adopt/branch' };
    for (const [from, to] of [[rig.mainBranch, refs.main], [branch, refs.branch]] as const) {
      await gitTry(rig.repoDir, ['update-ref', '-d', to]);
      const f = await gitTry(rig.repoDir, ['fetch', '--quiet', '--no-tags', '--', rig.remote, `+refs/heads/${from}:${to}`], { timeoutMs: 120_000 });
      if (f.code === 0) against.push(to);
    }
  }
  const r = await gitTry(workdir, ['rev-list', '--count', 'HEAD', '--not', ...against]);
  return r.code === 0 ? Number(r.stdout.trim()) : Number.POSITIVE_INFINITY; // cannot tell: keep it
}

/**
 * Rigs another machine removed: stopped and removed here too. A rig set up here after the removal
 * (its rig.toml is newer) is a new rig of the same name whose record is on its way, so it stays.
 */
export async function detachRemovedRigs(town: Town, reg: TownRegistry, log: (line: string) => void = () => {}): Promise<string[]> {
  const removed = new Map((await reg.removedRigs()).map((r) => [r.name, r.removed_at]));
  const out: string[] = [];
  for (const rig of listRigs(town)) {
    const at = removed.get(rig.name);
    if (!at) continue;
    const toml = join(rig.root, 'rig.toml');
    if (existsSync(toml) && statSync(toml).mtimeMs > Date.parse(at)) continue;
    const { retireRig } = await import('./retire-rig.js');
    await retireRig(town, rig.name, { force: true });
    out.push(rig.name);
    log(`rig ${rig.name} was removed from the town by another machine: detached here`);
  }
  return out;
}
