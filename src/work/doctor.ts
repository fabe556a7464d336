// `gt doctor [--fix]`: finds drift between identities, hooks, worktrees and routes, and repairs it.
// Each check reads persisted state only; each fix is idempotent.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureAgent, getAgent, listAgents, updateAgentFields, retireAgent, type Agent } from '../town/identity.js';
import { brokenRigs, listRigs, openRigStore, readRoutes, registerRoute, unregisterRoute, storeForBead, type Rig } from '../town/rig.js';
import { HQ_PREFIX, type Town } from '../town/town.js';
import { recordRigSyncTarget } from '../town/beads-sync.js';
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

function hookChecks(town: Town, agents: Agent[]): Check[] {
  const out: Check[] = [];
  const beadStatus = (id: string) => {
    try { return storeForBead(town, id).get(id)?.status; } catch { return undefined; }
  };
  const dangling = (s: string | undefined) => s === undefined || s === 'closed' || s === 'tombstone';
  for (const a of agents) {
    if (!a.hook || !dangling(beadStatus(a.hook))) continue;
    const hook = a.hook;
    out.push({
      finding: { check: 'hook', subject: a.address, problem: `hook points at ${beadStatus(hook) ? 'closed' : 'missing'} bead ${hook}`, fix: 'clear the hook' },
      // Re-checked at repair time: a sling may have happened since the scan.
      repair: () => {
        if (getAgent(town, a.address)?.hook === hook && dangling(beadStatus(hook))) updateAgentFields(town, a.address, { hook_bead: null }, 'gt-doctor');
      },
    });
  }
  return out;
}

function orphanHookedBeads(town: Town, rig: Rig, agents: Agent[]): Check[] {
  const holders = new Set(agents.filter((a) => a.hook).map((a) => `${a.address} ${a.hook}`));
  const store = openRigStore(rig);
  return store.list({ status: 'hooked' }).filter((b) => !holders.has(`${b.assignee} ${b.id}`)).map((b) => ({
    finding: { check: 'hook', subject: b.id, problem: `bead is hooked to ${b.assignee ?? 'nobody'}, whose hook does not hold it`, fix: 'set it back to open' },
    repair: () => store.write(() => {
      const now = store.get(b.id);
      const holder = now?.assignee ? safeAgent(town, now.assignee) : undefined;
      if (now?.status === 'hooked' && holder?.hook !== b.id) store.update(b.id, { status: 'open', assignee: null }, 'gt-doctor');
    }),
  }));
}

function safeAgent(town: Town, address: string): Agent | undefined {
  try { return getAgent(town, address); } catch { return undefined; }
}

function rigIdentityChecks(town: Town, rig: Rig): Check[] {
  return (['witness', 'refinery'] as const)
    .filter((role) => !getAgent(town, `${rig.name}/${role}`)?.active)
    .map((role) => ({
      finding: { check: 'identity', subject: `${rig.name}/${role}`, problem: `rig ${rig.name} has no ${role} identity`, fix: 'create it' },
      repair: () => void ensureAgent(town, `${rig.name}/${role}`, 'gt-doctor'),
    }));
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
        const owned = listAgents(town, { rig: rig.name, role: 'polecat' }).some((a) => resolve(a.workdir) === wt);
        if (!owned) await removeWorktree(rig, wt, undefined, false);
      },
    });
  }
  for (const a of polecats) {
    if (existsSync(a.workdir)) continue;
    if (a.hook && a.branch) {
      out.push({
        finding: { check: 'worktree', subject: a.address, problem: `identity without a worktree (${a.workdir})`, fix: `recreate it on ${a.branch}` },
        repair: () => ensureWorktree(rig, a.workdir, a.branch!),
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
function syncTargetChecks(rigs: Rig[]): Check[] {
  return rigs.filter((r) => openRigStore(r).getConfig('sync.repo') === undefined).map((r) => ({
    finding: { check: 'beads-sync', subject: r.name, problem: "the rig's beads have no sync target, so a plain bd sync there fails", fix: "record the rig's repo and origin as its sync target" },
    repair: () => recordRigSyncTarget(openRigStore(r), r),
  }));
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
  const agents = listAgents(town);
  const checks = [
    ...rigConfigChecks(town),
    ...hookChecks(town, agents),
    ...rigs.flatMap((r) => [...orphanHookedBeads(town, r, agents), ...worktreeChecks(town, r, agents), ...rigIdentityChecks(town, r)]),
    ...routeChecks(town, rigs),
    ...syncTargetChecks(rigs),
  ];
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

