// The dashboard in a real browser (Chromium via playwright-core) on a real town: the token, twenty
// live tabs on one shared stream, focus and selection surviving updates, actions end to end (click,
// the town changed, the page shows it), a killed polecat shown dead, layouts at phone and desktop
// widths, and an accessibility scan. Changes are made through the real CLI; the page is waited on,
// never slept on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeTown, createRigBead, type TownFixture, sweepTown, townId } from './support/town-fixture.js';
import { launchBrowser, noBrowser, openDashboard, type TestBrowser } from './support/browser.js';
import { killSession } from '../src/lib/tmux.js';
import { loadTown } from '../src/town/town.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';

let f: TownFixture;
let dash: Dashboard;
let tb: TestBrowser;
let browser: Browser;
const skip = noBrowser;

before(async () => {
  if (skip) return;
  f = makeTown();
  // Polecats run the built-in shell agent: real sessions, no model.
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

const sessionOf = (address: string) => f.gtJson<{ agent: string; session: string; alive: boolean }[]>(['session', 'list', '--all']).find((s) => s.agent === address)!;
const rigOpen = (page: Page) => page.locator('#rigs tr[data-k="demo"] td').nth(3);

test('without the token the page and the API are closed; the token URL opens it and leaves the address bar clean', { skip }, async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const r = await page.goto(dash.url);
    assert.equal(r?.status(), 401);
    await page.getByText('This dashboard needs its token').waitFor();
    const api = await page.goto(new URL('/api/status', dash.url).href);
    assert.equal(api?.status(), 401);
    await page.goto(dash.openUrl);
    await page.locator('#conn.live').waitFor();
    assert.equal(new URL(page.url()).search, '', 'the token is not left in the URL or history');
    await page.locator('#rigs tr[data-k="demo"]').waitFor();
  } finally {
    await context.close();
  }
});

test('twenty tabs are all live on one shared stream, and a bead still opens in each', { skip, timeout: 180_000 }, async () => {
  const { context, page: first } = await openDashboard(browser, dash.openUrl);
  try {
    const pages = [first];
    for (let i = 1; i < 20; i++) {
      const p = await context.newPage();
      await p.goto(dash.url);
      pages.push(p);
    }
    for (const p of pages) await p.locator('#conn.live').waitFor();
    const before = Number(await rigOpen(first).textContent());
    const id = await createRigBead(f.town, 'Seen by twenty tabs', 'x');
    for (const p of pages) await rigOpen(p).filter({ hasText: String(before + 1) }).waitFor();
    // With every tab open, a detail still loads (no tab holds a connection of its own).
    const last = pages[19]!;
    await last.goto(`${dash.url}#/bead/${id}`);
    await last.locator('#detail h3', { hasText: 'Seen by twenty tabs' }).waitFor();
  } finally {
    await context.close();
  }
});

test('updates keep keyboard focus, typed text and a selected bead id', { skip, timeout: 120_000 }, async () => {
  const { context, page } = await openDashboard(browser, dash.openUrl);
  try {
    const id = await createRigBead(f.town, 'Select my id', 'x');
    f.gtJson(['convoy', 'create', 'Selection convoy', id]);
    const idLink = page.locator('#convoys details li a.id', { hasText: id });
    await page.locator('#convoys summary').first().click();
    await idLink.waitFor();
    const bump = async () => {
      const before = Number(await rigOpen(page).textContent());
      await createRigBead(f.town, 'An update arrives', 'x');
      await rigOpen(page).filter({ hasText: String(before + 1) }).waitFor();
    };

    // Typing in a field while an update lands: focus and text stay.
    const title = page.locator('input[name="title"]');
    const field = await title.elementHandle();
    await title.focus();
    await page.keyboard.type('half-typed');
    await bump();
    assert.equal(await field!.evaluate((el) => el === document.activeElement), true, 'the same field still has focus');
    assert.equal(await title.inputValue(), 'half-typed');
    await page.keyboard.type(' more');
    assert.equal(await title.inputValue(), 'half-typed more', 'typing carries on in place');
    await field!.evaluate((el: HTMLInputElement) => el.blur());

    // A bead id selected for copying while an update lands: the same node, still selected.
    const node = await idLink.elementHandle();
    await node!.evaluate((a) => {
      const r = document.createRange();
      r.selectNodeContents(a);
      getSelection()!.removeAllRanges();
      getSelection()!.addRange(r);
    });
    await bump();
    assert.equal(await node!.evaluate((a) => a.isConnected), true, 'the id\'s node was patched, not replaced');
    assert.equal(await page.evaluate(() => getSelection()!.toString()), id);
  } finally {
    await context.close();
  }
});

test('actions end to end: create a convoy, sling a bead (a polecat appears working), nudge it (its pane shows the words), stop it (shown dead), reply to mail', { skip, timeout: 180_000 }, async () => {
  const { context, page } = await openDashboard(browser, dash.openUrl);
  try {
    const id = await createRigBead(f.town, 'Sling me from the page', 'Long work:\n```sh\nsleep 600\n```\n');
    // Create a convoy from the Convoys panel.
    await page.locator('input[name="title"]').fill('Clicked convoy');
    await page.locator('input[name="beads"]').fill(id);
    await page.locator('form[data-action="convoy-create"] button').click();
    await page.locator('#convoys .convoy', { hasText: 'Clicked convoy' }).waitFor();
    assert.ok(f.gtJson<{ title: string }[]>(['convoy', 'list']).some((c) => c.title === 'Clicked convoy'), 'gt convoy list shows it');
    await page.locator('#activity li', { hasText: '"Clicked convoy" created' }).waitFor(); // the same line gt feed prints

    // Sling the bead from its own URL.
    await page.goto(`${dash.url}#/bead/${id}`);
    await page.locator('#detail input[name="target"]').fill('demo');
    await page.locator('#detail form[data-action="sling"] button').click();
    const row = page.locator('#agents .agent', { hasText: id });
    await row.locator('.badge.s-working').waitFor({ timeout: 60_000 });
    const address = (await row.getAttribute('data-k'))!;

    // Its page shows the live pane, and stopping it from there shows it dead.
    await row.locator('a.id').first().click();
    assert.match(page.url(), /#\/agent\//);
    await page.locator('#pane', { hasText: 'shell agent' }).waitFor({ timeout: 30_000 });
    // A nudge typed from the page reaches the session: its pane shows the words.
    await page.locator('#detail input[name="message"]').fill('hello from the page');
    await page.locator('#detail form[data-action="nudge"] button').click();
    await page.locator('#pane', { hasText: 'hello from the page' }).waitFor({ timeout: 30_000 });
    await page.locator('#detail form[data-action="stop"] button').click();
    await page.locator(`#agents .agent[data-k="${address}"] .badge.s-dead`).waitFor();
    assert.equal(sessionOf(address).alive, false, 'gt session list agrees');

    // Back goes to the bead, forward to the agent.
    await page.goBack();
    await page.locator('#detail h2', { hasText: `bead ${id}` }).waitFor();
    await page.goForward();
    await page.locator('#detail h2', { hasText: `agent ${address}` }).waitFor();

    // Mail to the overseer, answered from the page: the reply is in the thread `gt mail` reads.
    const sent = f.gtJson<{ id: string }>(['mail', 'send', 'overseer', '-s', 'Question for you', '-m', 'ok?']);
    await page.goto(`${dash.url}#/bead/${sent.id}`);
    await page.locator('#detail textarea[name="body"]').fill('yes, go ahead');
    await page.locator('#detail form[data-action="mail-reply"] button').click();
    await page.locator('#toast', { hasText: 'mail-reply: done' }).waitFor();
    const thread = f.gtJson<{ body: string }[]>(['mail', 'thread', sent.id]);
    assert.ok(thread.some((m) => m.body === 'yes, go ahead'), JSON.stringify(thread));
  } finally {
    await context.close();
  }
});

test('a polecat whose session is killed is shown dead before any patrol runs', { skip, timeout: 180_000 }, async () => {
  const { context, page } = await openDashboard(browser, dash.openUrl);
  try {
    const id = await createRigBead(f.town, 'Killed mid-work', 'Long work:\n```sh\nsleep 600\n```\n');
    const r = f.gtJson<{ hooked: { agent: string }[] }>(['sling', id, 'demo']);
    const address = r.hooked[0]!.agent;
    const row = page.locator(`#agents .agent[data-k="${address}"]`);
    await row.locator('.badge.s-working').waitFor({ timeout: 60_000 });
    killSession(`gt-${townId(f.town)}`, sessionOf(address).session);
    await row.locator('.badge.s-dead').waitFor();
    await row.locator('.why', { hasText: 'is not running' }).waitFor();
    await page.locator('#health li', { hasText: address }).waitFor();
  } finally {
    await context.close();
  }
});

for (const [width, height] of [[320, 640], [390, 844], [1400, 900]] as const) {
  test(`layout at ${width} px: nothing runs off the screen, every tap target is at least 24 px`, { skip, timeout: 60_000 }, async () => {
    const { context, page } = await openDashboard(browser, dash.openUrl, { width, height });
    try {
      await page.locator('#rigs tr[data-k="demo"]').waitFor();
      await page.goto(`${dash.url}#/beads`);
      await page.locator('#detail form#beadSearch').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `page is ${overflow} px wider than the screen`);
      const small = await page.evaluate(() => [...document.querySelectorAll('a, button, summary, input:not([type=hidden]), select, textarea')]
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && (r.height < 24 || r.width < 24))
        .map(({ el, r }) => `${el.tagName} ${el.textContent?.trim().slice(0, 20)} ${Math.round(r.width)}x${Math.round(r.height)}`));
      assert.deepEqual(small, []);
      if (width >= 1400) {
        // Sections fill the width: no column of empty space beside them.
        const cols = await page.evaluate(() => getComputedStyle(document.querySelector('main')!).gridTemplateColumns.split(' ').length);
        assert.ok(cols >= 3, `${cols} columns at ${width} px`);
      }
    } finally {
      await context.close();
    }
  });
}

test('accessibility: no serious or critical axe violations, light and dark', { skip, timeout: 120_000 }, async () => {
  const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  for (const colorScheme of ['light', 'dark'] as const) {
    const { context, page } = await openDashboard(browser, dash.openUrl, { colorScheme });
    try {
      await page.locator('#rigs tr[data-k="demo"]').waitFor();
      // The page's CSP admits only its own script; axe is added through the DevTools protocol.
      await page.evaluate(axe);
      const result = await page.evaluate(async () => (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } })
        .axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa', 'best-practice'] } }));
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
      assert.deepEqual(bad, [], colorScheme);
    } finally {
      await context.close();
    }
  }
});

test('while the server is down the page says so and dims its stale data; it goes live again when the server is back', { skip, timeout: 120_000 }, async () => {
  const { context, page } = await openDashboard(browser, dash.openUrl);
  try {
    await page.locator('#checked', { hasText: 'checked' }).waitFor();
    const port = Number(new URL(dash.url).port);
    await dash.close();
    await page.locator('body.stale').waitFor();
    await page.locator('#connText', { hasText: 'offline: showing data checked' }).waitFor();
    dash = await startDashboard(loadTown(f.town), { port, pollMs: 300 });
    await page.locator('#conn.live').waitFor();
    assert.equal(await page.locator('body.stale').count(), 0);
    const before = Number(await rigOpen(page).textContent());
    await createRigBead(f.town, 'After the restart', 'x');
    await rigOpen(page).filter({ hasText: String(before + 1) }).waitFor();
  } finally {
    await context.close();
  }
});
