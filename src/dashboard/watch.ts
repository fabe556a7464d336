// Cheap change detection for the live view: every write to a beads store moves the size/mtime of
// its database, WAL or JSONL, so comparing those stats tells "the town changed" without reading
// a single row. Rigs come and go through the HQ's routes file, which is watched too.
import { join } from 'node:path';
import { fileSignature } from '../beads/sync.js';
import { listRigs } from '../town/rig.js';
import type { Town } from '../town/town.js';

const STORE_FILES = ['beads.db', 'beads.db-wal', 'issues.jsonl'];

/** The HQ routes file: it changes exactly when a rig is added or removed. */
export function routesFile(town: Town): string {
  return join(town.root, '.beads', 'routes.jsonl');
}

/** Every file whose change means the snapshot may have changed. */
export function watchedFiles(town: Town): string[] {
  const rigs = listRigs(town);
  const dirs = [join(town.root, '.beads'), ...rigs.map((r) => r.beadsDir)];
  // The refinery's verdict on main (red main) lives beside the queue, not in a store.
  const verdicts = rigs.map((r) => join(r.root, 'refinery', 'main-verdict.json'));
  return [routesFile(town), ...dirs.flatMap((d) => STORE_FILES.map((f) => join(d, f))), ...verdicts];
}

/** One string standing for the state of all the files (a missing file counts as a state). */
export function signature(files: string[]): string {
  return files.map((f) => `${f}=${fileSignature(f)}`).join('\n');
}
