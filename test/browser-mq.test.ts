// The merge queue in a real browser: an MR bounced for red tests shows its test output and diff at
// its own URL; Retry puts it back in the queue and Remove takes it out, each through `gt mq`'s
// services, and the page shows the new state. The MR comes from a real polecat (the shell agent)
// and a real refinery run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { makeTown, createRigBead, type TownFixture, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { launchBrowser, noBrowser, openDashboard, type TestBrowser } from './support/browser.js';
import { loadTown } from '../src/town/town.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';

let f: TownFixture;
let dash: Dashboard;
let tb: TestBrowser;
let browser: Browser;
const skip = noBrowser;

interface Mr { id: string; state: string; source_bead: string }

before(async () => {
  if (skip) return;
  // Main is green; a branch that adds broken.txt is red.
  f = makeTown({ testCmd: 'test ! -f broken.txt' });
  appendFileSync(join(f.town, 'demo', 'rig.toml'), '\n[agents.roles]\npolecat = "shell"\n');
  dash = await startDashboard(loadTown(f.town), { port: 0, pollMs: 300 });
  tb = await launchBrowser();
  browser = tb.browser;
});
after(async () => {
  await tb?.close();
  await dash?.close();
  if (f) sweepTown(f.town);
  f?.cleanup();
});

test('a bounced MR shows its failing test output and diff; Retry re-queues it, Remove takes it out', { skip, timeout: 240_000 }, async () => {
  const bead = await createRigBead(f.town, 'Break the build', 'Break it:\n```sh\necho "oops" > broken.txt\n```\n');
  assert.equal(f.gt(['sling', bead, 'demo']).code, 0);
  const mrOf = () => f.gtJson<Mr[]>(['mq', 'list', '--all']).find((m) => m.source_bead === bead);
  const mr = await until('the polecat hands in its MR', () => mrOf(), 90_000);
  const run = await f.gtAsync(['refinery', 'run', 'demo', '--once', '--no-start']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(mrOf()!.state, 'bounced');

  const { context, page } = await openDashboard(browser, dash.openUrl);
  try {
    // The queue lists it with its title; its link opens the evidence.
    const row = page.locator(`#queues tr[data-k="${mr.id}"]`);
    await row.filter({ hasText: 'Break the build' }).locator('.badge.s-bounced').waitFor();
    await row.locator('a.id', { hasText: mr.id }).click();
    await page.locator('#detail h2', { hasText: `merge request ${mr.id}` }).waitFor();
    await page.locator('#detail .badge.s-red').waitFor();
    await page.locator('#detail pre', { hasText: 'broken.txt' }).first().waitFor(); // the diffstat names the file
    await page.locator('#detail details summary', { hasText: 'full diff' }).click();
    await page.locator('#detail pre', { hasText: '+oops' }).waitFor();

    await page.locator('#detail form[data-action="mq-retry"] button').click();
    await page.locator('#detail .badge.s-queued').first().waitFor();
    assert.equal(mrOf()!.state, 'queued', 'gt mq list agrees');

    await page.locator('#detail form[data-action="mq-remove"] button').click();
    await page.locator('#toast', { hasText: 'mq-remove: done' }).waitFor();
    await until('gt mq list shows it out of the queue', () => mrOf()?.state !== 'queued', 10_000);
    await page.locator(`#queues tr[data-k="${mr.id}"] .badge.s-queued`).waitFor({ state: 'detached' });
  } finally {
    await context.close();
  }
});
