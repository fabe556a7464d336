// A deacon's heartbeat in a shared town's database (town/registry.ts): one row per machine, beaten
// on the deacon's heartbeat timer; marked stopped when the deacon ends. A beat that fails (the
// server restarting) is recorded as the deacon's last error and retried on the next tick.
import { hostname } from 'node:os';
import { townLimit } from '../work/capacity.js';
import { machineName } from '../town/machine.js';
import type { Town } from '../town/town.js';
import type { Heartbeat } from './deacon.js';

export interface MachineBeatHandle { beat(): void; stop(): Promise<void> }

/** Opens the registry and beats once (a refused machine name throws here); then beat() on each tick. */
export async function startMachineBeat(town: Town, hb: Heartbeat): Promise<MachineBeatHandle> {
  const { TownRegistry } = await import('../town/registry.js');
  const reg = await TownRegistry.open(town.config.store!.url);
  const name = machineName(town);
  const row = () => ({ name, host: hostname(), root: town.root, pid: hb.pid, startedAt: hb.started_at, patrols: hb.patrols, maxPolecats: townLimit(town), lastError: hb.last_error });
  try {
    await reg.beat(row());
  } catch (e) {
    await reg.close();
    throw e;
  }
  let inFlight: Promise<void> | undefined;
  return {
    beat() {
      if (inFlight) return; // the last beat still waits on the server: no pile-up
      inFlight = reg.beat(row()).catch((e: Error) => { hb.last_error = `machine heartbeat: ${e.message}`; }).finally(() => { inFlight = undefined; });
    },
    async stop() {
      await inFlight;
      await reg.stopped(name, hb.pid).catch(() => {});
      await reg.close();
    },
  };
}
