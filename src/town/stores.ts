// The town's stores, held by its handle (town.stores): the HQ's and one per rig, each opened once
// per handle on first use and closed by closeAll (closeTown). Which backend each one is comes
// from the town's configuration, here in one place (storeSpec).
import { join } from 'node:path';
import { NotFoundError } from '../lib/errors.js';
import type { Store, StoreSpec } from '../beads/api.js';
import { openStore as openConfiguredStore } from '../beads/open.js';
import { writeStorePointer } from '../beads/pointer.js';
import type { Rig } from './rig.js';
import { HQ_PREFIX, TOWN_ENTRIES, type Town } from './town.js';

export interface TownStores {
  /** The HQ's store (prefix hq), created on first use. */
  hq(): Promise<Store>;
  /**
   * A rig's store, by its loaded config or its name. With create (adding a rig, before its
   * rig.toml exists) the store is initialized with the given prefix.
   */
  rig(rig: Rig | string, opts?: { create?: boolean; prefix?: string }): Promise<Store>;
  /** The store holding a bead, by its id's prefix (HQ or a rig); NotFoundError for a foreign prefix. */
  forBead(id: string): Promise<Store>;
  /** Closes and forgets a rig's store (before its directory is removed). */
  forget(rig: Rig | string): Promise<void>;
  /** Closes every store this handle opened (flushing the SQLite mirrors). The handle may open them again. */
  closeAll(): Promise<void>;
}

/** The key of the HQ's store among the rigs' (a rig may not be named hq). */
const HQ = 'hq'; // = HQ_PREFIX, spelled out: town.ts imports this module, so town.ts's constants are not set yet when this line runs

/**
 * How the store named `name` (the HQ, or a rig) is opened: the town's PostgreSQL database with
 * one namespace per rig and `hq` for the HQ when town.toml has `[store] url`, else SQLite in its
 * `.beads` directory.
 */
export function storeSpec(town: Town, name: string, opts: { create?: boolean; prefix?: string } = {}): StoreSpec {
  const url = town.config.store?.url;
  if (url) return { kind: 'postgres', url, namespace: name, create: opts.create, prefix: opts.prefix };
  return { kind: 'sqlite', beadsDir: beadsDirOf(town, name), create: opts.create, prefix: opts.prefix };
}

/** The `.beads` directory of the HQ or a rig: its SQLite database, or the pointer to its namespace. */
function beadsDirOf(town: Town, name: string): string {
  return name === HQ ? join(town.root, TOWN_ENTRIES.beads) : join(town.root, name, TOWN_ENTRIES.beads);
}

export function createTownStores(town: Town): TownStores {
  const open = new Map<string, Promise<Store>>();
  const at = (name: string, opts?: { create?: boolean; prefix?: string }): Promise<Store> => {
    let s = open.get(name);
    if (!s) {
      const spec = storeSpec(town, name, opts);
      s = openConfiguredStore(spec).then((store) => {
        // bd, run by agents in the rig's directories, finds the namespace through this pointer.
        if (spec.kind === 'postgres') writeStorePointer(beadsDirOf(town, name), spec);
        return store;
      });
      open.set(name, s);
      s.catch(() => { if (open.get(name) === s) open.delete(name); }); // a failed open is retried next time
    }
    return s;
  };
  const nameOf = (rig: Rig | string) => (typeof rig === 'string' ? rig : rig.name);
  return {
    hq: () => at(HQ, { create: true, prefix: HQ_PREFIX }),
    rig: (rig, opts) => at(nameOf(rig), opts),
    async forBead(id) {
      if (id.startsWith(`${HQ_PREFIX}-`)) return at(HQ, { create: true, prefix: HQ_PREFIX });
      const { rigForBead } = await import('./rig.js'); // rig.ts imports this module: load it late
      const rig = rigForBead(town, id);
      if (!rig) throw new NotFoundError('bead', id, 'its prefix belongs to no rig in this town');
      return at(rig.name);
    },
    async forget(rig) {
      const name = nameOf(rig);
      const s = open.get(name);
      open.delete(name);
      await s?.then((store) => store.close(), () => undefined);
    },
    async closeAll() {
      const all = [...open.values()];
      open.clear();
      await Promise.all(all.map((s) => s.then((store) => store.close(), () => undefined)));
    },
  };
}
