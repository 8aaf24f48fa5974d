import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Agent } from '../../../src/app/agent.js';
import { x509 } from '../../../src/services/certificates/x509.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { createCa, issueClientCertificate, issueServerCertificate, signCsr, tlsCsms, type TestCa, type TlsCsms } from '../../helpers/test-pki.js';
import { perVersion, VERSIONS, type OcppVersion } from '../drivers/start-station.js';
import { afterEachTest, calls, type ConfigChanges, configFile, ID, SERIAL, securityLogOf, startAgent, startCsms, until } from '../harness.js';
import { configFile16 } from '../v16/rig.js';

/**
 * The renewal of the station certificate end to end, both versions (2.0.1 A02 with the 2025-09
 * errata; 1.6 security whitepaper A02), over security profile 3 to a wss:// CSMS of a CA made
 * here: the CSMS triggers it, the station sends a CSR for a new key with its serial number and
 * the operator's name, the CA signs it, CertificateSigned is Accepted and the station reconnects
 * with the new certificate; a certificate for another key is Rejected, raises
 * InvalidChargingStationCertificate (1.6: InvalidChargePointCertificate) and the old one stays.
 */

const ORGANIZATION = 'Example CPO';

interface Setup {
  csms: DevCsms;
  front: TlsCsms;
  agent: Agent;
  ca: TestCa;
  oldSerial: string;
  oldCertPem: string;
}

/** node:crypto's spelling of a serial (upper-case hex), as the front records it. */
const serialOf = (pem: string): string => new x509.X509Certificate(pem).serialNumber.toUpperCase();

async function startProfile3(version: OcppVersion, fronts: TlsCsms[], oldNotAfter?: Date): Promise<Setup> {
  const ca = await createCa('Renewal Test CSO Root');
  const dir = makeTempDir('renewal-pki');
  const old = await issueClientCertificate(ca, SERIAL, { organization: ORGANIZATION, serialNumber: '01d0', notAfter: oldNotAfter });
  const files = { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'station.pem'), key: path.join(dir, 'station.key') };
  writeFileSync(files.ca, ca.certPem);
  writeFileSync(files.cert, old.certPem);
  writeFileSync(files.key, old.keyPem, { mode: 0o600 });
  const csms = await startCsms();
  csms.answer('SignCertificate', { status: 'Accepted' });
  const front = await tlsCsms({ backendPort: csms.port, server: await issueServerCertificate(ca), clientCas: [ca.certPem] });
  fronts.push(front);
  const profile3: ConfigChanges = (doc) => {
    doc['ocpp'] = { ...doc['ocpp'], securityProfile: 3, caFile: files.ca, clientCertificateFile: files.cert, clientKeyFile: files.key };
  };
  const file = version === '1.6' ? configFile16(front.url, profile3) : configFile(front.url, profile3);
  const { agent } = await startAgent(file);
  await until(() => agent.adapter.bootState$.value === 'Accepted', 8000, 'boot Accepted over profile 3');
  return { csms, front, agent, ca, oldSerial: serialOf(old.certPem), oldCertPem: old.certPem };
}

/** Sets the organization name the CSR's O takes (2.0.1 SecurityCtrlr.OrganizationName, 1.6 CpoName). */
async function setOrganization(version: OcppVersion, csms: DevCsms): Promise<void> {
  const answer =
    version === '1.6'
      ? await csms.call(ID, 'ChangeConfiguration', { key: 'CpoName', value: ORGANIZATION })
      : await csms.call(ID, 'SetVariables', { setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'OrganizationName' }, attributeValue: ORGANIZATION }] });
  assert.match(JSON.stringify(answer), /Accepted/);
}

/** The CSMS's trigger: 2.0.1 TriggerMessage SignChargingStationCertificate, 1.6 ExtendedTriggerMessage SignChargePointCertificate. */
async function triggerRenewal(version: OcppVersion, csms: DevCsms): Promise<string> {
  const before = calls(csms, 'SignCertificate').length;
  const answer =
    version === '1.6'
      ? await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' })
      : await csms.call(ID, 'TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' });
  assert.deepEqual(answer, { status: 'Accepted' });
  await until(() => calls(csms, 'SignCertificate').length > before, 5000, 'SignCertificate');
  return calls<{ csr: string; certificateType?: string }>(csms, 'SignCertificate').at(-1)!.csr;
}

const certificateSigned = (version: OcppVersion, csms: DevCsms, chain: string): Promise<unknown> =>
  csms.call(ID, 'CertificateSigned', perVersion<object>(version, { '1.6': { certificateChain: chain }, '2.0.1': { certificateChain: chain, certificateType: 'ChargingStationCertificate' } }));

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: renewal of the station certificate (A02, A03) over security profile 3`, function () {
    this.timeout(20000);
    const fronts: TlsCsms[] = [];
    afterEach(async function (this: Mocha.Context) {
      for (const f of fronts.splice(0)) await f.close();
      await afterEachTest.call(this);
    });

    it('A02.FR.02/.03/.08: triggered, a CSR for a new key (CN serial number, O the operator); the CA signs it; CertificateSigned Accepted; the station reconnects with the new certificate', async () => {
      const { csms, front, agent, ca, oldSerial, oldCertPem } = await startProfile3(version, fronts);
      assert.deepEqual(front.clientSerials, [oldSerial]);
      await setOrganization(version, csms);
      const csrPem = await triggerRenewal(version, csms);
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      assert.ok(await csr.verify());
      assert.deepEqual(csr.subjectName.getField('CN'), [SERIAL]);
      assert.deepEqual(csr.subjectName.getField('O'), [ORGANIZATION]);
      const oldKey = new x509.X509Certificate(oldCertPem).publicKey.rawData;
      assert.ok(!Buffer.from(csr.publicKey.rawData).equals(Buffer.from(oldKey)), 'the CSR is for a new key');
      if (version === '2.0.1') assert.equal(calls<{ certificateType?: string }>(csms, 'SignCertificate').at(-1)!.certificateType, 'ChargingStationCertificate');

      const { certPem } = await signCsr(ca, csrPem, { serialNumber: '5ea1ed' });
      assert.deepEqual(await certificateSigned(version, csms, certPem), { status: 'Accepted' });
      await until(() => front.clientSerials.length >= 2, 8000, 'a new TLS connection');
      assert.deepEqual(front.clientSerials, [oldSerial, serialOf(certPem)]);
      await until(() => agent.adapter.bootState$.value === 'Accepted' && agent.client.isConnected, 8000, 'connected again');
      assert.ok(!securityLogOf(agent).some((e) => /^Invalid(ChargingStation|ChargePoint)Certificate$/.test(e.type)));
    });

    it('A02.FR.07: a certificate for another key is Rejected, InvalidChargingStationCertificate (1.6 InvalidChargePointCertificate) raised, the old certificate still used on the next connection', async () => {
      const { csms, front, agent, ca, oldSerial } = await startProfile3(version, fronts);
      await triggerRenewal(version, csms);
      const foreign = await issueClientCertificate(ca, SERIAL, { organization: ORGANIZATION });
      const answer = (await certificateSigned(version, csms, foreign.certPem)) as { status: string };
      assert.equal(answer.status, 'Rejected');
      // The security log names it as the version does.
      const event = perVersion(version, { '1.6': 'InvalidChargePointCertificate', '2.0.1': 'InvalidChargingStationCertificate' });
      await until(() => securityLogOf(agent).some((e) => e.type === event), 5000, `${event} in the security log`);
      if (version === '2.0.1') {
        // Critical in 2.0.1 (appendix), so sent; the whitepaper's InvalidChargePointCertificate is not.
        await csms.waitFor<{ type: string }>(ID, 'SecurityEventNotification', (p) => p.type === 'InvalidChargingStationCertificate');
      }
      agent.client.reconnect();
      await until(() => front.clientSerials.length >= 2, 8000, 'a new TLS connection');
      assert.deepEqual(front.clientSerials, [oldSerial, oldSerial]);
    });

    it('A03.FR.02/.03: a station certificate that expires within a month is renewed by the station itself once the CSMS accepts it', async () => {
      const { csms, front, ca, oldSerial } = await startProfile3(version, fronts, new Date(Date.now() + 10 * 86_400_000));
      await until(() => calls(csms, 'SignCertificate').length === 1, 5000, 'a SignCertificate of its own');
      const csrPem = calls<{ csr: string }>(csms, 'SignCertificate')[0]!.csr;
      assert.deepEqual(new x509.Pkcs10CertificateRequest(csrPem).subjectName.getField('CN'), [SERIAL]);
      const { certPem } = await signCsr(ca, csrPem);
      assert.deepEqual(await certificateSigned(version, csms, certPem), { status: 'Accepted' });
      await until(() => front.clientSerials.length >= 2, 8000, 'a new TLS connection');
      assert.deepEqual(front.clientSerials, [oldSerial, serialOf(certPem)]);
    });
  });
}
