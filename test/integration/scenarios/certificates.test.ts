import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { certificateHashData } from '../../../src/services/certificates/hash-data.js';
import type { CertificateHashData } from '../../../src/services/certificates/types.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { createCa, issueClientCertificate, issueServerCertificate, tlsCsms, type TestCa, type TlsCsms } from '../../helpers/test-pki.js';
import { perVersion, startStation, VERSIONS, type AnyDriver, type OcppVersion } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, ID, type ConfigChanges } from '../harness.js';

/**
 * The certificate messages, alike in both versions (2.0.1 M03-M05; the 1.6 security whitepaper's
 * M03-M05 with CentralSystemRootCertificate for 2.0.1's CSMSRootCertificate): install, list with
 * hash data, delete, the refusals, and the store through a restart; a profile-2 connection over
 * TLS to a CSMS whose root the station holds, and a profile-3 one with the station's certificate.
 */

type Kind = 'csms' | 'manufacturer';
const typeName = (version: OcppVersion, kind: Kind): string =>
  kind === 'manufacturer' ? 'ManufacturerRootCertificate' : perVersion(version, { '1.6': 'CentralSystemRootCertificate', '2.0.1': 'CSMSRootCertificate' });

const PASSWORD = 'station-password-0001';
const rootHash = (ca: TestCa): CertificateHashData => {
  const cert = new X509Certificate(ca.certPem);
  return certificateHashData(cert, cert);
};

async function install(d: AnyDriver, kind: Kind, certificate: string): Promise<string> {
  const answer = (await d.csms.call(ID, 'InstallCertificate', { certificateType: typeName(d.version, kind), certificate })) as { status: string };
  return answer.status;
}

/** GetInstalledCertificateIds for one type: the status and the hash data listed. */
async function listed(d: AnyDriver, kind: Kind): Promise<{ status: string; hashData: CertificateHashData[] }> {
  const type = typeName(d.version, kind);
  if (d.version === '1.6') {
    const answer = (await d.csms.call(ID, 'GetInstalledCertificateIds', { certificateType: type })) as { status: string; certificateHashData?: CertificateHashData[] };
    return { status: answer.status, hashData: answer.certificateHashData ?? [] };
  }
  const answer = (await d.csms.call(ID, 'GetInstalledCertificateIds', { certificateType: [type] })) as {
    status: string;
    certificateHashDataChain?: Array<{ certificateType: string; certificateHashData: CertificateHashData }>;
  };
  assert.ok((answer.certificateHashDataChain ?? []).every((c) => c.certificateType === type));
  return { status: answer.status, hashData: (answer.certificateHashDataChain ?? []).map((c) => c.certificateHashData) };
}

async function remove(d: AnyDriver, hashData: CertificateHashData): Promise<string> {
  return ((await d.csms.call(ID, 'DeleteCertificate', { certificateHashData: hashData })) as { status: string }).status;
}

const serials = (list: CertificateHashData[]): string[] => list.map((h) => h.serialNumber).sort();

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: certificates (M03-M05)`, function () {
    this.timeout(20000);
    let csmsRoot: TestCa;
    let otherRoot: TestCa;
    let makerRoot: TestCa;
    const fronts: TlsCsms[] = [];
    before(async () => {
      [csmsRoot, otherRoot, makerRoot] = [await createCa('CSMS Root'), await createCa('CSMS Root 2'), await createCa('Manufacturer Root')];
    });
    afterEach(async function (this: Mocha.Context) {
      for (const front of fronts.splice(0)) await front.close();
      await afterEachTest.call(this);
    });

    it('M05/M03/M04: a CSMS and a manufacturer root Accepted, garbage and a leaf Rejected; listed by type with their hash data; one deleted (Accepted, gone, then NotFound); the store survives a restart', async () => {
      const d = await startStation(version);
      assert.deepEqual(await listed(d, 'csms'), { status: 'NotFound', hashData: [] }, 'M03.FR.02');
      assert.equal(await install(d, 'csms', csmsRoot.certPem), 'Accepted');
      assert.equal(await install(d, 'csms', otherRoot.certPem), 'Accepted');
      assert.equal(await install(d, 'manufacturer', makerRoot.certPem), 'Accepted');
      assert.equal(await install(d, 'csms', '-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----'), 'Rejected', 'M05.FR.07 not X.509');
      const leaf = await issueClientCertificate(csmsRoot, 'not-a-ca');
      assert.equal(await install(d, 'manufacturer', leaf.certPem), 'Rejected', 'M05.FR.07 not a CA');

      const csms = await listed(d, 'csms');
      assert.equal(csms.status, 'Accepted');
      assert.deepEqual(serials(csms.hashData), serials([rootHash(csmsRoot), rootHash(otherRoot)]));
      assert.deepEqual(csms.hashData.find((h) => h.serialNumber === rootHash(csmsRoot).serialNumber), rootHash(csmsRoot), 'M03.FR.04 the hash data');
      assert.deepEqual(await listed(d, 'manufacturer'), { status: 'Accepted', hashData: [rootHash(makerRoot)] });

      assert.equal(await remove(d, rootHash(otherRoot)), 'Accepted', 'M04.FR.02');
      assert.deepEqual((await listed(d, 'csms')).hashData, [rootHash(csmsRoot)]);
      assert.equal(await remove(d, rootHash(otherRoot)), 'NotFound', 'M04.FR.04');

      await d.stop();
      await d.startAgain();
      assert.deepEqual((await listed(d, 'csms')).hashData, [rootHash(csmsRoot)]);
      assert.deepEqual((await listed(d, 'manufacturer')).hashData, [rootHash(makerRoot)]);
      assertNoCallErrors(d.csms);
    });

    it('M04 on a profile-2 connection over TLS: the last CSMS root (seeded from ocpp.caFile, the one verifying this CSMS) is refused (Failed); with a second one installed the second can go; the connection stays', async () => {
      const dir = makeTempDir('certificates-scenario');
      const caFile = path.join(dir, 'ca.pem');
      writeFileSync(caFile, csmsRoot.certPem);
      const server = await issueServerCertificate(csmsRoot);
      let backendPort = 0;
      const front = await tlsCsms({ backendPort: () => backendPort, server });
      fronts.push(front);
      const profile2: ConfigChanges = (doc) => {
        const ocpp = doc['ocpp'] as { url: string };
        backendPort = Number(new URL(ocpp.url).port);
        doc['ocpp'] = { ...ocpp, url: front.url, securityProfile: 2, password: PASSWORD, caFile };
      };
      const d = await startStation(version, { config: profile2 });
      assert.deepEqual((await listed(d, 'csms')).hashData, [rootHash(csmsRoot)], 'seeded from ocpp.caFile');
      assert.equal(await remove(d, rootHash(csmsRoot)), 'Failed', 'the connection depends on it');
      assert.equal(await install(d, 'csms', otherRoot.certPem), 'Accepted');
      assert.equal(await remove(d, rootHash(otherRoot)), 'Accepted');
      assert.equal(await remove(d, rootHash(csmsRoot)), 'Failed');
      assert.deepEqual((await listed(d, 'csms')).hashData, [rootHash(csmsRoot)]);
      assert.equal(d.agent.client.connected$.value, true);
      assertNoCallErrors(d.csms);
    });

    it('M04.FR.06 (1.6 M04.FR.05) on a profile-3 connection: the station certificate the connection presents is not listed among the roots and cannot be deleted (Failed)', async () => {
      const dir = makeTempDir('certificates-scenario');
      const files = { caFile: path.join(dir, 'ca.pem'), clientCertificateFile: path.join(dir, 'station.pem'), clientKeyFile: path.join(dir, 'station.key') };
      const own = await issueClientCertificate(csmsRoot, ID, { organization: 'Test CPO' });
      writeFileSync(files.caFile, csmsRoot.certPem);
      writeFileSync(files.clientCertificateFile, own.certPem);
      writeFileSync(files.clientKeyFile, own.keyPem, { mode: 0o600 });
      let backendPort = 0;
      const front = await tlsCsms({ backendPort: () => backendPort, server: await issueServerCertificate(csmsRoot), clientCas: [csmsRoot.certPem] });
      fronts.push(front);
      const d = await startStation(version, {
        config: (doc) => {
          const ocpp = doc['ocpp'] as { url: string };
          backendPort = Number(new URL(ocpp.url).port);
          doc['ocpp'] = { ...ocpp, url: front.url, securityProfile: 3, ...files };
        },
      });
      assert.ok(front.clientSubjects.some((s) => s.includes(`CN=${ID}`)), 'the station presented its certificate');
      const ownCert = new X509Certificate(own.certPem);
      const ownHash = certificateHashData(ownCert, new X509Certificate(csmsRoot.certPem));
      assert.ok(!(await listed(d, 'csms')).hashData.some((h) => h.serialNumber === ownHash.serialNumber));
      assert.equal(await remove(d, ownHash), 'Failed');
      assertNoCallErrors(d.csms);
    });
  });
}
