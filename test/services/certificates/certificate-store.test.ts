import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { diagnosticsArchive } from '../../../src/services/diagnostics/archive.js';
import { CertificateStore } from '../../../src/services/certificates/certificate-store.js';
import { certificateHashData } from '../../../src/services/certificates/hash-data.js';
import { capturingLogger } from '../../helpers/logging.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { createCa, issueClientCertificate, type IssuedCertificate, type TestCa } from '../../helpers/test-pki.js';

/**
 * The certificate store (issue 15) in a scratch storage.dir: seeding from the config's files,
 * atomic files with their modes, InstallCertificate's rules (M05), DeleteCertificate's (M04), the
 * listing with hash data (M03) and what survives a reopen.
 */

const DAY_MS = 86_400_000;
const mode = (file: string): number => statSync(file).mode & 0o777;
const rootHash = (ca: TestCa) => {
  const cert = new X509Certificate(ca.certPem);
  return certificateHashData(cert, cert);
};

describe('certificate store', () => {
  let roots: TestCa[];
  let station: IssuedCertificate;
  before(async () => {
    roots = [await createCa('Store Root A'), await createCa('Store Root B'), await createCa('Maker Root')];
    station = await issueClientCertificate(roots[0]!, 'CS-STORE', { organization: 'CPO' });
  });

  function configFiles(dir: string) {
    const caFile = path.join(dir, 'ca.pem');
    const clientCertificateFile = path.join(dir, 'client.pem');
    const clientKeyFile = path.join(dir, 'client.key');
    writeFileSync(caFile, roots[0]!.certPem + roots[1]!.certPem);
    writeFileSync(clientCertificateFile, station.certPem);
    writeFileSync(clientKeyFile, station.keyPem, { mode: 0o600 });
    return { caFile, clientCertificateFile, clientKeyFile };
  }

  it('seeds from ocpp.caFile (every certificate: CSMS roots) and the client certificate and key (the station certificate), copied in, modes 0700/0600, no key in the log', async () => {
    const lines: string[] = [];
    const dir = makeTempDir('cert-store');
    const seed = configFiles(dir);
    const before = readFileSync(seed.caFile, 'utf8');
    const store = CertificateStore.open(dir, { log: capturingLogger(lines), seed });
    const bySerial = (x: { serialNumber: string }, y: { serialNumber: string }) => x.serialNumber.localeCompare(y.serialNumber);
    assert.deepEqual(store.list(['CSMSRootCertificate']).map((c) => c.hashData).sort(bySerial), [rootHash(roots[0]!), rootHash(roots[1]!)].sort(bySerial));
    const own = store.list(['ChargingStationCertificate']);
    assert.equal(own.length, 1);
    assert.equal(new X509Certificate(own[0]!.pem).subject, new X509Certificate(station.certPem).subject);
    const files = store.stationCertificateFiles()!;
    assert.ok(files.certFile.startsWith(path.join(dir, 'certificates')) && files.keyFile.startsWith(path.join(dir, 'certificates')));
    assert.equal(readFileSync(files.keyFile, 'utf8').trim(), station.keyPem.trim());
    assert.equal(mode(files.keyFile), 0o600);
    assert.equal(mode(path.join(dir, 'certificates')), 0o700);
    assert.equal(mode(path.join(dir, 'certificates', 'ChargingStationCertificate')), 0o700);
    // The bundle for the connection holds both roots; the config's files are left as they were.
    const bundle = readFileSync(store.caFile()!, 'utf8');
    assert.ok(bundle.includes(roots[0]!.certPem.split('\n')[1]!) && bundle.includes(roots[1]!.certPem.split('\n')[1]!));
    assert.equal(readFileSync(seed.caFile, 'utf8'), before);
    assert.ok(!lines.some((l) => l.includes('PRIVATE KEY') || l.includes(station.keyPem.split('\n')[1]!)));
    assert.equal(store.count(), 3);
  });

  it('reopened: the same certificates, not seeded twice; a seeded root deleted stays deleted; a root newly put in the config is taken', async () => {
    const dir = makeTempDir('cert-store');
    const seed = configFiles(dir);
    const log = capturingLogger([]);
    const first = CertificateStore.open(dir, { log, seed });
    assert.equal(first.delete(rootHash(roots[1]!)).status, 'Accepted');
    const second = CertificateStore.open(dir, { log, seed });
    assert.deepEqual(second.list().map((c) => c.hashData), first.list().map((c) => c.hashData));
    assert.equal(second.count(), 2);
    writeFileSync(seed.caFile, roots[0]!.certPem + roots[1]!.certPem + roots[2]!.certPem);
    const third = CertificateStore.open(dir, { log, seed });
    assert.equal(third.list(['CSMSRootCertificate']).length, 2);
    assert.ok(third.list(['CSMSRootCertificate']).some((c) => c.hashData.serialNumber === rootHash(roots[2]!).serialNumber));
  });

  it('M05 install: Accepted and kept through a reopen; a second time replaced (M05.FR.17, no duplicate); files written whole, no temporary left', () => {
    const dir = makeTempDir('cert-store');
    const store = CertificateStore.open(dir, { log: capturingLogger([]) });
    assert.equal(store.caFile(), undefined);
    assert.deepEqual(store.install('CSMSRootCertificate', roots[0]!.certPem), { status: 'Accepted' });
    assert.deepEqual(store.install('ManufacturerRootCertificate', roots[2]!.certPem), { status: 'Accepted' });
    assert.deepEqual(store.install('CSMSRootCertificate', roots[0]!.certPem), { status: 'Accepted' });
    assert.equal(store.count(), 2);
    assert.deepEqual(store.rootsPem('ManufacturerRootCertificate').map((p) => new X509Certificate(p).fingerprint256), [new X509Certificate(roots[2]!.certPem).fingerprint256]);
    assert.ok(store.caFile());
    const reopened = CertificateStore.open(dir, { log: capturingLogger([]) });
    assert.deepEqual(reopened.list(['ManufacturerRootCertificate']).map((c) => c.hashData), [rootHash(roots[2]!)]);
    assert.deepEqual(reopened.list(['CSMSRootCertificate']).map((c) => c.hashData), [rootHash(roots[0]!)]);
    const leftovers = ['CSMSRootCertificate', 'ManufacturerRootCertificate', '.'].flatMap((d) => readdirSync(path.join(dir, 'certificates', d))).filter((n) => n.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
  });

  it('M05.FR.07 Rejected: not PEM, a PEM that is no certificate, a leaf (not a CA), an expired CA; nothing stored', async () => {
    const store = CertificateStore.open(makeTempDir('cert-store'), { log: capturingLogger([]) });
    const expired = await createCa('Old Root', { notBefore: new Date(Date.now() - 400 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });
    const garbage = '-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    for (const pem of ['not a certificate', garbage, station.certPem, expired.certPem]) {
      const outcome = store.install('CSMSRootCertificate', pem);
      assert.equal(outcome.status, 'Rejected', pem.slice(0, 40));
      assert.equal(outcome.status === 'Rejected' && outcome.reasonCode, 'InvalidCertificate');
    }
    assert.equal(store.count(), 0);
  });

  it('M05.FR.06 Rejected past the limit (OutOfStorage), but a certificate already there is still Accepted', () => {
    const store = CertificateStore.open(makeTempDir('cert-store'), { log: capturingLogger([]), maxEntries: 2 });
    assert.equal(store.install('CSMSRootCertificate', roots[0]!.certPem).status, 'Accepted');
    assert.equal(store.install('V2GRootCertificate', roots[1]!.certPem).status, 'Accepted');
    const full = store.install('MORootCertificate', roots[2]!.certPem);
    assert.deepEqual(full.status === 'Rejected' && full.reasonCode, 'OutOfStorage');
    assert.equal(store.install('CSMSRootCertificate', roots[0]!.certPem).status, 'Accepted');
    assert.equal(store.count(), 2);
  });

  it('M05.FR.03 Failed when the file cannot be written', () => {
    const dir = makeTempDir('cert-store');
    const store = CertificateStore.open(dir, { log: capturingLogger([]) });
    // A folder where the temporary file would go: the write fails even for root.
    const name = `${new X509Certificate(roots[0]!.certPem).fingerprint256.replaceAll(':', '').toLowerCase()}.pem.tmp`;
    mkdirSync(path.join(dir, 'certificates', 'CSMSRootCertificate', name), { recursive: true });
    const outcome = store.install('CSMSRootCertificate', roots[0]!.certPem);
    assert.equal(outcome.status, 'Failed');
    assert.equal(store.count(), 0);
  });

  it('M04 delete: Accepted and gone (file too), NotFound after, also matched in SHA384 (M04.FR.07)', () => {
    const dir = makeTempDir('cert-store');
    const store = CertificateStore.open(dir, { log: capturingLogger([]) });
    store.install('ManufacturerRootCertificate', roots[2]!.certPem);
    store.install('CSMSRootCertificate', roots[1]!.certPem);
    const cert = new X509Certificate(roots[2]!.certPem);
    assert.deepEqual(store.delete(certificateHashData(cert, cert, 'SHA384')), { status: 'Accepted' });
    assert.deepEqual(store.list(['ManufacturerRootCertificate']), []);
    assert.deepEqual(readdirSync(path.join(dir, 'certificates', 'ManufacturerRootCertificate')), []);
    assert.deepEqual(store.delete(rootHash(roots[2]!)), { status: 'NotFound' });
    assert.deepEqual(CertificateStore.open(dir, { log: capturingLogger([]) }).list(['ManufacturerRootCertificate']), []);
  });

  it('M04.FR.06 the station certificate is never deleted; the last CSMS root only when not protected (profile 1); the bundle follows', () => {
    const dir = makeTempDir('cert-store');
    const store = CertificateStore.open(dir, { log: capturingLogger([]) });
    store.addStationCertificate(station.certPem, station.keyPem);
    store.install('CSMSRootCertificate', roots[0]!.certPem);
    store.install('CSMSRootCertificate', roots[1]!.certPem);
    const own = store.list(['ChargingStationCertificate'])[0]!.hashData;
    assert.equal(store.delete(own, { protectLastCsmsRoot: false }).status, 'Failed');
    assert.equal(store.delete(rootHash(roots[1]!), { protectLastCsmsRoot: true }).status, 'Accepted');
    const refused = store.delete(rootHash(roots[0]!), { protectLastCsmsRoot: true });
    assert.equal(refused.status, 'Failed');
    assert.ok(store.caFile() && !readFileSync(store.caFile()!, 'utf8').includes(roots[1]!.certPem.split('\n')[1]!));
    assert.equal(store.delete(rootHash(roots[0]!), { protectLastCsmsRoot: false }).status, 'Accepted');
    assert.equal(store.caFile(), undefined);
    assert.equal(store.list(['ChargingStationCertificate']).length, 1);
  });

  it('the station certificate with its sub-CA: listed with the sub-CA as child, issuer found in the chain; a key that does not match is refused; pending key 0600', async () => {
    const dir = makeTempDir('cert-store');
    const store = CertificateStore.open(dir, { log: capturingLogger([]) });
    const sub = await createCa('Store Sub', { issuer: roots[0] });
    const leaf = await issueClientCertificate(sub, 'CS-CHAIN');
    assert.throws(() => store.addStationCertificate(leaf.certPem, station.keyPem), /private key/);
    store.addStationCertificate(leaf.certPem + sub.certPem, leaf.keyPem);
    store.install('CSMSRootCertificate', roots[0]!.certPem);
    const [own] = store.list(['ChargingStationCertificate']);
    const leafCert = new X509Certificate(leaf.certPem);
    const subCert = new X509Certificate(sub.certPem);
    assert.deepEqual(own!.hashData, certificateHashData(leafCert, subCert));
    assert.deepEqual(own!.childHashData, [certificateHashData(subCert, new X509Certificate(roots[0]!.certPem))]);
    store.setPendingKey(leaf.keyPem);
    assert.equal(mode(path.join(dir, 'certificates', 'pending.key')), 0o600);
    assert.equal(store.pendingKeyPem()?.trim(), leaf.keyPem.trim());
    store.clearPendingKey();
    assert.equal(store.pendingKeyPem(), undefined);
  });

  it('no private key goes into a diagnostics archive of the storage.dir holding the store (N01.FR.17)', async () => {
    const dir = makeTempDir('cert-store');
    const store = CertificateStore.open(dir, { log: capturingLogger([]), seed: configFiles(dir) });
    store.setPendingKey(station.keyPem);
    const chunks: Buffer[] = [];
    const sources = { logDir: dir, securityLogDir: dir, frames: () => [], config: () => ({}), status: () => ({}), counters: () => ({}) };
    for (const kind of ['DiagnosticsLog', 'SecurityLog'] as const) {
      for await (const chunk of diagnosticsArchive(sources, { kind })) chunks.push(Buffer.from(chunk as Buffer));
      const tar = gunzipSync(Buffer.concat(chunks.splice(0))).toString('latin1');
      assert.ok(tar.length > 0);
      assert.ok(!tar.includes('PRIVATE KEY') && !tar.includes(station.keyPem.split('\n')[1]!), kind);
    }
  });

  it('V2G certificate chains are kept and listed with their sub-CAs (M03.FR.05)', async () => {
    const dir = makeTempDir('cert-store');
    const store = CertificateStore.open(dir, { log: capturingLogger([]) });
    const v2gRoot = await createCa('V2G Root');
    const sub1 = await createCa('CPO Sub 1', { issuer: v2gRoot });
    const sub2 = await createCa('CPO Sub 2', { issuer: sub1 });
    const leaf = await issueClientCertificate(sub2, 'SECC');
    store.install('V2GRootCertificate', v2gRoot.certPem);
    store.addV2GCertificateChain(leaf.certPem + sub2.certPem + sub1.certPem);
    const [chain] = CertificateStore.open(dir, { log: capturingLogger([]) }).list(['V2GCertificateChain']);
    assert.equal(chain!.childHashData?.length, 2);
    assert.deepEqual(chain!.childHashData![1], certificateHashData(new X509Certificate(sub1.certPem), new X509Certificate(v2gRoot.certPem)));
  });
});
