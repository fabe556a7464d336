// The town's beads in git: HQ's issues go to the `beads-sync` branch of the town's own repository,
// each rig's to the `beads-sync` branch of the rig's repository (fetched from and, when the rig
// pushes, pushed to the project's origin), so the tracker lives beside the code it tracks.
import { join } from 'node:path';
import type { Store, Tx } from '../beads/api.js';
import type { BranchSyncOptions, BranchSyncReport } from '../beads/branch-sync.js';
import { listRigs, loadRig, type Rig } from './rig.js';
import type { Town } from './town.js';

export interface StoreSyncResult {
  /** 'hq' or the rig's name. */
  name: string;
  report?: BranchSyncReport;
  error?: string;
}

/** A rig's sync target. Relative to the rig's .beads, so a moved town keeps working. */
export function rigSyncTarget(rig: Rig): BranchSyncOptions {
  return { repo: rig.repoDir, remote: 'origin', push: !!rig.remote };
}

/** Records the target as the store's settings, so a plain `bd sync` (an agent's) goes there too. */
export async function recordRigSyncTarget(store: Tx, rig: Pick<Rig, 'remote'>): Promise<void> {
  await store.setConfig('sync.repo', join('..', '.repo.git'));
  await store.setConfig('sync.remote', 'origin');
  await store.setConfig('sync.push', String(!!rig.remote));
}

export async function syncStore(name: string, store: Store, target: BranchSyncOptions): Promise<StoreSyncResult> {
  const { syncToBranch } = await import('../beads/branch-sync.js');
  try {
    return { name, report: await syncToBranch(store, target) };
  } catch (e) {
    return { name, error: (e as Error).message };
  }
}

/** Syncs HQ and every rig (or only the named rig); one store's failure does not stop the others. */
export async function syncTown(town: Town, only?: string): Promise<StoreSyncResult[]> {
  const results: StoreSyncResult[] = [];
  if (!only) results.push(await syncStore('hq', await town.stores.hq(), { repo: town.root }));
  for (const rig of only ? [loadRig(town, only)] : listRigs(town)) {
    results.push(await syncStore(rig.name, await town.stores.rig(rig), rigSyncTarget(rig)));
  }
  return results;
}

/** What went right, one line per store (failures and warnings: syncProblems). */
export function renderSync(results: StoreSyncResult[]): string {
  return results.filter((x) => !x.error).map(({ name, report: r }) => {
    if (!r) return `beads ${name}: ?`;
    const what = r.commit ? `committed ${r.issues} issues to ${r.branch} (${r.commit.slice(0, 8)})` : `${r.branch} up to date (${r.issues} issues)`;
    return `beads ${name}: ${what}${r.merged ? ', took in origin\'s changes' : ''}${r.pushed ? ', pushed' : ''}`;
  }).join('\n');
}

/** What went wrong, one line each: failed stores, and remotes that could not be reached. */
export function syncProblems(results: StoreSyncResult[]): string[] {
  return results.flatMap(({ name, report: r, error }) =>
    error ? [`beads ${name}: FAILED: ${error}`] : r?.remoteError ? [`beads ${name}: warning: ${r.remoteError} (committed locally)`] : []);
}
