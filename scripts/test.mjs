// Runs the whole suite with node's test runner: unit tests (dist/src/**/*.test.js) and
// integration/e2e tests (dist/test/**/*.test.js). Extra args are passed through as file filters.
import { readdirSync } from 'node:fs';
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
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=3', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
