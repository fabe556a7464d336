// One live "machine" of the adoption race: run in a town directory of a shared town (its own
// GT_MACHINE), it waits at a file barrier until every racing machine is ready (<dir>/<machine>
// written; all awaited), then runs one adoption pass, as its deacon's tick would, and prints
// {adopted: [...]} (or {error}).
//   machine-adopter <town> <machine> <barrierDir> <machines,comma-separated>
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeTown, loadTown } from '../../src/town/town.js';
import { TownRegistry } from '../../src/town/registry.js';
import { adoptFromDeadMachines } from '../../src/work/adopt.js';

const [townDir, machine, barrier, all] = process.argv.slice(2) as [string, string, string, string];
const town = loadTown(townDir);
const reg = await TownRegistry.open(town.config.store!.url);
await (await town.stores.rig('demo')).get('x'); // connected before the race
const wait = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
writeFileSync(join(barrier, machine), '');
while (!all.split(',').every((m) => existsSync(join(barrier, m)))) wait();
try {
  const adopted = await adoptFromDeadMachines(town, reg);
  process.stdout.write(JSON.stringify({ adopted }));
} catch (e) {
  process.stdout.write(JSON.stringify({ adopted: [], error: (e as Error).stack }));
} finally {
  await reg.close();
  await closeTown(town);
}
