import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { repoRoot, simulatorConfigCopy } from '../helpers/cli.js';

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
      // Shorter pauses between the steps than a reader needs; long enough for each step's messages.
      { sessionSeconds: 2, controlPort: 0, stepPauseMs: 500 },
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
      /TransactionEvent Ended .*trigger=StopAuthorized .*stopped=Local/,
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

describe('npm start (evse-agent demo): a Reset from the development CSMS', function () {
  this.timeout(40000);
  const scratch: string[] = [];
  after(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  /** An example config copied to a scratch folder: its CSMS on `port`, the local API on any free port, storage there too. */
  function exampleConfig(name: string, port: number): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-demo-reset-'));
    scratch.push(dir);
    const doc = JSON.parse(readFileSync(path.join(repoRoot, 'config', name), 'utf8')) as { [key: string]: unknown; ocpp: { url: string } };
    doc['$schema'] = path.join(repoRoot, 'config', 'config.schema.json');
    doc['ocpp'].url = `ws://127.0.0.1:${port}/ocpp`;
    doc['api'] = { listen: '127.0.0.1:0' };
    doc['storage'] = { dir: path.join(dir, 'var') };
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(doc));
    return file;
  }

  const until = async (what: string, condition: () => boolean, out: () => string, ms = 15000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n${out()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  for (const { name, version, plugged } of [
    { name: 'simulator.json', version: '2.0.1', plugged: /StatusNotification evse=1 connector=1 Occupied/ },
    { name: 'simulator-ocpp16.json', version: '1.6', plugged: /StatusNotification connector=1 Preparing/ },
  ]) {
    it(`OCPP ${version} (${name}): the agent restarts and boots again; the CSMS and the local API stay, and the API's levers act on the new agent`, async () => {
      const file = exampleConfig(name, await freePort());
      let out = '';
      const controller = new AbortController();
      const done = demoCommand(
        { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, stop: controller.signal },
        file,
        // The story is not what this test reads: its steps as fast as they go.
        { sessionSeconds: 0, controlPort: 0, stepPauseMs: 50 },
      );
      try {
        await until('the session', () => out.includes('Session done'), () => out, 25000);
        const control = /(http:\/\/127\.0\.0\.1:\d+)\/stations\/([^/]+)\/reset/.exec(out);
        const api = /curl -s (http:\/\/127\.0\.0\.1:\d+)\/api\/status/.exec(out);
        assert.ok(control && api, out);
        const boots = (): number => out.match(/-> BootNotification/g)?.length ?? 0;
        assert.equal(boots(), 1);
        const reset = await fetch(`${control[1]}/stations/${control[2]}/reset`, { method: 'POST', body: '{}' });
        assert.equal(reset.status, 200, await reset.text());
        await until('a second BootNotification', () => boots() === 2, () => out);
        if (version === '2.0.1') assert.match(out, /-> BootNotification RemoteReset/);
        const afterBoot = out.lastIndexOf('-> BootNotification');
        await until('the statuses after the second boot', () => /StatusNotification .*Available/.test(out.slice(afterBoot)), () => out);
        // The same API port, now served by the new agent: its plug lever reaches the new agent.
        const plug = await fetch(`${api[1]}/api/sim/evses/1/connectors/1/plug`, { method: 'POST' });
        assert.equal(plug.status, 200, await plug.text());
        await until('the new agent seeing the plug', () => plugged.test(out.slice(afterBoot)), () => out);
      } finally {
        controller.abort();
      }
      assert.equal(await done, 0, out);
      assert.match(out, /The CSMS reset the station \(RemoteReset\): relays open, the agent restarts/);
      assert.doesNotMatch(out, /CALLERROR|WARNING|ERROR/, 'the reset runs clean');
    });
  }

  // npm start prints the status page's URL, and the page and its API answer there.
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
