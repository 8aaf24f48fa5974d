import { createHash, type X509Certificate } from 'node:crypto';
import type { CertificateHashData, HashAlgorithm } from './types.js';
import { x509 } from './lazy-x509.js';

/**
 * CertificateHashDataType (2.0.1 Part 2 2.6 / 1.6 security whitepaper): the fields of OCSP's CertID
 * (RFC 6960 4.1.1). issuerNameHash over the DER of the certificate's issuer name; issuerKeyHash over
 * the issuer's subjectPublicKey BIT STRING value (no tag, length or unused-bits octet); serialNumber
 * "the hexadecimal value of the serial number without the prefix 0x and without leading zeroes".
 */

const NODE_HASH: Record<HashAlgorithm, string> = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };

const hexHash = (algorithm: HashAlgorithm, data: Buffer | ArrayBuffer): string =>
  createHash(NODE_HASH[algorithm])
    .update(Buffer.from(data as ArrayBuffer))
    .digest('hex');

/**
 * The subjectPublicKey BIT STRING value: for RSA the DER RSAPublicKey (PKCS#1), for EC the point
 * (0x04 x y), for Ed25519/Ed448 the raw key; taken from Node's key export, not by parsing ASN.1.
 */
export function subjectPublicKeyBits(cert: X509Certificate): Buffer {
  const key = cert.publicKey;
  if (key.asymmetricKeyType === 'rsa') return key.export({ type: 'pkcs1', format: 'der' });
  const jwk = key.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x ?? '', 'base64url');
  if (key.asymmetricKeyType === 'ec') return Buffer.concat([Buffer.from([4]), x, Buffer.from(jwk.y ?? '', 'base64url')]);
  return x;
}

/** "without leading zeroes": Node gives the serial as upper-case hex of its DER bytes. */
export const serialHex = (cert: X509Certificate): string => cert.serialNumber.replace(/^0+(?=.)/, '').toUpperCase();

/** The DER of `cert`'s issuer name, as it is in the certificate. */
function issuerNameDer(cert: X509Certificate): ArrayBuffer {
  return new (x509().X509Certificate)(cert.raw).issuerName.toArrayBuffer();
}

/** The hash data of `cert`, whose issuer is `issuer` (itself for a self-signed root). */
export function certificateHashData(cert: X509Certificate, issuer: X509Certificate | undefined, algorithm: HashAlgorithm = 'SHA256'): CertificateHashData {
  return {
    hashAlgorithm: algorithm,
    issuerNameHash: hexHash(algorithm, issuerNameDer(cert)),
    // An issuer the station does not hold: no key to hash (the other three fields still identify it).
    issuerKeyHash: issuer ? hexHash(algorithm, subjectPublicKeyBits(issuer)) : '',
    serialNumber: serialHex(cert),
  };
}

/** Whether two hash data name the same certificate (hex compared without regard to case). */
export function sameHashData(a: CertificateHashData, b: CertificateHashData): boolean {
  const eq = (x: string, y: string): boolean => x.toLowerCase() === y.toLowerCase();
  return (
    a.hashAlgorithm === b.hashAlgorithm &&
    eq(a.issuerNameHash, b.issuerNameHash) &&
    eq(a.issuerKeyHash, b.issuerKeyHash) &&
    eq(a.serialNumber.replace(/^0+(?=.)/, ''), b.serialNumber.replace(/^0+(?=.)/, ''))
  );
}
