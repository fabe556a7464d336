// `gt install`: the town's layout, its HQ database and the town-level identities. Idempotent.
// A town on PostgreSQL is recorded in its database (town-wide registry), so another machine can
// join it (`gt install DIR --store URL --join`): same name and id, its rigs attached.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { createTownLayout, TOWN_FILE, type Town } from './town.js';
import { addRig, listRigs, type AddRigOptions, type Rig } from './rig.js';
import { rigSyncTarget, syncStore, type StoreSyncResult } from './beads-sync.js';
import { ensureAgent } from './identity.js';
import { storeUrlProblem } from './config.js';
import { isShared, machineName } from './machine.js';
import type { SharedRig } from './registry.js';

export interface InstallReport { town: Town; created: boolean; identities: string[]; joined?: boolean; attached?: string[] }

export interface InstallOptions {
  store?: string;
  /** Join the town already recorded in the --store database (another machine installed it). */
  join?: boolean;
}

/** Returns the town's handle: the caller closes its stores (closeTown) when done with it. */
export async function installTown(dir: string, name?: string, opts: InstallOptions = {}): Promise<InstallReport> {
  if (opts.join && opts.store === undefined) throw new UserError('--join needs --store <url>: the database of the town to join');
  const problem = opts.store === undefined ? undefined : storeUrlProblem(opts.store);
  if (problem) throw new UserError(problem, 'gt install --store postgres://user@host:5432/database');
  const exists = existsSync(join(dir, TOWN_FILE));
  let joinId: string | undefined;
  let joinName = name;
  // A town already here answers for itself (createTownLayout: same store or a clear refusal).
  if (opts.store !== undefined && !exists) {
    const { withRegistry } = await import('./registry.js');
    const { redactUrl, createDatabaseIfMissing } = await import('../beads/postgres/index.js');
    const where = redactUrl(opts.store);
    if (!opts.join) await createDatabaseIfMissing(opts.store); // the first machine may name a database to be made
    const shared = await withRegistry(opts.store, (reg) => reg.town());
    if (opts.join) {
      if (!shared) throw new UserError(`there is no town in ${where} to join`, 'install the first machine without --join: gt install <dir> --store <url>');
      if (name !== undefined && name !== shared.name) throw new UserError(`the town in ${where} is named '${shared.name}', not '${name}'`, 'leave out --name when joining');
      joinId = shared.id;
      joinName = shared.name;
    } else if (shared) {
      throw new UserError(`${where} already holds town '${shared.name}' (id ${shared.id})`, `to work that town from this machine too: gt install ${dir} --store <url> --join`);
    }
  }
  const { town, created } = createTownLayout(dir, joinName, { store: opts.store, id: joinId });
  if (isShared(town)) {
    const { withRegistry } = await import('./registry.js');
    const recorded = await withRegistry(town.config.store!.url, (reg) => reg.claimTown({ name: town.name, id: town.id }));
    if (recorded.id !== town.id) {
      throw new UserError(`the town at ${town.root} (id ${town.id}) is not the town its database holds ('${recorded.name}', id ${recorded.id})`, 'a database holds one town: join it with a new directory (gt install <dir> --store <url> --join)');
    }
  }
  await town.stores.hq();
  const identities: string[] = [];
  for (const address of ['overseer', 'mayor', 'deacon', 'boot']) {
    if ((await ensureAgent(town, address, 'gt-install')).created) identities.push(address);
  }
  const report: InstallReport = { town, created: created || identities.length > 0, identities };
  if (opts.join) {
    report.joined = true;
    report.attached = [];
    const { withRegistry } = await import('./registry.js');
    const rigs = await withRegistry(town.config.store!.url, (reg) => reg.rigs());
    const have = new Set(listRigs(town).map((r) => r.name));
    for (const r of rigs) {
      if (have.has(r.name)) continue;
      await attachRig(town, r);
      report.attached.push(r.name);
    }
  }
  return report;
}

export interface SetUpRigReport { rig: Rig; identities: string[]; beadsSync: StoreSyncResult; attached?: boolean }

/**
 * `gt rig add`: the rig (clone, beads, route), its witness and refinery identities, and a first
 * beads sync, which takes in the issues the project already keeps on its beads-sync branch. In a
 * shared town the rig is recorded in the town's database; a rig another machine already added is
 * attached (its namespace, prefix and settings), and must name the same source.
 */
export async function setUpRig(town: Town, name: string, source: string, opts: AddRigOptions = {}): Promise<SetUpRigReport> {
  if (isShared(town)) {
    const { withRegistry } = await import('./registry.js');
    const known = await withRegistry(town.config.store!.url, (reg) => reg.rig(name));
    if (known) {
      if (normalSource(source) !== normalSource(known.source)) {
        throw new UserError(`rig '${name}' of this town comes from ${known.source}, not ${source}`, `attach it with: gt rig add ${name} ${known.source}`);
      }
      for (const [flag, given, want] of [['--prefix', opts.prefix, known.prefix], ['--branch', opts.branch, known.branch]] as const) {
        if (given !== undefined && given !== want) throw new UserError(`rig '${name}' of this town has ${flag} ${want}, not ${given}`, `leave ${flag} out to attach it`);
      }
      const rig = await attachRig(town, known);
      return { rig, identities: [], beadsSync: { name: rig.name }, attached: true };
    }
  }
  const rig = await addRig(town, name, source, opts);
  const identities = (['witness', 'refinery'] as const).map((role) => `${rig.name}/${role}`);
  for (const address of identities) await ensureAgent(town, address, 'gt');
  const beadsSync = await syncStore(rig.name, await town.stores.rig(rig), rigSyncTarget(rig));
  if (isShared(town)) {
    const { withRegistry } = await import('./registry.js');
    await withRegistry(town.config.store!.url, (reg) => reg.addRig({ name: rig.name, prefix: rig.prefix, source: rig.source, branch: rig.mainBranch, push: !!rig.remote, test_cmd: rig.testCmd }, machineName(town)));
  }
  return { rig, identities, beadsSync };
}

/** Attaches a rig another machine added: its clone here, its existing namespace, its settings. */
async function attachRig(town: Town, r: SharedRig): Promise<Rig> {
  return addRig(town, r.name, r.source, { prefix: r.prefix, branch: r.branch, push: r.push, testCmd: r.test_cmd, attach: true });
}

function normalSource(s: string): string {
  return s.replace(/\/+$/, '').replace(/\.git$/, '');
}
