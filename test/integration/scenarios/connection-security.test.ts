import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { SecurityEventNotificationRequest } from 'ocpp-messages/v2.0/SecurityEventNotificationRequest.js';
import type { Agent } from '../../../src/app/agent.js';
import { createCa, issueClientCertificate, issueServerCertificate, tlsCsms, type IssuedCertificate, type TestCa, type TlsCsms } from '../../helpers/test-pki.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { VERSIONS, type OcppVersion } from '../drivers/start-station.js';
import { afterEachTest, calls, configFile, ID, logLines, securityLogOf, startAgent, startCsms, until, type ConfigChanges } from '../harness.js';
import { configFile16 } from '../v16/rig.js';

/**
 * The TLS security profiles against a wss:// CSMS whose PKI the tests make at run time (Part 2 A00,
 * 1.6 security whitepaper 2.4/2.5): profile 2 (server certificate verified, Basic auth) and
 * profile 3 (station certificate) connect; a CSMS certificate from another CA, an expired one and
 * one for another host name are refused with InvalidCsmsCertificate (A00.FR.310/.413), a CSMS that
 * speaks only TLS 1.1 with InvalidTLSVersion (A00.FR.316/.419), each in the security log.
 */

const PASSWORD = 'station-password-0001';
const DAY_MS = 86_400_000;

interface Closable {
  close(): Promise<void>;
}

/** TLS 1.0/1.1 only (OpenSSL needs security level 0 for them). */
const TLS_1_1_ONLY: tls.TlsOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' };
/** TLS 1.2 with a CBC suite only, which Part 2 A00.FR.319 does not name. */
const CBC_ONLY: tls.TlsOptions = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' };

/** A TLS server with `options` that never answers what gets through (closed with the server). */
async function oldTlsServer(server: IssuedCertificate, options: tls.TlsOptions): Promise<{ port: number } & Closable> {
  const sockets = new Set<net.Socket>();
  const tlsServer = tls.createServer({ cert: server.certPem, key: server.keyPem, ...options }, (s) => s.resume());
  tlsServer.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  tlsServer.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  return {
    port: (tlsServer.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        tlsServer.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: connection security with the test PKI (A00)`, function () {
    this.timeout(20000);
    let ca: TestCa;
    let dir: string;
    const open: Closable[] = [];
    before(async () => {
      ca = await createCa('evse-agent test CSMS root');
    });
    beforeEach(() => {
      dir = makeTempDir('connection-security');
    });
    afterEach(async () => {
      for (const c of open.splice(0)) await c.close();
    });
    afterEach(afterEachTest);

    const file = (name: string, text: string, mode = 0o644): string => {
      const f = path.join(dir, name);
      writeFileSync(f, text, { mode });
      return f;
    };
    const configFor = (v: OcppVersion, url: string, changes: ConfigChanges): string => (v === '1.6' ? configFile16(url, changes) : configFile(url, changes));
    const profile2 = (url: string): string =>
      configFor(version, url, (doc) => (doc['ocpp'] = { ...doc['ocpp'], securityProfile: 2, password: PASSWORD, caFile: file('ca.pem', ca.certPem) }));
    const front = async (backendPort: number, server: IssuedCertificate, options: { clientCas?: string[]; port?: number } = {}): Promise<TlsCsms> => {
      const f = await tlsCsms({ backendPort, server, ...options });
      open.push(f);
      return f;
    };
    const accepted = (agent: Agent): Promise<void> => until(() => agent.adapter.bootState$.value === 'Accepted', 8000, 'boot Accepted');
    const logged = (agent: Agent, type: string) => securityLogOf(agent).filter((e) => e.type === type);
    // The 1.6 whitepaper's name for InvalidCsmsCertificate.
    const invalidCsmsCertificate = version === '1.6' ? 'InvalidCentralSystemCertificate' : 'InvalidCsmsCertificate';

    it('A00.FR.301-308 profile 2: TLS 1.2 or later to a CSMS whose certificate chains to the installed root, Basic auth with the identity', async () => {
      const csms = await startCsms({ basicAuth: { [ID]: PASSWORD } });
      const wss = await front(csms.port, await issueServerCertificate(ca));
      const { agent } = await startAgent(profile2(wss.url));
      await accepted(agent);
      assert.equal(csms.connectionEvents.filter((e) => e.type === 'refused').length, 0, 'the password was taken');
      assert.deepEqual(logged(agent, invalidCsmsCertificate), []);
    });

    /** Security profile 3: the test CA as the CSMS root, `station` as the client certificate, no password. */
    const profile3Config = (url: string, station: { certPem: string; keyPem: string }): string =>
      configFor(version, url, (doc) => {
        doc['ocpp'] = {
          ...doc['ocpp'],
          securityProfile: 3,
          caFile: file('ca.pem', ca.certPem),
          clientCertificateFile: file('station.pem', station.certPem),
          clientKeyFile: file('station.key', station.keyPem, 0o600),
        };
        delete doc['ocpp'].password;
      });

    it('A00.FR.401-413 profile 3: the station certificate is the TLS client certificate the CSMS verifies', async () => {
      const csms = await startCsms();
      const station = await issueClientCertificate(ca, ID, { organization: 'evse-agent tests' });
      const wss = await front(csms.port, await issueServerCertificate(ca), { clientCas: [ca.certPem] });
      const config = profile3Config(wss.url, station);
      const { agent } = await startAgent(config);
      await accepted(agent);
      assert.ok(wss.clientSubjects.some((s) => s.includes(`CN=${ID}`)), `the station's certificate, not ${wss.clientSubjects.join('; ')}`);
    });

    const refusals: Array<{ title: string; code: string; server: (ca: TestCa) => Promise<IssuedCertificate> }> = [
      { title: 'a CSMS certificate from another CA', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', server: async () => issueServerCertificate(await createCa('another root')) },
      {
        title: 'an expired CSMS certificate',
        code: 'CERT_HAS_EXPIRED',
        server: (root) => issueServerCertificate(root, { notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) }),
      },
      { title: 'a CSMS certificate for another host name (csms.example, not 127.0.0.1)', code: 'ERR_TLS_CERT_ALTNAME_INVALID', server: (root) => issueServerCertificate(root, { hosts: ['csms.example'] }) },
    ];
    for (const refusal of refusals) {
      it(`A00.FR.310/.413 ${refusal.title}: refused, ${invalidCsmsCertificate} (${refusal.code}) in the security log`, async () => {
        const csms = await startCsms();
        const bad = await front(csms.port, await refusal.server(ca));
        const { agent } = await startAgent(profile2(bad.url));
        await until(() => logged(agent, invalidCsmsCertificate).length === 1, 6000, `${invalidCsmsCertificate} in the security log`);
        assert.match(logged(agent, invalidCsmsCertificate)[0]!.techInfo ?? '', new RegExp(`^${refusal.code} connecting to 127\\.0\\.0\\.1:${bad.port}`));
        assert.equal(csms.station(ID), undefined, 'nothing reached the CSMS');
        assert.equal(agent.adapter.bootState$.value, 'NotBooted');
        if (version !== '2.0.1') return;
        // 2.0.1 A04.FR.01/02: critical, so sent once a good connection is made (the 1.6 whitepaper has it not critical).
        await bad.close();
        await front(csms.port, await issueServerCertificate(ca), { port: bad.port });
        await accepted(agent);
        await until(() => calls<SecurityEventNotificationRequest>(csms, 'SecurityEventNotification').some((e) => e.type === 'InvalidCsmsCertificate'), 5000, 'InvalidCsmsCertificate sent');
      });
    }

    it('A00.FR.316/.419 a CSMS that speaks only TLS 1.1: refused, InvalidTLSVersion in the security log', async () => {
      const old = await oldTlsServer(await issueServerCertificate(ca), TLS_1_1_ONLY);
      open.push(old);
      const { agent } = await startAgent(profile2(`wss://127.0.0.1:${old.port}/ocpp`));
      await until(() => logged(agent, 'InvalidTLSVersion').length === 1, 6000, 'InvalidTLSVersion in the security log');
      assert.match(logged(agent, 'InvalidTLSVersion')[0]!.techInfo ?? '', /PROTOCOL_VERSION|protocol version|EPROTO/i);
      assert.deepEqual(logged(agent, invalidCsmsCertificate), []);
    });

    it('A00.FR.323/.426 a CSMS that allows only a CBC cipher suite: refused, InvalidTLSCipherSuite in the security log', async () => {
      const cbc = await oldTlsServer(await issueServerCertificate(ca), CBC_ONLY);
      open.push(cbc);
      const { agent } = await startAgent(profile2(`wss://127.0.0.1:${cbc.port}/ocpp`));
      await until(() => logged(agent, 'InvalidTLSCipherSuite').length === 1, 6000, 'InvalidTLSCipherSuite in the security log');
      assert.match(logged(agent, 'InvalidTLSCipherSuite')[0]!.techInfo ?? '', /^INSECURE_CIPHER_SUITE connecting to .*ECDHE-ECDSA-AES128-SHA/);
      assert.deepEqual(logged(agent, 'InvalidTLSVersion'), []);
    });

    it('A00.FR.413 a profile-3 station without a certificate the CSMS takes is not mistaken for a cipher suite problem', async () => {
      const csms = await startCsms();
      const wss = await front(csms.port, await issueServerCertificate(ca), { clientCas: [(await createCa('another client root')).certPem] });
      const station = await issueClientCertificate(ca, ID);
      const config = profile3Config(wss.url, station);
      const { agent } = await startAgent(config);
      await until(() => logLines.filter((l) => l.includes('connection failed')).length >= 2, 6000, 'two failed attempts');
      assert.deepEqual(logged(agent, 'InvalidTLSCipherSuite'), []);
      assert.equal(csms.station(ID), undefined);
    });
  });
}
