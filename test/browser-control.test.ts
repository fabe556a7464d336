// The dashboard as a control room, in a real browser (Chromium via playwright-core) on a real town:
// approving a molecule's human gate, reading a mail thread and answering it, a convoy's progress
// over time (and the convoy kept once it lands), and the rig's witness and refinery shown stopped
// while no deacon runs. Each action is a click; the town is then checked through the CLI (`gt`,
// `bd`), and the page is waited on to show the change. No sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { makeTown, createRigBead, withHeadlessRig, type TownFixture, sweepTown } from './support/town-fixture.js';
import { startStubOpenAi } from './support/stub-openai.js';
import { codexEnv } from './support/codex.js';
import { until } from './support/wait.js';
import { bd } from './support/cli.js';
import { launchBrowser, noBrowser, openDashboard, type TestBrowser } from './support/browser.js';
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
  // A molecule whose second step waits for a person.
  mkdirSync(join(f.town, 'formulas'), { recursive: true });
  writeFileSync(join(f.town, 'formulas', 'ship.formula.toml'), [
    'formula = "ship"', '[[steps]]', 'id = "build"', 'title = "Build it"', '[[steps]]', 'id = "ship"', 'title = "Ship it"',
    'gate = { type = "human", description = "the overseer approves shipping" }', '',
  ].join('\n'));
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

const bdIn = (args: string[]) => {
  const r = bd([...args, '--json'], { cwd: join(f.town, 'demo'), env: f.env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test('a human gate is approved from the Health panel: the step it held back becomes ready, and the gate leaves the panel', { skip, timeout: 120_000 }, async () => {
  const poured = f.gtJson<{ root: { id: string }; steps: { step: string; id: string }[] }>(['mol', 'pour', 'ship', '--rig', 'demo']);
  const ship = poured.steps.find((s) => s.step === 'ship')!.id;
  const gate = f.gtJson<{ steps: { step: string; gate?: { id: string; open: boolean } }[] }>(['mol', 'status', poured.root.id]).steps.find((s) => s.step === 'ship')!.gate!;
  assert.equal(gate.open, false);
  const { context, page } = await openDashboard(browser, dash.openUrl);
  try {
    const item = page.locator(`#health li[data-k="open-gate${gate.id}"]`);
    await item.filter({ hasText: 'the overseer approves shipping' }).waitFor();
    await item.locator('form[data-action="gate-approve"] button').click();
    await page.locator('#toast', { hasText: 'gate-approve: done' }).waitFor();
    await item.waitFor({ state: 'detached' });
    // The same state `gt mol status` and `bd ready` read.
    const after = f.gtJson<{ steps: { step: string; gate?: { open: boolean } }[] }>(['mol', 'status', poured.root.id]).steps.find((s) => s.step === 'ship')!.gate!;
    assert.equal(after.open, true);
    assert.ok((bdIn(['ready']) as { id: string }[]).some((b) => b.id === ship), 'the gated step is ready');
    const closed = bdIn(['show', gate.id]) as { close_reason?: string }[];
    assert.equal(closed[0]!.close_reason, 'approved by overseer');
  } finally {
    await context.close();
  }
});

test('mail threads: the panel groups a conversation; its page shows every message, and a reply from it joins the thread', { skip, timeout: 120_000 }, async () => {
  const first = f.gtJson<{ id: string }>(['mail', 'send', 'overseer', '-s', 'Deploy window?', '-m', 'Can we deploy tonight?']);
  const { context, page } = await openDashboard(browser, dash.openUrl);
  try {
    const row = page.locator(`#mail .msg[data-k="${first.id}"]`);
    await row.filter({ hasText: 'Deploy window?' }).waitFor();
    await row.locator('a.id').click();
    assert.match(page.url(), new RegExp(`#/thread/${first.id}$`));
    await page.locator('#detail pre.body', { hasText: 'Can we deploy tonight?' }).waitFor();
    await page.locator('#detail textarea[name="body"]').fill('Yes, after 22:00.');
    await page.locator('#detail form[data-action="mail-reply"] button').click();
    // The page shows the reply in the thread, and the panel counts two messages.
    await page.locator('#detail pre.body', { hasText: 'Yes, after 22:00.' }).waitFor();
    await row.filter({ hasText: '2 messages' }).waitFor();
    const thread = f.gtJson<{ from: string; body: string }[]>(['mail', 'thread', first.id]);
    assert.deepEqual(thread.map((m) => m.body), ['Can we deploy tonight?', 'Yes, after 22:00.']);
    assert.equal(thread[1]!.from, 'overseer');
  } finally {
    await context.close();
  }
});

test('a convoy\'s page shows its progress over time, and the convoy stays listed once it lands', { skip, timeout: 120_000 }, async () => {
  const a = await createRigBead(f.town, 'First part', 'x');
  const b = await createRigBead(f.town, 'Second part', 'x');
  const convoy = f.gtJson<{ id: string }>(['convoy', 'create', 'Two parts', a, b]);
  const { context, page } = await openDashboard(browser, dash.openUrl);
  try {
    await page.goto(`${dash.url}#/convoy/${convoy.id}`);
    await page.locator('#detail svg.chart').waitFor();
    const history = page.locator('#detail ol.history');
    bdIn(['update', a, '--status', 'in_progress']);
    await history.locator('li', { hasText: '0/2 closed, 1 in progress' }).waitFor();
    bdIn(['close', a]);
    await history.locator('li', { hasText: '1/2 closed' }).first().waitFor();
    bdIn(['close', b]);
    await history.locator('li', { hasText: '2/2 closed' }).waitFor();
    // Looked at, it lands (as the deacon's patrol would land it) and stays on the overview, landed.
    assert.equal(f.gtJson<{ id: string; status: string }>(['convoy', 'status', convoy.id]).status, 'closed');
    await page.locator(`#convoys .convoy[data-k="${convoy.id}"] .badge.s-landed`).waitFor();
  } finally {
    await context.close();
  }
});

test('with no deacon running, the rig\'s witness and refinery are shown stopped, never a stale label', { skip, timeout: 60_000 }, async () => {
  const { context, page } = await openDashboard(browser, dash.openUrl);
  try {
    for (const role of ['witness', 'refinery']) {
      const row = page.locator(`#agents .agent[data-k="demo/${role}"]`);
      await row.locator('.badge.s-dead').waitFor();
      await row.locator('.why', { hasText: 'stopped: the deacon' }).waitFor();
    }
    await page.locator('#agents .agent[data-k="deacon"] .badge.s-dead').waitFor();
  } finally {
    await context.close();
  }
});

test('the new views at 320 px and 1400 px: nothing runs off the screen, tap targets at least 24 px, no serious axe violations', { skip, timeout: 180_000 }, async () => {
  const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // A gate waiting in Health (with its approve button), a thread and a convoy to look at.
  f.gtJson(['mol', 'pour', 'ship', '--rig', 'demo']);
  const msg = f.gtJson<{ id: string }>(['mail', 'send', 'overseer', '-s', 'A rather long subject line that has to wrap on a phone screen', '-m', 'x'.repeat(300)]);
  const convoy = f.gtJson<{ id: string }>(['convoy', 'create', 'Looked at', await createRigBead(f.town, 'Part', 'x')]);
  for (const [width, height] of [[320, 640], [1400, 900]] as const) {
    const { context, page } = await openDashboard(browser, dash.openUrl, { width, height });
    try {
      await page.locator('#health form[data-action="gate-approve"]').first().waitFor();
      for (const [hash, ready] of [['', '#health li'], [`#/thread/${msg.id}`, '#detail form[data-action="mail-reply"]'], [`#/convoy/${convoy.id}`, '#detail svg.chart']] as const) {
        await page.goto(`${dash.url}${hash}`);
        await page.locator(ready).first().waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        // The innermost elements that reach past the screen's edge, to say what is too wide.
        const wide = overflow > 0 ? await page.evaluate(() => [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && ![...el.children].some((c) => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
          .slice(0, 5).map((el) => `${el.tagName}.${el.className} "${el.textContent?.trim().slice(0, 30)}"`)) : [];
        assert.ok(overflow <= 0, `${hash || 'overview'} at ${width} px: ${overflow} px too wide: ${wide.join('; ')}`);
        const small = await page.evaluate(() => [...document.querySelectorAll('a, button, summary, input:not([type=hidden]), select, textarea')]
          .map((el) => ({ el, r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0 && (r.height < 24 || r.width < 24))
          .map(({ el, r }) => `${el.tagName} ${el.textContent?.trim().slice(0, 20)} ${Math.round(r.width)}x${Math.round(r.height)}`));
        assert.deepEqual(small, [], `${hash || 'overview'} at ${width} px`);
        await page.evaluate(axe);
        const result = await page.evaluate(async () => (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } })
          .axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa', 'best-practice'] } }));
        const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
        assert.deepEqual(bad, [], `${hash || 'overview'} at ${width} px`);
      }
    } finally {
      await context.close();
    }
  }
});

test('costs of a codex session (read from its rollout) show on the page by agent, rig, convoy and agent CLI, as gt costs has them', { skip, timeout: 240_000 }, async () => {
  const stub = await startStubOpenAi([
    { text: 'Committing and handing in.', exec: 'echo done > costed.txt && git add -A && git commit -q -m "add costed.txt" && gt done' },
    { text: 'Handed in.' },
  ]);
  try {
    const bead = await createRigBead(f.town, 'Costed work', 'Create costed.txt, commit, gt done.');
    const convoy = f.gtJson<{ id: string }>(['convoy', 'create', 'Costed convoy', bead]);
    const { context, page } = await openDashboard(browser, dash.openUrl);
    try {
      const agent = await withHeadlessRig(f.town, async () => {
        const r = await f.gtAsync(['sling', bead, 'demo', '--agent', 'codex', '--json'], { ...f.env, ...codexEnv(stub.url, f.root) });
        assert.equal(r.code, 0, r.stderr);
        return (JSON.parse(r.stdout) as { hooked: { agent: string }[] }).hooked[0]!.agent;
      });
      type U = { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number };
      const u = await until('gt costs to show the codex session', () => f.gtJson<{ byAgent: Record<string, U> }>(['costs', '--agent', agent, '--json']).byAgent[agent], 120_000);
      const tokens = (u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens).toLocaleString('en-US');
      const usd = `$${u.costUsd.toFixed(2)}`;
      // The page is rebuilt on the next store change (the MR, the agent's state); wait for the same figures.
      for (const key of [agent, 'demo', convoy.id, 'codex']) {
        await page.locator(`#costs tr[data-k="${key}"]`, { hasText: usd }).filter({ hasText: `${tokens} tok` }).waitFor({ timeout: 60_000 });
      }
    } finally {
      await context.close();
    }
  } finally {
    await stub.close();
  }
});
