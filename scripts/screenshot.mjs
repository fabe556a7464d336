// Takes the README's screenshot: the dashboard of a town (default: a fresh `gt demo` town) in
// Chromium at 1400x900. Usage: npm run build && node scripts/screenshot.mjs [town-dir] [out.png]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
let town = process.argv[2];
const out = process.argv[3] ?? join(root, 'docs', 'dashboard.png');
if (!town) {
  const dir = mkdtempSync(join(tmpdir(), 'gt-shot-'));
  const r = spawnSync(process.execPath, [join(root, 'dist/bin/gt.js'), 'demo', '--dir', dir, '--headless'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  town = join(dir, 'town');
}
const { loadTown } = await import(join(root, 'dist/src/town/town.js'));
const { startDashboard } = await import(join(root, 'dist/src/dashboard/server.js'));
const dash = await startDashboard(loadTown(town), { port: 0 });
const browser = await chromium.launch({ executablePath: process.env.GT_TEST_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  await page.goto(dash.openUrl);
  await page.locator('#conn.live').waitFor();
  await page.locator('#convoys .convoy').first().waitFor();
  await page.locator('#convoys summary').first().click();
  await page.screenshot({ path: out, fullPage: false });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await dash.close();
}
