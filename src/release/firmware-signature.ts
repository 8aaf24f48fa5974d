import { createSign, createVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/**
 * The firmware signature of issue 15 and OCPP 2.0.1 L01 (1.6 security whitepaper, SignedUpdateFirmware):
 * the base64 of the signature over the whole file, SHA-256 with the signing certificate's key (RSA
 * or ECDSA), the signing certificate chaining up to a ManufacturerRootCertificate. The two ways to
 * fail are told apart: they map to different statuses (InvalidSignature / InvalidCertificate) and
 * security events (InvalidFirmwareSignature / InvalidFirmwareSigningCertificate).
 */

export class FirmwareSignatureInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FirmwareSignatureInvalid';
  }
}

export class FirmwareCertificateInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FirmwareCertificateInvalid';
  }
}

/** Every certificate in a PEM text, in order. */
export function pemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function parseCertificate(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new FirmwareCertificateInvalid(`${what} is not a certificate (${(err as Error).message})`);
  }
}

function checkValidity(cert: X509Certificate, now: Date): void {
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  if (!(notBefore <= now.getTime())) throw new FirmwareCertificateInvalid(`${cert.subject} is not valid before ${cert.validFrom}`);
  if (!(now.getTime() <= notAfter)) throw new FirmwareCertificateInvalid(`${cert.subject} expired ${cert.validTo}`);
}

/** The issuer of `cert` among `candidates`: named as its issuer, and its key verifies the certificate's signature. */
function issuerOf(cert: X509Certificate, candidates: readonly X509Certificate[]): X509Certificate | undefined {
  return candidates.find((c) => cert.checkIssued(c) && cert.verify(c.publicKey));
}

/**
 * Checks the signing certificate (with any intermediates after it in the same PEM) up to one of the
 * roots: each link issued and signed by the next, each valid at `now`, each issuer a CA. Returns
 * the signing certificate's public key.
 */
export function verifySigningCertificate(signingCertPem: string, rootPems: readonly string[], now: Date = new Date()): KeyObject {
  const chainPems = pemCertificates(signingCertPem);
  if (chainPems.length === 0) throw new FirmwareCertificateInvalid('no signing certificate given');
  const chain = chainPems.map((p, i) => parseCertificate(p, i === 0 ? 'the signing certificate' : `intermediate ${i}`));
  const roots = rootPems.flatMap(pemCertificates).map((p) => parseCertificate(p, 'a manufacturer root'));
  if (roots.length === 0) throw new FirmwareCertificateInvalid('no ManufacturerRootCertificate installed');
  const leaf = chain[0]!;
  let cert = leaf;
  // Bounded: each step moves up one certificate of a finite chain.
  for (let depth = 0; depth <= chain.length; depth++) {
    checkValidity(cert, now);
    const root = issuerOf(cert, roots);
    if (root) {
      checkValidity(root, now);
      if (root.ca !== true && root.fingerprint256 !== cert.fingerprint256) throw new FirmwareCertificateInvalid(`${root.subject} is not a CA`);
      return leaf.publicKey;
    }
    if (roots.some((r) => r.fingerprint256 === cert.fingerprint256)) return leaf.publicKey;
    const intermediate = issuerOf(cert, chain.filter((c) => c !== cert));
    if (!intermediate) throw new FirmwareCertificateInvalid(`${cert.subject} was not issued by an installed manufacturer root (issuer ${cert.issuer})`);
    if (intermediate.ca !== true) throw new FirmwareCertificateInvalid(`${intermediate.subject} is not a CA`);
    cert = intermediate;
  }
  throw new FirmwareCertificateInvalid('the signing certificate\'s chain loops');
}

function decodeSignature(signatureBase64: string): Buffer {
  const text = signatureBase64.replace(/\s+/g, '');
  if (text.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new FirmwareSignatureInvalid('the signature is not base64');
  return Buffer.from(text, 'base64');
}

/**
 * Verifies a downloaded firmware file: the signing certificate against the roots first (so a
 * certificate problem is reported as one), then the signature over the whole file, streamed
 * through the verifier. ECDSA signatures are read as DER, or as r||s (IEEE P1363) when DER fails.
 * Throws FirmwareCertificateInvalid or FirmwareSignatureInvalid.
 */
export async function verifyFirmwareSignature(file: string, signatureBase64: string, signingCertPem: string, rootPems: readonly string[], now: Date = new Date()): Promise<void> {
  const publicKey = verifySigningCertificate(signingCertPem, rootPems, now);
  const signature = decodeSignature(signatureBase64);
  const verifier = createVerify('sha256');
  await pipeline(createReadStream(file), verifier);
  let valid: boolean;
  try {
    valid = verifier.verify(publicKey, signature);
  } catch {
    valid = false;
  }
  if (!valid && publicKey.asymmetricKeyType === 'ec') {
    const again = createVerify('sha256');
    await pipeline(createReadStream(file), again);
    try {
      valid = again.verify({ key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      valid = false;
    }
  }
  if (!valid) throw new FirmwareSignatureInvalid('the signature does not match the file and the signing certificate');
}

/**
 * Signs a file the way verifyFirmwareSignature checks it (`evse-agent release sign`): SHA-256 with
 * the key, streamed; the base64 signature. The key must be the certificate's: checked by verifying.
 */
export async function signFirmwareFile(file: string, keyPem: string, certPem: string): Promise<string> {
  const signer = createSign('sha256');
  await pipeline(createReadStream(file), signer);
  const signature = signer.sign(keyPem);
  const cert = parseCertificate(pemCertificates(certPem)[0] ?? '', 'the signing certificate');
  const check = createVerify('sha256');
  await pipeline(createReadStream(file), check);
  if (!check.verify(cert.publicKey, signature)) throw new FirmwareCertificateInvalid('the key is not the signing certificate\'s');
  return signature.toString('base64');
}
