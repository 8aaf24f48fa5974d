import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { x509 } from '../../../src/services/certificates/x509.js';
import { CertificateRenewal, RENEW_BEFORE_EXPIRY_MS, type RenewalPort } from '../../../src/services/certificates/certificate-renewal.js';
import { CertificateStore } from '../../../src/services/certificates/certificate-store.js';
import type { SecurityEvent } from '../../../src/services/security-events/security-event-types.js';
import { silentLogger } from '../../../src/process/logger.js';
import { FakeClock } from '../../../src/station/clock.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { createCa, issueClientCertificate, signCsr, type TestCa } from '../../helpers/test-pki.js';

/**
 * The renewal of the station certificate (Part 2 A02/A03 with the 2025-09 errata; 1.6 whitepaper
 * A02/A03) on a FakeClock, against a certificate store in a scratch folder and a CA made here.
 */

const DAY_MS = 86_400_000;
const SERIAL = 'EVSE-0042';
const ORGANIZATION = 'Example CPO';

interface Rig {
  renewal: CertificateRenewal;
  store: CertificateStore;
  clock: FakeClock;
  csrs: string[];
  events: SecurityEvent[];
  reconnects: number;
  answer: 'Accepted' | 'Rejected';
  settings: { waitMinimumS: number; repeatTimes: number; maxChainSize?: number };
}

async function rig(ca: TestCa, options: { stationNotAfter?: Date } = {}): Promise<Rig> {
  const clock = new FakeClock(Date.now());
  const dir = makeTempDir('renewal');
  const store = CertificateStore.open(dir, { log: silentLogger, nowMs: () => clock.nowMs() });
  store.addSeededRoot(new (await import('node:crypto')).X509Certificate(ca.certPem));
  const old = await issueClientCertificate(ca, SERIAL, { organization: ORGANIZATION, notAfter: options.stationNotAfter });
  store.addStationCertificate(old.certPem, old.keyPem);
  const state = { csrs: [] as string[], events: [] as SecurityEvent[], reconnects: 0, answer: 'Accepted' as 'Accepted' | 'Rejected' };
  const settings: Rig['settings'] = { waitMinimumS: 60, repeatTimes: 2 };
  const renewal = new CertificateRenewal({
    store,
    commonName: SERIAL,
    settings: { waitMinimumS: () => settings.waitMinimumS, repeatTimes: () => settings.repeatTimes, maxChainSize: () => settings.maxChainSize, organizationName: () => ORGANIZATION },
    clock,
    reconnect: () => (r.reconnects += 1),
    log: silentLogger,
  });
  const port: RenewalPort = {
    signCertificate: async (csr) => {
      r.csrs.push(csr);
      return r.answer;
    },
    raise: (event) => r.events.push(event),
  };
  renewal.attach(port);
  const r: Rig = { renewal, store, clock, settings, ...state };
  return r;
}

const stationSerial = (store: CertificateStore): string => store.list(['ChargingStationCertificate'])[0]!.hashData.serialNumber;
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('CertificateRenewal (A02/A03)', () => {
  let ca: TestCa;
  before(async () => {
    ca = await createCa('Test CSO Root');
  });

  it('A02.FR.02/.03: a trigger makes a new key pair and sends its CSR with CN = serial number and O = OrganizationName; the key waits 0600 in the store', async () => {
    const r = await rig(ca);
    await r.renewal.triggered();
    assert.equal(r.csrs.length, 1);
    const csr = new x509.Pkcs10CertificateRequest(r.csrs[0]!);
    assert.ok(await csr.verify());
    assert.deepEqual(csr.subjectName.getField('CN'), [SERIAL]);
    assert.deepEqual(csr.subjectName.getField('O'), [ORGANIZATION]);
    const oldKey = new x509.X509Certificate(r.store.list(['ChargingStationCertificate'])[0]!.pem).publicKey.rawData;
    assert.ok(!Buffer.from(csr.publicKey.rawData).equals(Buffer.from(oldKey)), 'a new key, not the old one');
    assert.ok(r.store.pendingKeyPem());
    assert.equal(statSync(path.join(r.store.dir, 'pending.key')).mode & 0o777, 0o600);
  });

  it('A02.FR.08: a certificate for the pending key from the CSMS root is Accepted, stored as the station certificate, and the station reconnects', async () => {
    const r = await rig(ca);
    await r.renewal.triggered();
    const { certPem } = await signCsr(ca, r.csrs[0]!, { serialNumber: '5ea1ed01' });
    assert.equal(await r.renewal.certificateSigned(certPem), 'Accepted');
    assert.equal(stationSerial(r.store).toLowerCase(), '5ea1ed01');
    assert.equal(r.store.pendingKeyPem(), undefined);
    await flush();
    assert.equal(r.reconnects, 1);
    assert.deepEqual(r.events, []);
  });

  for (const [name, why, make] of [
    ['a certificate for another key', /pending key/, async () => (await issueClientCertificate(ca, SERIAL, { organization: ORGANIZATION })).certPem],
    ['an expired certificate', /expired/, async (csr: string) => (await signCsr(ca, csr, { notBefore: new Date(Date.now() - 10 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) })).certPem],
    ['a certificate not valid yet (errata 2025-09 A02.FR.06)', /not valid before/, async (csr: string) => (await signCsr(ca, csr, { notBefore: new Date(Date.now() + DAY_MS) })).certPem],
    ['a certificate from another CA', /no CSMS root/, async (csr: string) => (await signCsr(await createCa('Another Root'), csr)).certPem],
  ] as const) {
    it(`A02.FR.07: ${name} is Rejected, InvalidChargingStationCertificate is raised, the old certificate stays`, async () => {
      const r = await rig(ca);
      const before = stationSerial(r.store);
      await r.renewal.triggered();
      assert.equal(await r.renewal.certificateSigned(await make(r.csrs[0]!)), 'Rejected');
      assert.equal(stationSerial(r.store), before);
      assert.deepEqual(
        r.events.map((e) => e.type),
        ['InvalidChargingStationCertificate'],
      );
      assert.match(r.events[0]!.techInfo ?? '', why);
      await flush();
      assert.equal(r.reconnects, 0);
    });
  }

  it('a chain through a sub-CA of the root is Accepted; A02.FR.16 a chain over MaxCertificateChainSize is Rejected', async () => {
    const sub = await createCa('Test CSO Sub-CA', { issuer: ca });
    const r = await rig(ca);
    await r.renewal.triggered();
    const chain = (await signCsr(sub, r.csrs[0]!)).certPem + sub.certPem;
    r.settings.maxChainSize = chain.length - 1;
    assert.equal(await r.renewal.certificateSigned(chain), 'Rejected');
    await r.renewal.triggered();
    const chain2 = (await signCsr(sub, r.csrs[1]!)).certPem + sub.certPem;
    r.settings.maxChainSize = chain2.length;
    assert.equal(await r.renewal.certificateSigned(chain2), 'Accepted');
    assert.equal(r.store.list(['ChargingStationCertificate'])[0]!.childHashData?.length, 1);
  });

  it('A02.FR.17-19: no certificate: the CSR is sent again after CertSigningWaitMinimum, doubled each time, CertSigningRepeatTimes times, then no more', async () => {
    const r = await rig(ca);
    r.settings.repeatTimes = 3;
    await r.renewal.triggered();
    const at = (n: number): void => assert.equal(r.csrs.length, n);
    await r.clock.advanceAsync(59_999);
    at(1);
    await r.clock.advanceAsync(1);
    at(2);
    assert.equal(r.csrs[1], r.csrs[0], 'the same CSR');
    await r.clock.advanceAsync(119_999);
    at(2);
    await r.clock.advanceAsync(1);
    at(3);
    await r.clock.advanceAsync(240_000);
    at(4);
    await r.clock.advanceAsync(10 * DAY_MS);
    at(4);
    // A02.FR.19: a trigger starts again, with a new key.
    await r.renewal.triggered();
    at(5);
    assert.notEqual(r.csrs[4], r.csrs[0]);
  });

  it('A02.FR.17: a CSMS that rejects the SignCertificate starts no back-off; a certificate that comes stops it', async () => {
    const r = await rig(ca);
    r.answer = 'Rejected';
    await r.renewal.triggered();
    await r.clock.advanceAsync(DAY_MS);
    assert.equal(r.csrs.length, 1);
    r.answer = 'Accepted';
    await r.renewal.triggered();
    assert.equal(await r.renewal.certificateSigned((await signCsr(ca, r.csrs[1]!)).certPem), 'Accepted');
    await r.clock.advanceAsync(DAY_MS);
    assert.equal(r.csrs.length, 2);
  });

  it('A02.FR.20: after a Rejected certificate no back-off and no renewal of its own until the CSMS triggers one', async () => {
    const r = await rig(ca, { stationNotAfter: new Date(Date.now() + 10 * DAY_MS) });
    r.renewal.start();
    await r.renewal.triggered();
    assert.equal(await r.renewal.certificateSigned((await issueClientCertificate(ca, SERIAL)).certPem), 'Rejected');
    await r.clock.advanceAsync(3 * DAY_MS);
    assert.equal(r.csrs.length, 1);
    await r.renewal.triggered();
    assert.equal(r.csrs.length, 2);
    r.renewal.stop();
  });

  it('A03.FR.02: checked daily, the renewal starts by itself once the certificate expires within a month', async () => {
    const r = await rig(ca, { stationNotAfter: new Date(Date.now() + RENEW_BEFORE_EXPIRY_MS + 2.5 * DAY_MS) });
    r.renewal.start();
    r.renewal.checkExpiry();
    await flush();
    assert.equal(r.csrs.length, 0);
    await r.clock.advanceAsync(2 * DAY_MS);
    assert.equal(r.csrs.length, 0);
    await r.clock.advanceAsync(DAY_MS);
    await until(() => r.csrs.length === 1);
    assert.deepEqual(new x509.Pkcs10CertificateRequest(r.csrs[0]!).subjectName.getField('CN'), [SERIAL]);
    // The renewed certificate is good for a year: no more renewals.
    assert.equal(await r.renewal.certificateSigned((await signCsr(ca, r.csrs[0]!)).certPem), 'Accepted');
    await r.clock.advanceAsync(3 * DAY_MS);
    assert.equal(r.csrs.length, 1);
    r.renewal.stop();
  });

  it('A03.FR.02: a renewed certificate that again expires within a month is renewed at most once a day, not on every reconnection', async () => {
    const r = await rig(ca, { stationNotAfter: new Date(Date.now() + 10 * DAY_MS) });
    r.renewal.checkExpiry();
    await until(() => r.csrs.length === 1);
    const shortLived = (await signCsr(ca, r.csrs[0]!, { notAfter: new Date(Date.now() + 7 * DAY_MS) })).certPem;
    assert.equal(await r.renewal.certificateSigned(shortLived), 'Accepted');
    r.renewal.checkExpiry(); // the reconnection with it is accepted
    await flush();
    assert.equal(r.csrs.length, 1);
    await r.clock.advanceAsync(DAY_MS);
    r.renewal.checkExpiry();
    await until(() => r.csrs.length === 2);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition());
}
