import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { ChangeConfigurationResponse, GetConfigurationResponse } from 'ocpp-messages/v1.6/index.js';
import type { Agent } from '../../../src/app/agent.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { createCa, issueServerCertificate, type IssuedCertificate, type TestCa } from '../../helpers/test-pki.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { afterEachTest, ID, securityLogOf, startAgent, startCsms, stopAgent, until } from '../harness.js';
import { configFile16, waitForAccepted16 } from './rig.js';

/**
 * 1.6 security whitepaper A05: the Central System raises the SecurityProfile key; the Charge Point
 * reconnects to the same Central System with it (ws:// becomes wss://), keeps it, never goes lower
 * (A05.FR.01), and falls back to its previous profile when the new one cannot connect (A05.FR.08).
 */

const PASSWORD = 'station-password-0001';

interface DualFront {
  port: number;
  /** Connections that came in plain (ws://) and over TLS (wss://, whether the handshake then succeeded or not). */
  counts: { plain: number; tls: number };
  close(): Promise<void>;
}

/**
 * One port for ws:// and wss://, as a Central System behind one address serves both: a connection
 * whose first byte is a TLS handshake record (0x16) is handed to a TLS server, any other passed on
 * as it is; both go to the plain CSMS at `backendPort`.
 */
async function dualFront(backendPort: number, server: IssuedCertificate): Promise<DualFront> {
  const sockets = new Set<net.Socket>();
  const counts = { plain: 0, tls: 0 };
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const toBackend = (client: net.Socket): void => {
    const backend = net.connect(backendPort, '127.0.0.1');
    track(backend);
    client.pipe(backend).pipe(client);
    client.on('error', () => backend.destroy());
    backend.on('error', () => client.destroy());
    client.on('close', () => backend.destroy());
    backend.on('close', () => client.destroy());
  };
  const secure = tls.createServer({ cert: server.certPem, key: server.keyPem }, (socket) => toBackend(socket));
  secure.on('tlsClientError', () => undefined);
  secure.on('connection', track);
  await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
  const securePort = (secure.address() as AddressInfo).port;
  const front = net.createServer((socket) => {
    track(socket);
    socket.on('error', () => socket.destroy());
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      // TLS goes through the TLS server's own port: the bytes already read stay in this stream.
      if (first[0] === 0x16) {
        counts.tls += 1;
        const hop = net.connect(securePort, '127.0.0.1');
        track(hop);
        socket.pipe(hop).pipe(socket);
        hop.on('error', () => socket.destroy());
        hop.on('close', () => socket.destroy());
        socket.on('close', () => hop.destroy());
      } else {
        counts.plain += 1;
        toBackend(socket);
      }
      socket.resume();
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return {
    port: (front.address() as AddressInfo).port,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        secure.close();
        front.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

describe('OCPP 1.6 integration: SecurityProfile upgrade (security whitepaper A05)', function () {
  this.timeout(30000);
  let ca: TestCa;
  const fronts: DualFront[] = [];
  before(async () => {
    ca = await createCa('1.6 security profile test root');
  });
  afterEach(async () => {
    for (const f of fronts.splice(0)) await f.close();
  });
  afterEach(afterEachTest);

  /** A profile-1 station on a dual front of a CSMS that checks its password; with the CSMS root installed unless `withRoot` is false. */
  async function profile1Station(server: IssuedCertificate, withRoot = true): Promise<{ csms: DevCsms; front: DualFront; agent: Agent; file: string }> {
    const csms = await startCsms({ basicAuth: { [ID]: PASSWORD } });
    const front = await dualFront(csms.port, server);
    fronts.push(front);
    const caFile = path.join(makeTempDir('security-profile'), 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    const file = configFile16(`ws://127.0.0.1:${front.port}/ocpp`, (doc) => {
      doc['ocpp'] = { ...doc['ocpp'], securityProfile: 1, password: PASSWORD, ...(withRoot ? { caFile } : {}) };
    });
    const { agent } = await startAgent(file);
    await waitForAccepted16(csms, agent);
    return { csms, front, agent, file };
  }
  const change = async (csms: DevCsms, value: string) => ((await csms.call(ID, 'ChangeConfiguration', { key: 'SecurityProfile', value })) as ChangeConfigurationResponse).status;
  const securityProfile = async (csms: DevCsms) =>
    ((await csms.call(ID, 'GetConfiguration', { key: ['SecurityProfile'] })) as GetConfigurationResponse).configurationKey?.[0]?.value;

  it('A05.FR.05-07 SecurityProfile 1 -> 2 Accepted: the station reconnects over wss:// to the same Central System, keeps profile 2 after a restart; A05.FR.01 a lower or equal one Rejected', async () => {
    const { csms, front, agent, file } = await profile1Station(await issueServerCertificate(ca));
    assert.deepEqual(front.counts, { plain: 1, tls: 0 });
    assert.equal(await securityProfile(csms), '1');
    assert.equal(await change(csms, '2'), 'Accepted');
    await until(() => front.counts.tls === 1 && agent.client.isConnected, 8000, 'connected over TLS');
    assert.equal(await securityProfile(csms), '2');
    assert.ok(securityLogOf(agent).some((e) => e.type === 'ReconfigurationOfSecurityParameters'));
    assert.equal(await change(csms, '1'), 'Rejected');
    assert.equal(await change(csms, '2'), 'Rejected');
    assert.equal(await securityProfile(csms), '2');
    await stopAgent(agent, 'clean');
    const { agent: again } = await startAgent(file);
    await until(() => front.counts.tls === 2 && again.client.isConnected, 8000, 'connected over TLS after the restart');
    assert.equal(front.counts.plain, 1, 'never over ws:// again');
  });

  it('A05.FR.08 the new profile cannot connect (a certificate from another CA): back to profile 1 over ws:// after the attempts', async () => {
    const { csms, front, agent } = await profile1Station(await issueServerCertificate(await createCa('another root')));
    assert.equal(await change(csms, '2'), 'Accepted');
    await until(() => front.counts.plain === 2 && agent.client.isConnected, 15000, 'back over ws://');
    assert.equal(front.counts.tls, 3, 'the new profile was tried three times');
    assert.equal(await securityProfile(csms), '1');
  });

  it('A05.FR.03/04 Rejected without a Central System root certificate (2) or a Charge Point certificate (3)', async () => {
    const { csms, front } = await profile1Station(await issueServerCertificate(ca), false);
    assert.equal(await change(csms, '2'), 'Rejected');
    assert.equal(await change(csms, '3'), 'Rejected');
    assert.equal(await change(csms, 'two'), 'Rejected');
    assert.equal(await securityProfile(csms), '1');
    assert.deepEqual(front.counts, { plain: 1, tls: 0 }, 'no reconnection');
  });
});
