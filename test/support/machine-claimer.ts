// One "machine" of the multi-machine claim race: run in a town directory of a shared town (its own
// GT_MACHINE), it opens `claimers` town handles (one connection pool each) and, for each bead id in
// order, fires one claim per handle at once. Rounds are kept in step with the other machines by a
// file barrier (<dir>/<machine>.<round> written when ready; all machines' files awaited), so every
// round is one race of every claimer of every machine. Prints {won: {id: actor}, lost, errors}.
//   machine-claimer <town> <machine> <claimers> <idsJsonFile> <barrierDir> <machines,comma-separated>
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeTown, loadTown } from '../../src/town/town.js';
import { ConflictError } from '../../src/lib/errors.js';

const [townDir, machine, n, idsFile, barrier, all] = process.argv.slice(2) as [string, string, string, string, string, string];
const ids = JSON.parse(readFileSync(idsFile, 'utf8')) as string[];
const towns = Array.from({ length: Number(n) }, () => loadTown(townDir));
const stores = await Promise.all(towns.map((t) => t.stores.rig('demo')));
await Promise.all(stores.map((s) => s.get(ids[0]!))); // every pool connected before the first race
const won: Record<string, string> = {};
let lost = 0;
const errors: string[] = [];
const wait = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
for (const [round, id] of ids.entries()) {
  writeFileSync(join(barrier, `${machine}.${round}`), '');
  while (!all.split(',').every((m) => existsSync(join(barrier, `${m}.${round}`)))) wait();
  const results = await Promise.allSettled(stores.map((s, i) => s.claim(id, `${machine}/claimer-${i}`)));
  for (const r of results) {
    if (r.status === 'fulfilled') won[id] = r.value.assignee!;
    else if (r.reason instanceof ConflictError) lost++;
    else errors.push(String(r.reason));
  }
}
await Promise.all(towns.map((t) => closeTown(t)));
process.stdout.write(JSON.stringify({ won, lost, errors }));
