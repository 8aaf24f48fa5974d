import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { OcppClient } from '../../../src/ocpp/ocpp-client.js';
import { FrameRing } from '../../../src/services/diagnostics/frame-ring.js';

/** OcppClientOptions.onFrame: every frame each way reaches the ring, on a real WebSocket on loopback. */

const PASSWORD = 'hook-test-password-55';

describe('diagnostics frame hook in the OCPP client', () => {
  let server: WebSocketServer;
  let client: OcppClient | undefined;
  let csmsSide: Promise<WebSocket>;

  beforeEach(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (offered) => [...offered][0] ?? false });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    csmsSide = new Promise((resolve) => server.once('connection', resolve));
  });

  afterEach(async () => {
    await client?.stop();
    client = undefined;
    await new Promise((resolve) => server.close(resolve));
  });

  function start(onFrame: (direction: 'in' | 'out', text: string) => void): OcppClient {
    const { port } = server.address() as AddressInfo;
    client = new OcppClient({
      url: `ws://127.0.0.1:${port}/ocpp`,
      identity: 'CS001',
      version: '2.0.1',
      securityProfile: 0,
      backoff: () => ({ waitMinimumS: 0.05, randomRangeS: 0, repeatTimes: 2 }),
      pingIntervalS: () => 0,
      callTimeoutMs: () => 2000,
      onFrame,
    });
    client.start();
    return client;
  }

  async function heartbeatAnswered(c: OcppClient, csms: WebSocket): Promise<void> {
    await firstValueFrom(c.connected$.pipe(filter(Boolean)));
    csms.once('message', (data) => {
      const [, id] = JSON.parse(String(data)) as [number, string];
      csms.send(JSON.stringify([3, id, { currentTime: '2026-12-02T10:00:00.000Z' }]));
    });
    await c.call('Heartbeat', {});
  }

  it('records the frames sent and received, masked', async () => {
    const ring = new FrameRing();
    const c = start(ring.record);
    const csms = await csmsSide;
    await heartbeatAnswered(c, csms);
    const answered = new Promise((resolve) => csms.once('message', resolve));
    csms.send(JSON.stringify([2, 'sv1', 'SetVariables', { setVariableData: [{ attributeValue: PASSWORD, component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } }] }]));
    await answered;
    const frames = ring.frames();
    assert.deepEqual(frames.map((f) => [f.direction, (JSON.parse(f.text) as unknown[])[0]]), [['out', 2], ['in', 3], ['in', 2], ['out', 4]]);
    assert.ok(frames.every((f) => !f.text.includes(PASSWORD)));
  });

  it('keeps the connection when the observer throws', async () => {
    let seen = 0;
    const c = start(() => {
      seen += 1;
      throw new Error('observer broke');
    });
    await heartbeatAnswered(c, await csmsSide);
    assert.equal(seen, 2);
    assert.equal(c.isConnected, true);
  });
});
