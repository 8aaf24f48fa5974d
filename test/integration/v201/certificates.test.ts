import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GetInstalledCertificateIdsResponse } from 'ocpp-messages/v2.0/GetInstalledCertificateIdsResponse.js';
import type { InstallCertificateResponse } from 'ocpp-messages/v2.0/InstallCertificateResponse.js';
import { certificateHashData } from '../../../src/services/certificates/hash-data.js';
import { createCa, issueClientCertificate } from '../../helpers/test-pki.js';
import { startStation } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, ID } from './rig.js';

/**
 * What only 2.0.1 has of M03/M05: the V2G types, a V2G certificate chain listed with its sub-CAs
 * as childCertificateHashData (M03.FR.05), every type when the request names none, statusInfo on a
 * rejection, and SecurityCtrlr.CertificateEntries counting the store.
 */

const hashOf = (pem: string, issuerPem: string) => certificateHashData(new X509Certificate(pem), new X509Certificate(issuerPem));

describe('OCPP 2.0.1 integration: certificates (M03.FR.05 V2G chain, V2G/MO roots, CertificateEntries)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('M03.FR.05 a V2G chain lists its sub-CAs under the leaf; no certificateType lists every type; Rejected carries statusInfo InvalidCertificate; CertificateEntries counts them', async () => {
    const v2gRoot = await createCa('V2G Root');
    const moRoot = await createCa('MO Root');
    const sub1 = await createCa('CPO Sub-CA 1', { issuer: v2gRoot });
    const sub2 = await createCa('CPO Sub-CA 2', { issuer: sub1 });
    const secc = await issueClientCertificate(sub2, 'SECC-0001');
    const d = await startStation('2.0.1');
    const install = (certificateType: string, certificate: string) => d.csms.call(ID, 'InstallCertificate', { certificateType, certificate }) as Promise<InstallCertificateResponse>;
    assert.equal((await install('V2GRootCertificate', v2gRoot.certPem)).status, 'Accepted');
    assert.equal((await install('MORootCertificate', moRoot.certPem)).status, 'Accepted');
    const rejected = await install('MORootCertificate', secc.certPem);
    assert.equal(rejected.status, 'Rejected');
    assert.equal(rejected.statusInfo?.reasonCode, 'InvalidCertificate');

    // The V2G chain comes by CertificateSigned (ISO 15118, later); here it is put in the store's folder while the station is off.
    await d.stop();
    const chainDir = path.join(d.agent.config.storage.dir, 'certificates', 'V2GCertificateChain');
    mkdirSync(chainDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(chainDir, 'secc.pem'), secc.certPem + sub2.certPem + sub1.certPem);
    await d.startAgain();

    const chain = (await d.csms.call(ID, 'GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] })) as GetInstalledCertificateIdsResponse;
    assert.equal(chain.status, 'Accepted');
    assert.deepEqual(chain.certificateHashDataChain, [
      {
        certificateType: 'V2GCertificateChain',
        certificateHashData: hashOf(secc.certPem, sub2.certPem),
        childCertificateHashData: [hashOf(sub2.certPem, sub1.certPem), hashOf(sub1.certPem, v2gRoot.certPem)],
      },
    ]);
    const all = (await d.csms.call(ID, 'GetInstalledCertificateIds', {})) as GetInstalledCertificateIdsResponse;
    assert.deepEqual((all.certificateHashDataChain ?? []).map((c) => c.certificateType).sort(), ['MORootCertificate', 'V2GCertificateChain', 'V2GRootCertificate']);
    const none = (await d.csms.call(ID, 'GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] })) as GetInstalledCertificateIdsResponse;
    assert.equal(none.status, 'NotFound');

    const [entries] = (await d.csms.getVariables(ID, [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'CertificateEntries' } }])).getVariableResult;
    assert.equal(entries?.attributeValue, '3');
    assertNoCallErrors(d.csms);
  });
});
