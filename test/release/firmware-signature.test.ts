import assert from 'node:assert/strict';
import { constants, createSign, createVerify, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FirmwareCertificateInvalid, FirmwareSignatureInvalid, signFirmwareFile, verifyFirmwareSignature } from '../../src/release/firmware-signature.js';
import { runInProcess } from '../helpers/cli.js';
import { createCa, issueClientCertificate, type IssuedCertificate, type TestCa } from '../helpers/test-pki.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The firmware signature (issue 15 fixed names; OCPP 2.0.1 L01.FR.03/L01.FR.04, 1.6 security
 * whitepaper SignedUpdateFirmware): base64 of the SHA-256 signature over the whole file with the
 * signing certificate's key, the certificate chaining to a ManufacturerRootCertificate. A bad
 * certificate and a bad signature are told apart (InvalidCertificate / InvalidSignature).
 */

const DAY_MS = 86_400_000;

describe('firmware signature (issue 15, L01: release sign / verify, verifyFirmwareSignature)', function () {
  this.timeout(20000);
  let dir: string;
  let file: string;
  let root: TestCa;
  let signer: IssuedCertificate;

  const put = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const rejectsWith = async (promise: Promise<unknown>, type: typeof FirmwareSignatureInvalid | typeof FirmwareCertificateInvalid, message?: RegExp): Promise<void> => {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof type, `${String(err)} is not ${type.name}`);
      if (message) assert.match(err.message, message);
      return true;
    });
  };

  before(async () => {
    dir = makeTempDir('evse-firmware-sig');
    file = path.join(dir, 'evse-agent-2.0.0.tar.gz');
    writeFileSync(file, randomBytes(3 * 1024 * 1024 + 17));
    root = await createCa('Manufacturer Root');
    signer = await issueClientCertificate(root, 'Firmware Signing');
  });

  it('release sign writes FILE.sig and FILE.cert.pem; release verify accepts them against the manufacturer root (ECDSA)', async () => {
    const key = put('signer.key.pem', signer.keyPem);
    const cert = put('signer.pem', signer.certPem);
    const roots = put('roots.pem', root.certPem);
    const signed = await runInProcess(['release', 'sign', '--key', key, '--cert', cert, file]);
    assert.equal(signed.code, 0, signed.stderr);
    const signature = readFileSync(`${file}.sig`, 'utf8').trim();
    assert.equal(signed.stdout.trim(), signature);
    assert.equal(readFileSync(`${file}.cert.pem`, 'utf8'), signer.certPem);
    const verified = await runInProcess(['release', 'verify', '--cert', `${file}.cert.pem`, '--roots', roots, file, `${file}.sig`]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /signature and certificate chain valid/);
    await verifyFirmwareSignature(file, signature, signer.certPem, [root.certPem]);
  });

  it('accepts an RSA signing certificate, and one issued by an intermediate given after it', async () => {
    const rsaSigner = await createCa('Firmware Signing RSA', { issuer: root, rsa: true });
    await verifyFirmwareSignature(file, await signFirmwareFile(file, rsaSigner.keyPem, rsaSigner.certPem), rsaSigner.certPem, [root.certPem]);

    const intermediate = await createCa('Manufacturer Sub CA', { issuer: root });
    const leaf = await issueClientCertificate(intermediate, 'Firmware Signing 2');
    const signature = await signFirmwareFile(file, leaf.keyPem, leaf.certPem);
    await verifyFirmwareSignature(file, signature, `${leaf.certPem}\n${intermediate.certPem}`, [root.certPem]);
    await rejectsWith(verifyFirmwareSignature(file, signature, leaf.certPem, [root.certPem]), FirmwareCertificateInvalid, /not issued by an installed manufacturer root/);
  });

  describe('RSA: L01.FR.04 names RSA-PSS with SHA-256; PKCS#1 v1.5 is taken too', () => {
    let rsaSigner: TestCa;
    const pss = (over: string, saltLength: number): string =>
      createSign('sha256').update(readFileSync(over)).sign({ key: rsaSigner.keyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }).toString('base64');
    before(async () => {
      rsaSigner = await createCa('Firmware Signing RSA-PSS', { issuer: root, rsa: true });
    });

    it('an RSA-PSS signature verifies, whatever salt length the signer chose', async () => {
      for (const saltLength of [constants.RSA_PSS_SALTLEN_DIGEST, constants.RSA_PSS_SALTLEN_MAX_SIGN, 0]) {
        await verifyFirmwareSignature(file, pss(file, saltLength), rsaSigner.certPem, [root.certPem]);
      }
      const pkcs1 = createSign('sha256').update(readFileSync(file)).sign(rsaSigner.keyPem).toString('base64');
      await verifyFirmwareSignature(file, pkcs1, rsaSigner.certPem, [root.certPem]);
    });

    it('an RSA-PSS signature over another file is FirmwareSignatureInvalid', async () => {
      const other = put('other-firmware.tar.gz', 'another firmware');
      await rejectsWith(verifyFirmwareSignature(file, pss(other, constants.RSA_PSS_SALTLEN_DIGEST), rsaSigner.certPem, [root.certPem]), FirmwareSignatureInvalid);
    });

    it('release sign signs with an RSA key as RSA-PSS (not PKCS#1 v1.5), and release verify accepts it', async () => {
      const signed = await runInProcess(['release', 'sign', '--key', put('rsa.key.pem', rsaSigner.keyPem), '--cert', put('rsa.pem', rsaSigner.certPem), file]);
      assert.equal(signed.code, 0, signed.stderr);
      const signature = Buffer.from(readFileSync(`${file}.sig`, 'utf8').trim(), 'base64');
      const asPss = createVerify('sha256').update(readFileSync(file)).verify({ key: rsaSigner.certPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
      assert.equal(asPss, true, 'RSA-PSS');
      assert.equal(createVerify('sha256').update(readFileSync(file)).verify(rsaSigner.certPem, signature), false, 'not PKCS#1 v1.5');
      const verified = await runInProcess(['release', 'verify', '--cert', `${file}.cert.pem`, '--roots', put('rsa-roots.pem', root.certPem), file, `${file}.sig`]);
      assert.equal(verified.code, 0, verified.stderr);
    });
  });

  it('accepts an ECDSA signature as r||s (IEEE P1363) too', async () => {
    const p1363 = createSign('sha256').update(readFileSync(file)).sign({ key: signer.keyPem, dsaEncoding: 'ieee-p1363' });
    await verifyFirmwareSignature(file, p1363.toString('base64'), signer.certPem, [root.certPem]);
  });

  it('a wrong root is FirmwareCertificateInvalid (InvalidCertificate); the CLI exits 1 naming it', async () => {
    const otherRoot = await createCa('Someone Else');
    const signature = await signFirmwareFile(file, signer.keyPem, signer.certPem);
    await rejectsWith(verifyFirmwareSignature(file, signature, signer.certPem, [otherRoot.certPem]), FirmwareCertificateInvalid);
    await rejectsWith(verifyFirmwareSignature(file, signature, signer.certPem, []), FirmwareCertificateInvalid, /no ManufacturerRootCertificate/);
    const r = await runInProcess(['release', 'verify', '--cert', put('c.pem', signer.certPem), '--roots', put('other.pem', otherRoot.certPem), file, signature]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /FirmwareCertificateInvalid/);
  });

  it('an expired or not yet valid signing certificate is FirmwareCertificateInvalid', async () => {
    const expired = await issueClientCertificate(root, 'Old Signer', { notBefore: new Date(Date.now() - 10 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });
    await rejectsWith(verifyFirmwareSignature(file, await signFirmwareFile(file, expired.keyPem, expired.certPem), expired.certPem, [root.certPem]), FirmwareCertificateInvalid, /expired/);
    const future = await issueClientCertificate(root, 'Future Signer', { notBefore: new Date(Date.now() + DAY_MS) });
    await rejectsWith(verifyFirmwareSignature(file, await signFirmwareFile(file, future.keyPem, future.certPem), future.certPem, [root.certPem]), FirmwareCertificateInvalid, /not valid before/);
  });

  it('a signature by another key, over another file, or not base64 is FirmwareSignatureInvalid (InvalidSignature)', async () => {
    const other = await issueClientCertificate(root, 'Other Signer');
    const byOtherKey = await signFirmwareFile(file, other.keyPem, other.certPem);
    await rejectsWith(verifyFirmwareSignature(file, byOtherKey, signer.certPem, [root.certPem]), FirmwareSignatureInvalid);
    const r = await runInProcess(['release', 'verify', '--cert', put('s.pem', signer.certPem), '--roots', put('r.pem', root.certPem), file, byOtherKey]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /FirmwareSignatureInvalid/);

    const signature = await signFirmwareFile(file, signer.keyPem, signer.certPem);
    const tampered = path.join(dir, 'tampered.tar.gz');
    writeFileSync(tampered, readFileSync(file));
    appendFileSync(tampered, Buffer.from([0]));
    await rejectsWith(verifyFirmwareSignature(tampered, signature, signer.certPem, [root.certPem]), FirmwareSignatureInvalid);
    await rejectsWith(verifyFirmwareSignature(file, 'not base64!', signer.certPem, [root.certPem]), FirmwareSignatureInvalid, /not base64/);
  });

  it('release sign refuses a key that is not the certificate\'s', async () => {
    const other = await issueClientCertificate(root, 'Other Signer');
    await assert.rejects(signFirmwareFile(file, other.keyPem, signer.certPem), /not the signing certificate's/);
  });
});
