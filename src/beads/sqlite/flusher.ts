// The detached JSONL flusher (mirror.ts): `node flusher.js <.beads dir>`. Started by a command
// that wrote to a store whose JSONL is too large to patch on the command's path; it exports every
// pending change (and any that arrive while it runs), then exits. Its output goes to
// beads.db-flusher.log (only ever a failure); a failure leaves the dirty rows, which the next
// writer or any explicit flush exports.
import { openStore } from './engine.js';

const beadsDir = process.argv[2];
if (!beadsDir) {
  process.stderr.write('usage: flusher.js <.beads directory>\n');
  process.exit(2);
}
const engine = openStore(beadsDir, { mirrorRole: 'flusher' }); // opening settles: the export rounds run here
engine.close();
