import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { certificateHashData, sameHashData } from '../../../src/services/certificates/hash-data.js';
import { createCa, issueClientCertificate } from '../../helpers/test-pki.js';

/**
 * CertificateHashDataType (2.0.1 Part 2 2.6; 1.6 whitepaper): the store's values against ones
 * worked out here independently from the certificates' DER with a few lines of TLV reading
 * (RFC 5280 4.1: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version, serialNumber,
 * signature, issuer, ... } }; SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }).
 */

interface Tlv {
  tag: number;
  /** The whole element (tag, length, value). */
  whole: Buffer;
  value: Buffer;
}

/** The elements one after the other in `der`. */
function elements(der: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let at = 0;
  while (at < der.length) {
    const tag = der[at]!;
    let length = der[at + 1]!;
    let header = 2;
    if (length & 0x80) {
      const octets = length & 0x7f;
      length = 0;
      for (let i = 0; i < octets; i++) length = length * 256 + der[at + 2 + i]!;
      header += octets;
    }
    out.push({ tag, whole: der.subarray(at, at + header + length), value: der.subarray(at + header, at + header + length) });
    at += header + length;
  }
  return out;
}

const tbsFields = (cert: X509Certificate): Tlv[] => {
  const tbs = elements(elements(cert.raw)[0]!.value)[0]!;
  const fields = elements(tbs.value);
  return fields[0]!.tag === 0xa0 ? fields.slice(1) : fields; // without the explicit [0] version
};

const sha = (algorithm: string, data: Buffer): string => createHash(algorithm).update(data).digest('hex');

function expected(cert: X509Certificate, issuer: X509Certificate, algorithm = 'sha256') {
  const [serial, , issuerName] = tbsFields(cert);
  const spki = elements(elements(issuer.publicKey.export({ type: 'spki', format: 'der' }))[0]!.value);
  const bitString = spki[1]!;
  assert.equal(bitString.tag, 0x03);
  return {
    issuerNameHash: sha(algorithm, issuerName!.whole),
    // The BIT STRING's value less its first octet (the count of unused bits).
    issuerKeyHash: sha(algorithm, bitString.value.subarray(1)),
    serialHexBytes: serial!.value.toString('hex'),
  };
}

describe('certificate hash data (M03/M04 CertificateHashDataType)', () => {
  it('a root: issuer is itself; issuerNameHash over the issuer name DER, issuerKeyHash over the subjectPublicKey bits, serial in hex', async () => {
    const ca = await createCa('Hash Root');
    const cert = new X509Certificate(ca.certPem);
    const data = certificateHashData(cert, cert);
    const want = expected(cert, cert);
    assert.equal(data.hashAlgorithm, 'SHA256');
    assert.equal(data.issuerNameHash, want.issuerNameHash);
    assert.equal(data.issuerKeyHash, want.issuerKeyHash);
    assert.equal(data.serialNumber.toLowerCase(), want.serialHexBytes.replace(/^0+/, ''));
  });

  it('a leaf under a sub-CA: the issuer name and key are the sub-CA\'s, not the leaf\'s; SHA384 and SHA512 too', async () => {
    const root = await createCa('Hash Root 2');
    const sub = await createCa('Hash Sub', { issuer: root });
    const leaf = await issueClientCertificate(sub, 'CS-HASH');
    const cert = new X509Certificate(leaf.certPem);
    const issuer = new X509Certificate(sub.certPem);
    for (const [ours, node] of [['SHA256', 'sha256'], ['SHA384', 'sha384'], ['SHA512', 'sha512']] as const) {
      const data = certificateHashData(cert, issuer, ours);
      const want = expected(cert, issuer, node);
      assert.equal(data.hashAlgorithm, ours);
      assert.equal(data.issuerNameHash, want.issuerNameHash);
      assert.equal(data.issuerKeyHash, want.issuerKeyHash);
    }
    // The issuer's subject is the leaf's issuer: hashing the sub-CA's own subject gives the same.
    const subSubject = tbsFields(issuer)[4]!.whole;
    assert.equal(certificateHashData(cert, issuer).issuerNameHash, sha('sha256', subSubject));
    assert.notEqual(certificateHashData(cert, issuer).issuerKeyHash, certificateHashData(cert, cert).issuerKeyHash);
  });

  it('an RSA issuer: issuerKeyHash over the RSAPublicKey inside the BIT STRING', async () => {
    const root = await createCa('RSA Root', { rsa: true });
    const leaf = await issueClientCertificate(root, 'CS-RSA');
    const cert = new X509Certificate(leaf.certPem);
    const issuer = new X509Certificate(root.certPem);
    assert.equal(issuer.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(certificateHashData(cert, issuer).issuerKeyHash, expected(cert, issuer).issuerKeyHash);
    assert.equal(certificateHashData(issuer, issuer).issuerNameHash, expected(issuer, issuer).issuerNameHash);
  });

  it('serialNumber: hex without leading zeroes ("without the prefix 0x and without leading zeroes")', async () => {
    const ca = await createCa('Zero Serial', { serialNumber: '000fed' });
    const cert = new X509Certificate(ca.certPem);
    assert.equal(certificateHashData(cert, cert).serialNumber, 'FED');
  });

  it('sameHashData: hex case and leading zeroes of the serial do not matter; the algorithm does', async () => {
    const ca = await createCa('Compare');
    const cert = new X509Certificate(ca.certPem);
    const data = certificateHashData(cert, cert);
    assert.ok(sameHashData(data, { ...data, issuerNameHash: data.issuerNameHash.toUpperCase(), serialNumber: `00${data.serialNumber.toLowerCase()}` }));
    assert.ok(!sameHashData(data, { ...data, hashAlgorithm: 'SHA384' }));
    assert.ok(!sameHashData(data, { ...data, serialNumber: '1' }));
  });
});
