// A deacon's heartbeat in a shared town's database (town/registry.ts): one row per machine, beaten
// on the deacon's heartbeat timer; marked stopped when the deacon ends. A beat that fails (the
// server restarting) is recorded as the deacon's last error and retried on the next tick.
// The handle also carries the town's beads-sync lease: exactly one machine commits the town's
// beads to git (the others would race to push the same sync branches).
import { hostname } from 'node:os';
import { townLimit } from '../work/capacity.js';
import { machineName } from '../town/machine.js';
import type { TownRegistry } from '../town/registry.js';
import type { Town } from '../town/town.js';
import type { Heartbeat } from './deacon.js';

export interface MachineBeatHandle {
  beat(): void;
  stop(): Promise<void>;
  /** The town-wide record, for the deacon's upkeep (adoption, retirement, removed rigs). */
  registry: TownRegistry;
  /** Does this machine hold the town's beads-sync lease (taking it when free)? */
  syncLease(): Promise<boolean>;
}

/** Opens the registry and beats once (a refused machine name throws here); then beat() on each tick. */
export async function startMachineBeat(town: Town, hb: Heartbeat): Promise<MachineBeatHandle> {
  const { TownRegistry, TownLease } = await import('../town/registry.js');
  const reg = await TownRegistry.open(town.config.store!.url);
  const name = machineName(town);
  const sync = new TownLease(town.config.store!.url, 'beads-sync');
  const row = () => ({ name, host: hostname(), root: town.root, pid: hb.pid, startedAt: hb.started_at, patrols: hb.patrols, maxPolecats: townLimit(town), lastError: hb.last_error, beadsSync: sync.holding });
  try {
    await reg.beat(row());
  } catch (e) {
    await reg.close();
    throw e;
  }
  let inFlight: Promise<void> | undefined;
  return {
    registry: reg,
    syncLease: () => sync.held(),
    beat() {
      if (inFlight) return; // the last beat still waits on the server: no pile-up
      inFlight = reg.beat(row()).catch((e: Error) => { hb.last_error = `machine heartbeat: ${e.message}`; }).finally(() => { inFlight = undefined; });
    },
    async stop() {
      await inFlight;
      await sync.release();
      await reg.stopped(name, hb.pid).catch(() => {});
      await reg.close();
    },
  };
}
