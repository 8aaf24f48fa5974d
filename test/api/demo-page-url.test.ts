import assert from 'node:assert/strict';
import net from 'node:net';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { simulatorConfigCopy } from '../helpers/cli.js';

/** `npm start` (evse-agent demo) prints the status page's URL, and the page answers there. */

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('npm start prints the status page URL', function () {
  this.timeout(20000);

  it('"status page: http://127.0.0.1:<port>/", where the page and its API answer', async () => {
    const port = await freePort();
    const file = simulatorConfigCopy((d) => {
      d['ocpp'].url = `ws://127.0.0.1:${port}/ocpp`;
    });
    let out = '';
    const controller = new AbortController();
    const done = demoCommand({ stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, stop: controller.signal }, file, { sessionSeconds: 1, controlPort: 0, stepPauseMs: 100 });
    try {
      const deadline = Date.now() + 10000;
      while (!/status page: /.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const match = /status page: (http:\/\/127\.0\.0\.1:(\d+)\/)\n/.exec(out);
      assert.ok(match, out);
      const page = await fetch(match[1]!);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await page.text(), /<html/i);
      const status = await fetch(`${match[1]!}api/status`);
      assert.equal(status.status, 200);
      assert.equal(((await status.json()) as { simulated: boolean }).simulated, true);
    } finally {
      controller.abort();
      assert.equal(await done, 0, out);
    }
  });
});
