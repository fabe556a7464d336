// Runs the whole suite with node's test runner: unit tests (dist/src/**/*.test.js) and
// integration/e2e tests (dist/test/**/*.test.js), then the CLI-heavy files again with bd/gt on Node.
// Extra args are passed through as file filters.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
function find(dir) {
  const out = [];
  let entries = [];
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...find(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
let files = [...find(join(root, 'dist/src')), ...find(join(root, 'dist/test'))].sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (!files.length) {
  console.error(`no built test file matches ${filters.join(' ')} (run npm run build first)`);
  process.exit(2);
}
const tc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['--noEmit', '-p', root], { stdio: 'inherit' });
if (tc.status !== 0) process.exit(tc.status ?? 1);
const run = (list, env) => spawnSync(process.execPath, ['--test', '--test-concurrency=3', '--test-reporter=spec', ...list], { stdio: 'inherit', env }).status ?? 1;
const first = run(files, process.env);
// The launchers run bd/gt under Bun when the build found it (dist/bin/runtime.json), so the pass
// above is the fast path. Both runtimes are supported, so the CLI-heavy files (the tracker's
// commands, claim races, concurrency and crash tests) run again with the launchers forced to Node.
let bun = null;
try { bun = JSON.parse(readFileSync(join(root, 'dist/bin/runtime.json'), 'utf8')).bun; } catch { /* no build info: Node only */ }
const cliHeavy = files.filter((f) => /\/(beads-[^/]*|bd-compat)\.test\.js$/.test(f));
let second = 0;
if (bun && !process.env.GT_RUNTIME && cliHeavy.length) {
  console.log(`\n# again on Node (GT_RUNTIME=node): ${cliHeavy.length} CLI-heavy test files`);
  second = run(cliHeavy, { ...process.env, GT_RUNTIME: 'node' });
}
process.exit(first || second);
