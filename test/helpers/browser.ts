import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/**
 * A real browser for the status page's tests (issue 16): Debian's chromium driven by
 * playwright-core, which never downloads a browser of its own (.ci/run installs the package).
 * One browser per test file (launching takes a few hundred ms); one context per page, closed after
 * each test, so that nothing (localStorage, the token) leaks from one test to the next.
 * Screenshots go to artifactsDir(): $EVSE_AGENT_TEST_ARTIFACTS, else
 * <temp dir>/evse-agent-test-artifacts (npm test sets the variable to the system's temp dir, not
 * to its own TMPDIR, which it removes at the end of the run).
 */

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Where screenshots are kept; made if missing. */
export function artifactsDir(): string {
  const dir = process.env['EVSE_AGENT_TEST_ARTIFACTS'] ?? path.join(os.tmpdir(), 'evse-agent-test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Chromium headless; as root (CI, containers) its sandbox cannot start, hence --no-sandbox there only. */
export async function launchChromium(): Promise<Browser> {
  const asRoot = process.getuid?.() === 0;
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: asRoot ? ['--no-sandbox'] : [] });
}

/** A page of its own context, with the errors its scripts threw (a test asserts there are none). */
export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors of the page's own scripts. */
  errors: string[];
}

export interface BrowserFixture {
  /** A new page (new context: empty localStorage) at `url`, loaded. */
  open(url: string, options?: BrowserContextOptions): Promise<OpenedPage>;
  /** This test file's browser (launched in before()). */
  browser(): Browser;
}

/**
 * Call inside a describe(): launches chromium before the file's tests, closes every context after
 * each test and the browser after the last.
 */
export function useBrowser(): BrowserFixture {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  before(async function () {
    this.timeout(20000);
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
  });
  after(async () => {
    await browser?.close();
    browser = undefined;
  });
  return {
    browser: () => {
      if (!browser) throw new Error('the browser is not launched (useBrowser() outside a describe?)');
      return browser;
    },
    async open(url, options = {}) {
      if (!browser) throw new Error('the browser is not launched (useBrowser() outside a describe?)');
      const context = await browser.newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
      page.on('console', (m) => {
        // A 401 the page answers with its token prompt is logged by chromium as a failed resource: not the page's error.
        if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(`console: ${m.text()}`);
      });
      await page.goto(url);
      return { page, context, errors };
    },
  };
}

/** Saves a full-page PNG under artifactsDir(); returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const file = path.join(artifactsDir(), `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
