import assert from 'node:assert/strict';
import net from 'node:net';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { simulatorConfigCopy } from '../helpers/cli.js';

/** A port free right now, for the demo's CSMS (it listens where the config's ocpp.url points). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('npm start (evse-agent demo)', function () {
  this.timeout(30000);

  it('plays a whole session a newcomer can follow, then keeps running until stopped', async () => {
    const port = await freePort();
    const file = simulatorConfigCopy((d) => {
      d['ocpp'].url = `ws://127.0.0.1:${port}/ocpp`;
    });
    let out = '';
    const controller = new AbortController();
    const done = demoCommand(
      { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, stop: controller.signal },
      file,
      { sessionSeconds: 2, controlPort: 0 },
    );
    const deadline = Date.now() + 25000;
    while (!out.includes('Session done') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    assert.equal(await done, 0, out);
    const story = [
      /BootNotification PowerUp/,
      /A driver plugs in a vehicle/,
      /StatusNotification evse=1 connector=1 Occupied/,
      /Authorize idToken=DEMO-CARD-01/,
      /TransactionEvent Started .*trigger=Authorized .*Charging/,
      /charging: \d+\.\d{3} kWh so far at 1\d\.\d kW/,
      /presents the card again to stop/,
      /TransactionEvent Ended .*trigger=StopAuthorized stopped=Local/,
      /The driver unplugs/,
      /StatusNotification evse=1 connector=1 Available/,
      /Session done/,
      /Stopping: relays open/,
    ];
    let at = 0;
    for (const step of story) {
      const m = step.exec(out.slice(at));
      assert.ok(m, `missing, in order: ${step}\n${out}`);
      at += m.index;
    }
    assert.doesNotMatch(out, /CALLERROR|WARNING|ERROR/, 'the session runs clean');
  });
});
