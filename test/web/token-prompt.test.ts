import assert from 'node:assert/strict';
import { afterEachTest } from '../integration/harness.js';
import { useBrowser } from '../helpers/browser.js';
import { byTestId, inEvse, press, startPageRig, waitOnScreen } from './page-harness.js';

/**
 * The page on an API reachable from the network (issue 16, Access): listening on 0.0.0.0 the API
 * needs its token, the page asks for it once and keeps it, and control actions are refused without
 * it. The test reaches the agent on 127.0.0.1 only (the listen address covers it); the token is
 * required because of where the API listens, not where the request comes from.
 */

const TOKEN = 'page-test-token-0123456789abcdef';

describe('status page in a browser: the token prompt on a non-loopback listen', function () {
  this.timeout(30000);
  const browser = useBrowser();
  afterEach(afterEachTest);

  it('asks for the token; a wrong one is refused and asked again, the right one loads the live page and is kept; a POST without it is a 401', async () => {
    const rig = await startPageRig((doc) => (doc['api'] = { listen: '0.0.0.0:0', token: TOKEN }));
    // Without the token the API answers nothing but 401: the shell itself holds no data.
    assert.equal((await fetch(`${rig.base}/`)).status, 200, 'the page shell needs no token');
    assert.equal((await fetch(`${rig.base}/api/status`)).status, 401);
    const refused = await fetch(`${rig.base}/api/sim/evses/1/connectors/1/plug`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(refused.status, 401, 'a control action without the token');
    assert.equal(typeof ((await refused.json()) as { error?: unknown }).error, 'string');
    assert.equal(rig.agent.station.snapshot()[0]!.connectors[0]!.plugged, false, 'the refused lever did nothing');

    const { page, context, errors } = await browser.open(rig.base);
    await waitOnScreen(page, { selector: byTestId('token-prompt') });
    await waitOnScreen(page, { selector: inEvse(1, 'status'), gone: true });

    await page.fill(byTestId('token-input'), 'not-the-token-0123456789');
    // The page tries the token on the API, which refuses it: after that answer, the page still asks and shows nothing of the station.
    const refusedByApi = page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/api/') && r.status() === 401, { timeout: 10_000 });
    await press(page, 'token-submit');
    await refusedByApi;
    await page.waitForTimeout(200);
    await waitOnScreen(page, { selector: byTestId('token-prompt') }, 1000);
    await waitOnScreen(page, { selector: inEvse(1, 'status'), gone: true }, 1000);

    await page.fill(byTestId('token-input'), TOKEN);
    await press(page, 'token-submit');
    await waitOnScreen(page, { selector: inEvse(1, 'status'), text: /available/i });
    await waitOnScreen(page, { selector: byTestId('token-prompt'), gone: true });

    // The live page's control actions carry the token: a lever works, and its change arrives over the event stream.
    await press(page, 'sim-plug-1');
    await waitOnScreen(page, { selector: inEvse(1, 'status'), text: /occupied/i });

    // Kept in the browser: a new page of the same browser context asks no more.
    const again = await context.newPage();
    await again.goto(rig.base);
    await waitOnScreen(again, { selector: inEvse(1, 'status'), text: /occupied/i });
    await waitOnScreen(again, { selector: byTestId('token-prompt'), gone: true });
    assert.deepEqual(errors, [], 'no error in the page');
  });
});
