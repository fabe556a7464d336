// What the live view watches besides the stores (whose changes come from store.onChange): the HQ's
// routes file, which changes exactly when a rig is added or removed, and the refinery's verdict on
// each rig's main (red main), which lives beside the queue, not in a store. Comparing the files'
// size/mtime tells "changed" without reading them.
import { join } from 'node:path';
import { fileSignature } from '../beads/sync.js';
import { listRigs } from '../town/rig.js';
import type { Town } from '../town/town.js';

/** The HQ routes file: it changes exactly when a rig is added or removed. */
export function routesFile(town: Town): string {
  return join(town.root, '.beads', 'routes.jsonl');
}

/** The files (not stores) whose change means the snapshot may have changed. */
export function watchedFiles(town: Town): string[] {
  return listRigs(town).map((r) => join(r.root, 'refinery', 'main-verdict.json'));
}

/** One string standing for the state of all the files (a missing file counts as a state). */
export function signature(files: string[]): string {
  return files.map((f) => `${f}=${fileSignature(f)}`).join('\n');
}
