import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startRig, type ConfigChanges, type Rig } from '../integration/harness.js';

/**
 * What the status page's tests share (issue 16): the agent in-process on simulated hardware with
 * the development CSMS (test/integration/harness.ts), its page's address, the page's element
 * contract (data-testid values, see the issue's brief) as selectors, and waits on what the screen
 * shows, timed from the act that should change it.
 */

export interface PageRig extends Rig {
  /** http://127.0.0.1:<api port> */
  base: string;
}

export async function startPageRig(config?: ConfigChanges): Promise<PageRig> {
  const rig = await startRig({ config });
  return { ...rig, base: `http://127.0.0.1:${rig.agent.apiPort}` };
}

/** The few DOM names the functions run in the page use (the project's tsconfig has no DOM lib): `globalThis as unknown as InPage` there. */
export interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  getClientRects(): { length: number };
  contains(other: unknown): boolean;
}
export interface InPage {
  document: {
    querySelectorAll(selector: string): ArrayLike<PageElement>;
    documentElement: { scrollWidth: number; clientWidth: number };
    body: PageElement;
    activeElement: unknown;
  };
  getComputedStyle(element: PageElement): { color: string; backgroundColor: string };
}

/** `[data-testid="id"]` */
export const byTestId = (id: string): string => `[data-testid="${id}"]`;
/** An element of EVSE n's card. */
export const inEvse = (evseId: number, id: string): string => `${byTestId(`evse-${evseId}`)} ${byTestId(id)}`;

/** What a test waits to see: an element's text, its data-value (a number in W, Wh or s), how many there are, or that it is gone. */
export interface OnScreen {
  selector: string;
  text?: RegExp;
  /** data-value greater than this. */
  valueAbove?: number;
  /** data-value equal to this. */
  valueEquals?: number;
  /** More elements than this match the selector. */
  countAbove?: number;
  /** No element matches, or none is rendered. */
  gone?: boolean;
}

/** Said in a failure message. */
export function describeOnScreen(c: OnScreen): string {
  const parts = [c.selector];
  if (c.text) parts.push(`text ${c.text}`);
  if (c.valueAbove !== undefined) parts.push(`data-value > ${c.valueAbove}`);
  if (c.valueEquals !== undefined) parts.push(`data-value = ${c.valueEquals}`);
  if (c.countAbove !== undefined) parts.push(`more than ${c.countAbove}`);
  if (c.gone) parts.push('gone');
  return parts.join(', ');
}

interface PageCheck {
  selector: string;
  pattern?: string;
  flags?: string;
  valueAbove?: number;
  valueEquals?: number;
  countAbove?: number;
  gone?: boolean;
}

const toCheck = (c: OnScreen): PageCheck => ({
  selector: c.selector,
  pattern: c.text?.source,
  flags: c.text?.flags,
  valueAbove: c.valueAbove,
  valueEquals: c.valueEquals,
  countAbove: c.countAbove,
  gone: c.gone,
});

/** Runs in the page: whether the check holds now. Rendered means it has a box (not display:none, not hidden). */
function holdsInPage(c: PageCheck): boolean {
  const { document } = globalThis as unknown as InPage;
  const all = Array.from(document.querySelectorAll(c.selector)).filter((e) => e.getClientRects().length > 0);
  if (c.gone) return all.length === 0;
  if (c.countAbove !== undefined) return all.length > c.countAbove;
  const el = all[0];
  if (!el) return false;
  if (c.pattern !== undefined && !new RegExp(c.pattern, c.flags).test(el.textContent ?? '')) return false;
  const value = Number(el.getAttribute('data-value'));
  if (c.valueAbove !== undefined && !(value > c.valueAbove)) return false;
  if (c.valueEquals !== undefined && value !== c.valueEquals) return false;
  return true;
}

/** Whether it holds on screen now. */
export async function holds(page: Page, c: OnScreen): Promise<boolean> {
  return page.evaluate(holdsInPage, toCheck(c));
}

/** Waits until it holds (checked every animation frame). */
export async function waitOnScreen(page: Page, c: OnScreen, timeoutMs = 5000): Promise<void> {
  try {
    await page.waitForFunction(holdsInPage, toCheck(c), { polling: 'raf', timeout: timeoutMs });
  } catch (err) {
    const shown = await page.locator(c.selector).first().evaluate((e) => `"${e.textContent?.trim() ?? ''}" data-value=${e.getAttribute('data-value')}`).catch(() => 'nothing');
    throw new Error(`not on screen within ${timeoutMs} ms: ${describeOnScreen(c)}; shown: ${shown}`, { cause: err });
  }
}

/** When a condition showed: ms after the act, and the wall clock then (Date.now() in the page: the test's clock too). */
export interface ScreenTiming {
  afterActMs: number;
  shownAt: number;
}

/**
 * When the screen showed each of `conditions` after `act`, measured in the page: from the click
 * event (caught on the document before the page's own handlers) to the first animation frame in
 * which the condition holds; none may hold before. An `act` that clicks nothing (a lever pulled
 * over HTTP, nothing at all) is timed from when the watch began, just before it.
 */
export async function timesToScreen(page: Page, act: () => Promise<unknown>, conditions: OnScreen[], timeoutMs = 5000): Promise<ScreenTiming[]> {
  for (const c of conditions) assert.equal(await holds(page, c), false, `already on screen before the act: ${describeOnScreen(c)}`);
  // A string evaluated over the DevTools protocol: the page's Content-Security-Policy does not apply to it.
  await page.evaluate(`(() => {
    const holds = ${holdsInPage.toString()};
    const w = window;
    w.__actAt = undefined;
    document.addEventListener('click', () => { w.__actAt ??= performance.now(); }, { capture: true, once: true });
    const start = performance.now();
    w.__watchStart = start;
    w.__shown = Promise.all(${JSON.stringify(conditions.map(toCheck))}.map((c) => new Promise((resolve) => {
      const tick = () => {
        if (holds(c)) resolve({ at: performance.now(), wall: Date.now() });
        else if (performance.now() - start > ${timeoutMs}) resolve(null);
        else requestAnimationFrame(tick);
      };
      tick();
    })));
  })()`);
  await act();
  const { actAt, watchStart, shown } = (await page.evaluate(`(async () => ({ actAt: window.__actAt ?? null, watchStart: window.__watchStart, shown: await window.__shown }))()`)) as {
    actAt: number | null;
    watchStart: number;
    shown: Array<{ at: number; wall: number } | null>;
  };
  return conditions.map((c, i) => {
    const s = shown[i];
    if (!s) throw new Error(`not on screen within ${timeoutMs} ms: ${describeOnScreen(c)}`);
    return { afterActMs: s.at - (actAt ?? watchStart), shownAt: s.wall };
  });
}

/** Milliseconds from `act` to `c` on screen (timesToScreen for one condition). */
export async function timeToScreen(page: Page, act: () => Promise<unknown>, c: OnScreen, timeoutMs = 5000): Promise<number> {
  return (await timesToScreen(page, act, [c], timeoutMs))[0]!.afterActMs;
}

/** data-value of an element as a number (NaN when it has none). */
export async function dataValue(page: Page, selector: string): Promise<number> {
  return Number(await page.locator(selector).first().getAttribute('data-value'));
}

/** Clicks a button of the developer panel by its data-testid, as a user does. */
export async function press(page: Page, testId: string): Promise<void> {
  await page.click(byTestId(testId));
}

/** Whether the file is a PNG, and its width in pixels (IHDR). */
export function pngWidth(bytes: Buffer): number {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG file');
  return bytes.readUInt32BE(16);
}
