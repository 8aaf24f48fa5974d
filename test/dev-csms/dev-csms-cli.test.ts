import assert from 'node:assert/strict';
import net from 'node:net';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import { runInProcess, waitForOutput } from '../helpers/cli.js';
import { RawStation, STATION_MESSAGES_2_0_1 } from './raw-station.js';

/** `evse-agent dev-csms` run in-process, as a developer would use it from a terminal. */

describe('evse-agent dev-csms', () => {
  it('listens, prints how to drive it and each message, and stops cleanly on the stop signal', async () => {
    let stdout = '';
    let stderr = '';
    const stop = new AbortController();
    const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, stop: stop.signal };
    const exit = runCli(['dev-csms', '--port', '0', '--http-port', '0'], io);
    const wsUrl = (await waitForOutput(() => stdout, /OCPP 2\.0\.1 and 1\.6 on (ws:\/\/127\.0\.0\.1:\d+\/ocpp)\/<identity>/))[1]!;
    const apiUrl = (await waitForOutput(() => stdout, /control API on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    assert.match(stdout, new RegExp(`curl -s -X POST ${apiUrl}/stations/\\$ID/start -d '\\{"evseId": 1\\}'`));

    const station = await RawStation.connect(`${wsUrl}/EVSE-SIM-001`, ['ocpp2.0.1']);
    try {
      await station.call('BootNotification', STATION_MESSAGES_2_0_1['BootNotification']);
      const started = fetch(`${apiUrl}/stations/EVSE-SIM-001/start`, { method: 'POST', body: '{"evseId": 1}' });
      const call = await station.nextCall();
      station.respond(call[1], { status: 'Accepted' });
      assert.equal((await started).status, 200);
      await waitForOutput(() => stdout, /-> Accepted \(RequestStartTransaction\)/);
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0, stderr);
    assert.equal((await station.whenClosed()).code, 1001);
    assert.match(stdout, /^\d\d:\d\d:\d\d EVSE-SIM-001 connected \(ocpp2\.0\.1, no Authorization header\)$/m);
    assert.match(stdout, /^\d\d:\d\d:\d\d EVSE-SIM-001 -> BootNotification PowerUp evse-agent\/SIM serial=S-1 fw=0\.1\.0$/m);
    assert.match(stdout, /^\d\d:\d\d:\d\d EVSE-SIM-001 <- Accepted interval=300$/m);
    assert.match(stdout, /^\d\d:\d\d:\d\d EVSE-SIM-001 <- RequestStartTransaction evse=1 idToken=DEV-CSMS remoteStartId=1$/m);
    assert.match(stdout, /dev-csms: stopped\n$/);
  });

  it('refuses a bad port with exit 64 and a port in use with exit 71 (EX_OSERR, not 69: no device failed to answer)', async () => {
    const bad = await runInProcess(['dev-csms', '--port', 'ninety']);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /--port takes a port number/);

    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const inUse = await runInProcess(['dev-csms', '--port', String(port), '--http-port', '0']);
      assert.equal(inUse.code, 71);
      assert.match(inUse.stderr, /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      const apiInUse = await runInProcess(['dev-csms', '--port', '0', '--http-port', String(port)]);
      assert.equal(apiInUse.code, 71);
      assert.match(apiInUse.stderr, /control API/);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it('is listed in the usage', async () => {
    const help = await runInProcess(['help']);
    assert.match(help.stdout, /dev-csms \[--port 9220\] \[--http-port 9221\] \[--host 127\.0\.0\.1\]/);
  });
});
