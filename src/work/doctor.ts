// `gt doctor [--fix]`: finds drift between identities, hooks, worktrees and routes, and repairs it.
// Each check reads persisted state only; each fix is idempotent.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureAgent, getAgent, listAgents, updateAgentFields, retireAgent, type Agent } from '../town/identity.js';
import { brokenRigs, listRigs, readRoutes, registerRoute, unregisterRoute, type Rig } from '../town/rig.js';
import { HQ_PREFIX, type Town } from '../town/town.js';
import { recordRigSyncTarget } from '../town/beads-sync.js';
import { parseAddress } from '../town/address.js';
import { isShared } from '../town/machine.js';
import type { Tx } from '../beads/api.js';
import { ensureWorktree, removeWorktree } from './polecat.js';

export interface Finding {
  check: string;
  subject: string;
  problem: string;
  fix: string;
  fixed?: boolean;
  error?: string;
}

interface Check { finding: Finding; repair: () => Promise<void> | void }

async function hookChecks(town: Town, agents: Agent[]): Promise<Check[]> {
  const out: Check[] = [];
  const beadStatus = async (id: string) => {
    try { return (await (await town.stores.forBead(id)).get(id))?.status; } catch { return undefined; }
  };
  const dangling = (s: string | undefined) => s === undefined || s === 'closed' || s === 'tombstone';
  for (const a of agents) {
    if (!a.hook) continue;
    const status = await beadStatus(a.hook);
    if (!dangling(status)) continue;
    const hook = a.hook;
    out.push({
      finding: { check: 'hook', subject: a.address, problem: `hook points at ${status ? 'closed' : 'missing'} bead ${hook}`, fix: 'clear the hook' },
      // Re-checked at repair time: a sling may have happened since the scan.
      repair: async () => {
        if ((await getAgent(town, a.address))?.hook === hook && dangling(await beadStatus(hook))) await updateAgentFields(town, a.address, { hook_bead: null }, 'gt-doctor');
      },
    });
  }
  return out;
}

async function orphanHookedBeads(town: Town, rig: Rig, agents: Agent[]): Promise<Check[]> {
  const holders = new Set(agents.filter((a) => a.hook).map((a) => `${a.address} ${a.hook}`));
  const store = await town.stores.rig(rig);
  return (await store.list({ status: 'hooked' })).filter((b) => !holders.has(`${b.assignee} ${b.id}`)).map((b) => ({
    finding: { check: 'hook', subject: b.id, problem: `bead is hooked to ${b.assignee ?? 'nobody'}, whose hook does not hold it`, fix: 'set it back to open' },
    repair: () => store.transaction(async (tx) => {
      const now = await tx.get(b.id);
      // The holder's identity lives in this rig's store (or HQ's): read it through the transaction when it is here.
      const holder = now?.assignee ? await safeAgent(town, now.assignee, rig, tx) : undefined;
      if (now?.status === 'hooked' && holder?.hook !== b.id) await tx.update(b.id, { status: 'open', assignee: null }, 'gt-doctor');
    }),
  }));
}

/** An identity, or undefined when its address does not parse or its rig is gone; read through `tx` when it lives in `rig`. */
async function safeAgent(town: Town, address: string, rig: Rig, tx: Tx): Promise<Agent | undefined> {
  try {
    return await getAgent(town, address, parseAddress(address).rig === rig.name ? tx : undefined);
  } catch { return undefined; }
}

async function rigIdentityChecks(town: Town, rig: Rig): Promise<Check[]> {
  const out: Check[] = [];
  for (const role of ['witness', 'refinery'] as const) {
    if ((await getAgent(town, `${rig.name}/${role}`))?.active) continue;
    out.push({
      finding: { check: 'identity', subject: `${rig.name}/${role}`, problem: `rig ${rig.name} has no ${role} identity`, fix: 'create it' },
      repair: async () => void (await ensureAgent(town, `${rig.name}/${role}`, 'gt-doctor')),
    });
  }
  return out;
}

function worktreeChecks(town: Town, rig: Rig, agents: Agent[]): Check[] {
  const out: Check[] = [];
  const polecats = agents.filter((a) => a.role === 'polecat' && a.rig === rig.name);
  const known = new Set(polecats.map((a) => resolve(a.workdir)));
  const dir = join(rig.root, 'polecats');
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const wt = resolve(dir, name);
    if (known.has(wt)) continue;
    out.push({
      finding: { check: 'worktree', subject: wt, problem: 'worktree without an identity', fix: 'remove the worktree (its branch is kept)' },
      repair: async () => {
        const owned = (await listAgents(town, { rig: rig.name, role: 'polecat' })).some((a) => resolve(a.workdir) === wt);
        if (!owned) await removeWorktree(rig, wt, undefined, false);
      },
    });
  }
  for (const a of polecats) {
    if (existsSync(a.workdir)) continue;
    if (a.hook && a.branch) {
      out.push({
        finding: { check: 'worktree', subject: a.address, problem: `identity without a worktree (${a.workdir})`, fix: `recreate it on ${a.branch}` },
        repair: () => ensureWorktree(rig, a.workdir, a.branch!, { fromRemote: isShared(town) }),
      });
    } else {
      out.push({
        finding: { check: 'worktree', subject: a.address, problem: 'identity without a worktree or hook', fix: 'retire the identity' },
        repair: () => retireAgent(town, a.address, 'doctor: no worktree, no hook', 'gt-doctor'),
      });
    }
  }
  return out;
}

function routeChecks(town: Town, rigs: Rig[]): Check[] {
  const out: Check[] = [];
  const routes = readRoutes(town);
  for (const r of routes) {
    if (r.prefix === `${HQ_PREFIX}-`) continue;
    if (!existsSync(join(town.root, r.path, 'rig.toml'))) {
      out.push({
        finding: { check: 'route', subject: r.prefix, problem: `route to missing rig '${r.path}'`, fix: 'remove the route' },
        repair: () => unregisterRoute(town, r.prefix.replace(/-$/, '')),
      });
    }
  }
  for (const rig of rigs) {
    if (!routes.some((r) => r.prefix === `${rig.prefix}-`)) {
      out.push({
        finding: { check: 'route', subject: rig.name, problem: `rig has no route for prefix ${rig.prefix}-`, fix: 'register the route' },
        repair: () => registerRoute(town, rig.prefix, rig.name),
      });
    }
  }
  return out;
}

/** A rig whose store does not say where `bd sync` goes (made before beads sync existed). */
async function syncTargetChecks(town: Town, rigs: Rig[]): Promise<Check[]> {
  const out: Check[] = [];
  for (const r of rigs) {
    const store = await town.stores.rig(r);
    if ((await store.getConfig('sync.repo')) !== undefined) continue;
    out.push({
      finding: { check: 'beads-sync', subject: r.name, problem: "the rig's beads have no sync target, so a plain bd sync there fails", fix: "record the rig's repo and origin as its sync target" },
      repair: () => recordRigSyncTarget(store, r),
    });
  }
  return out;
}

/** A rig whose rig.toml does not load: the patrol skips it until a person fixes the file. */
function rigConfigChecks(town: Town): Check[] {
  return brokenRigs(town).map((b) => ({
    finding: { check: 'rig-config', subject: b.rig, problem: b.error.message, fix: `edit ${b.rig}/rig.toml by hand (the patrol skips this rig until it loads)` },
    repair: () => { throw new Error('needs a person: fix the file, then run gt doctor again'); },
  }));
}

export async function doctor(town: Town, opts: { fix?: boolean } = {}): Promise<Finding[]> {
  const rigs = listRigs(town);
  const agents = await listAgents(town);
  const checks = [...rigConfigChecks(town), ...(await hookChecks(town, agents))];
  for (const r of rigs) checks.push(...(await orphanHookedBeads(town, r, agents)), ...worktreeChecks(town, r, agents), ...(await rigIdentityChecks(town, r)));
  checks.push(...routeChecks(town, rigs), ...(await syncTargetChecks(town, rigs)));
  if (opts.fix) {
    for (const c of checks) {
      try {
        await c.repair();
        c.finding.fixed = true;
      } catch (e) {
        c.finding.error = (e as Error).message;
      }
    }
  }
  return checks.map((c) => c.finding);
}

