import { constants, createPrivateKey, createSign, createVerify, X509Certificate, type KeyObject, type Verify } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * The firmware signature of issue 15 and OCPP 2.0.1 L01 (1.6 security whitepaper, SignedUpdateFirmware):
 * the base64 of the signature over the whole file, SHA-256 with the signing certificate's key, the
 * signing certificate chaining up to a ManufacturerRootCertificate. L01.FR.04 names RSA-PSS (or
 * ECSchnorr), the fixed names "RSA or ECDSA": an RSA key's signature is taken as RSA-PSS
 * (any salt length) or PKCS#1 v1.5, an EC key's as ECDSA (DER or IEEE P1363); `release sign` signs
 * RSA keys with RSA-PSS. The two ways to
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

/** How a signature by a key may be encoded and padded: the options a verifier takes besides the key. */
type SignatureScheme = { padding?: number; saltLength?: number; dsaEncoding?: 'der' | 'ieee-p1363' };

/** L01.FR.04's RSA-PSS: SHA-256, MGF1 with SHA-256 (Node's default with the sha256 digest). */
const RSA_PSS_VERIFY: SignatureScheme = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO };
/** `release sign`'s salt: as long as the digest (RFC 8017 9.1's usual choice); verifiers read any length. */
const RSA_PSS_SIGN: SignatureScheme = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };

/** The schemes a signature by this kind of key is checked against, in order. */
function schemesFor(keyType: string | undefined): SignatureScheme[] {
  switch (keyType) {
    case 'rsa':
      return [RSA_PSS_VERIFY, {}];
    case 'rsa-pss':
      // A key restricted to PSS (RSASSA-PSS certificate) signs nothing else.
      return [RSA_PSS_VERIFY];
    case 'ec':
      return [{ dsaEncoding: 'der' }, { dsaEncoding: 'ieee-p1363' }];
    default:
      return [{}];
  }
}

/** Reads the file once, feeding every verifier: one per scheme (a verifier verifies once). */
async function verifiersOver(file: string, count: number): Promise<Verify[]> {
  const verifiers = Array.from({ length: count }, () => createVerify('sha256'));
  for await (const chunk of createReadStream(file)) for (const v of verifiers) v.update(chunk as Buffer);
  return verifiers;
}

/** Whether the signature over the file verifies with the key under any of the schemes. */
async function signatureMatches(file: string, publicKey: KeyObject, signature: Buffer, schemes: readonly SignatureScheme[]): Promise<boolean> {
  const verifiers = await verifiersOver(file, schemes.length);
  return schemes.some((scheme, i) => {
    try {
      return verifiers[i]!.verify({ key: publicKey, ...scheme }, signature);
    } catch {
      // A signature of the wrong length or encoding for this scheme.
      return false;
    }
  });
}

/**
 * Verifies a downloaded firmware file: the signing certificate against the roots first (so a
 * certificate problem is reported as one), then the signature over the whole file, streamed
 * through the verifiers of the key's schemes (see schemesFor).
 * Throws FirmwareCertificateInvalid or FirmwareSignatureInvalid.
 */
export async function verifyFirmwareSignature(file: string, signatureBase64: string, signingCertPem: string, rootPems: readonly string[], now: Date = new Date()): Promise<void> {
  const publicKey = verifySigningCertificate(signingCertPem, rootPems, now);
  const signature = decodeSignature(signatureBase64);
  if (!(await signatureMatches(file, publicKey, signature, schemesFor(publicKey.asymmetricKeyType)))) {
    throw new FirmwareSignatureInvalid('the signature does not match the file and the signing certificate');
  }
}

/**
 * Signs a file the way verifyFirmwareSignature checks it (`evse-agent release sign`): SHA-256 with
 * the key, streamed, RSA keys with RSA-PSS (L01.FR.04), EC keys with ECDSA (DER); the base64
 * signature. The key must be the certificate's: checked by verifying with the same scheme.
 */
export async function signFirmwareFile(file: string, keyPem: string, certPem: string): Promise<string> {
  const key = createPrivateKey(keyPem);
  const rsa = key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss';
  const signer = createSign('sha256');
  for await (const chunk of createReadStream(file)) signer.update(chunk as Buffer);
  const signature = signer.sign(rsa ? { key, ...RSA_PSS_SIGN } : key);
  const cert = parseCertificate(pemCertificates(certPem)[0] ?? '', 'the signing certificate');
  const scheme = rsa ? RSA_PSS_VERIFY : {};
  if (!(await signatureMatches(file, cert.publicKey, signature, [scheme]))) throw new FirmwareCertificateInvalid('the key is not the signing certificate\'s');
  return signature.toString('base64');
}
