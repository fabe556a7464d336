// Runs every built benchmark (dist/bench/*.js) in sequence; each prints its own figures.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = new URL('../dist/bench/', import.meta.url).pathname;
const only = process.argv.slice(2);
let files = [];
try { files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort(); } catch { console.error('no dist/bench: run npm run build first'); process.exit(1); }
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, [join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
