// A real browser for the dashboard's tests: Debian's chromium driven by playwright-core. One
// browser per test file; each test opens its own context (cookies, shared worker) and closes it.
// Where /usr/bin/chromium is missing, browser tests are skipped by name with this reason (CI
// installs it: .ci/run).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.GT_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** A node:test `skip` value: false when the browser is there, else why the test cannot run. */
export const noBrowser: string | false = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;

export interface TestBrowser { browser: Browser; close(): Promise<void> }

export async function launchBrowser(): Promise<TestBrowser> {
  // Playwright gives a plain launch a fresh temporary profile (--user-data-dir) and removes it on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** A fresh context (own cookies) with the dashboard opened through its token URL. */
export async function openDashboard(b: Browser, openUrl: string, opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await b.newContext({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 }, colorScheme: opts.colorScheme ?? 'light' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await page.goto(openUrl);
  await page.locator('#conn.live').waitFor();
  return { context, page };
}
