import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterEachTest } from '../integration/harness.js';
import { saveScreenshot, useBrowser } from '../helpers/browser.js';
import { byTestId, inEvse, press, startPageRig, waitOnScreen, type InPage } from './page-harness.js';

/**
 * The status page checked by axe-core (issue 16: keyboard accessible, WCAG AA contrast in light and
 * dark): no serious or critical violation, with a session running, a fault shown and a history row,
 * so that what only appears with data is checked too.
 */

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** axe-core run on the whole page (WCAG 2.x A and AA rules and best practices); the serious and critical findings, said plainly. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: the page's Content-Security-Policy (default-src 'self') refuses an inline script tag.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as InPage & { axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> } };
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

describe('status page in a browser: accessibility (axe-core)', function () {
  this.timeout(30000);
  const browser = useBrowser();
  afterEach(afterEachTest);

  it('no serious or critical violation in light and in dark, with a session, a fault and a history row on screen', async () => {
    const rig = await startPageRig();
    // A session ended (a history row) and one running (power, energy), and a fault raised, through the page itself.
    const setup = await browser.open(rig.base);
    await waitOnScreen(setup.page, { selector: inEvse(1, 'status'), text: /available/i });
    await press(setup.page, 'sim-plug-1');
    await setup.page.fill(byTestId('sim-card-token'), 'CARD-0001');
    await press(setup.page, 'sim-card-1');
    await waitOnScreen(setup.page, { selector: inEvse(1, 'power'), valueAbove: 0 });
    await press(setup.page, 'sim-unplug-1');
    await waitOnScreen(setup.page, { selector: byTestId('session-row'), countAbove: 0 });
    await press(setup.page, 'sim-plug-1');
    await press(setup.page, 'sim-card-1');
    await press(setup.page, 'sim-input-rcd-on');
    await waitOnScreen(setup.page, { selector: byTestId('fault-rcd-trip') });

    const found: string[] = [];
    const textColours: Record<string, string> = {};
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, errors } = await browser.open(rig.base, { colorScheme, viewport: { width: 1280, height: 800 } });
      await waitOnScreen(page, { selector: byTestId('fault-rcd-trip') });
      await waitOnScreen(page, { selector: byTestId('session-row'), countAbove: 0 });
      // The dark scheme really applies: the text's colour is not the light scheme's.
      textColours[colorScheme] = await page.evaluate(() => {
        const w = globalThis as unknown as InPage;
        return w.getComputedStyle(w.document.body).color;
      });
      found.push(...(await seriousViolations(page)).map((v) => `${colorScheme}: ${v}`));
      // The session detail opened from the keyboard: focus on the newest row (or the link or button in it), Enter.
      const row = page.locator(`${byTestId('history')} ${byTestId('session-row')}`).first();
      const focusable = (await row.getAttribute('tabindex')) !== null ? row : row.locator('a, button, [tabindex]').first();
      await focusable.focus();
      assert.equal(await row.evaluate((r) => r.contains((globalThis as unknown as InPage).document.activeElement)), true, 'a session row takes the keyboard focus');
      await page.keyboard.press('Enter');
      await waitOnScreen(page, { selector: byTestId('session-detail') });
      found.push(...(await seriousViolations(page)).map((v) => `${colorScheme}, session detail open: ${v}`));
      await saveScreenshot(page, `status-page-${colorScheme}`);
      assert.deepEqual(errors, [], `${colorScheme}: no error in the page`);
    }
    assert.notEqual(textColours['dark'], textColours['light'], 'prefers-color-scheme: dark changes the colours');
    assert.deepEqual(found, []);
  });
});
