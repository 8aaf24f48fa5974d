import { X509Certificate, createVerify, constants } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/**
 * The checks of a signed firmware (2.0.1 L01.FR.04/11/12/21, 1.6 security whitepaper L01): the
 * signing certificate must chain to an installed ManufacturerRootCertificate and be valid now, and
 * the signature (base64) must verify over the whole downloaded file with its key, SHA-256.
 */

/** The certificates in a PEM text, in order (the signing certificate first, then any intermediates). */
export function pemCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

function validAt(certificate: X509Certificate, now: Date): boolean {
  return new Date(certificate.validFrom).getTime() <= now.getTime() && now.getTime() <= new Date(certificate.validTo).getTime();
}

function issued(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

/**
 * Why the signing certificate cannot be trusted, or undefined when it chains (through the
 * intermediates given with it) to one of `rootsPem`, every link valid at `now` (RFC 5280 6.1, as
 * far as a firmware signer needs: issuer, signature, validity).
 */
export function signingCertificateProblem(signingCertificatePem: string, rootsPem: readonly string[], now: Date): string | undefined {
  let chain: X509Certificate[];
  let roots: X509Certificate[];
  try {
    chain = pemCertificates(signingCertificatePem);
  } catch (error) {
    return `the signing certificate cannot be read: ${(error as Error).message}`;
  }
  if (chain.length === 0) return 'no certificate in signingCertificate';
  try {
    roots = rootsPem.flatMap(pemCertificates);
  } catch (error) {
    return `a ManufacturerRootCertificate cannot be read: ${(error as Error).message}`;
  }
  if (roots.length === 0) return 'no ManufacturerRootCertificate is installed';
  let current = chain[0]!;
  const intermediates = chain.slice(1);
  // Each step goes one certificate up; the chain cannot be longer than what was given.
  for (let depth = 0; depth <= intermediates.length; depth++) {
    if (!validAt(current, now)) return `certificate ${current.subject.replace(/\n/g, ', ')} is not valid now (${current.validFrom} - ${current.validTo})`;
    const root = roots.find((r) => issued(current, r));
    if (root) return validAt(root, now) ? undefined : 'the ManufacturerRootCertificate is not valid now';
    const parent = intermediates.find((c) => c !== current && issued(current, c));
    if (!parent) break;
    current = parent;
  }
  return 'the signing certificate does not chain to an installed ManufacturerRootCertificate';
}

/**
 * Whether `signatureBase64` is the signature of the whole file with the signing certificate's key:
 * SHA-256 with ECDSA, or RSA as PKCS#1 v1.5 or PSS (L01.FR.04 names RSA-PSS; signers often use
 * v1.5): either padding proves the same key signed the same hash. The file is read as a stream.
 */
export async function fileSignatureValid(file: string, signingCertificatePem: string, signatureBase64: string): Promise<boolean> {
  const certificate = pemCertificates(signingCertificatePem)[0];
  if (!certificate) return false;
  const signature = Buffer.from(signatureBase64, 'base64');
  if (signature.length === 0) return false;
  const key = certificate.publicKey;
  const verifiers = [createVerify('sha256')];
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') verifiers.push(createVerify('sha256'));
  await pipeline(createReadStream(file), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) for (const v of verifiers) v.update(chunk);
  });
  if (verifiers.length === 1) return verifiers[0]!.verify(key, signature);
  return (
    verifiers[0]!.verify({ key, padding: constants.RSA_PKCS1_PADDING }, signature) ||
    verifiers[1]!.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature)
  );
}
