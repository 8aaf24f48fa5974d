import type * as X509 from '@peculiar/x509';
import { x509 } from './lazy-x509.js';
import type { StationSubject } from './station-csr.js';

/**
 * The checks on a CertificateSigned chain before it becomes the station's certificate (Part 2
 * A02.FR.06 as the 2025-09 errata words it; 1.6 whitepaper A02.FR.06): the size limit
 * (A02.FR.16), the current date within every certificate's validity period, the subject the CSR
 * asked for (Certificate Properties), the leaf's key the pending one, and a path from the leaf
 * through the chain's own CA certificates to a CSMS root the station trusts (Certificate Hierarchy).
 */

/** A leaf, a few sub-CAs: more than this is no chain of the CSO's hierarchy. */
const MAX_PATH_LENGTH = 6;

export interface SignedCertificateExpectations {
  /** The pending key's SubjectPublicKeyInfo, DER. */
  publicKeyDer: Uint8Array;
  subject: StationSubject;
  /** The CSMS root certificates, PEM. */
  roots: readonly string[];
  now: Date;
  /** MaxCertificateChainSize / CertificateSignedMaxChainSize: the most characters; none: no limit. */
  maxChainSize?: number;
}

export type SignedCertificateCheck = { ok: true; leaf: X509.X509Certificate; chain: X509.X509Certificate[] } | { ok: false; reason: string };

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM chain, leaf first; throws on one that does not parse. */
export function parseChain(chainPem: string): X509.X509Certificate[] {
  return (chainPem.match(PEM_BLOCK) ?? []).map((block) => new (x509().X509Certificate)(block));
}

const sameBytes = (a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean => Buffer.from(a as ArrayBuffer).equals(Buffer.from(b as ArrayBuffer));

function withinValidity(cert: X509.X509Certificate, now: Date): string | undefined {
  if (now < cert.notBefore) return `${cert.subject} is not valid before ${cert.notBefore.toISOString()}`;
  if (now > cert.notAfter) return `${cert.subject} expired ${cert.notAfter.toISOString()}`;
  return undefined;
}

const isCa = (cert: X509.X509Certificate): boolean => cert.getExtension(x509().BasicConstraintsExtension)?.ca === true;

async function signedBy(cert: X509.X509Certificate, issuer: X509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== issuer.subject) return false;
  return cert.verify({ publicKey: issuer.publicKey, signatureOnly: true }).catch(() => false);
}

/** The first RDN value of `type` (e.g. 'CN') in a certificate's subject. */
function subjectValue(cert: X509.X509Certificate, type: string): string | undefined {
  return cert.subjectName.getField(type)[0];
}

function subjectProblem(leaf: X509.X509Certificate, expected: StationSubject): string | undefined {
  const cn = subjectValue(leaf, 'CN');
  if (cn !== expected.commonName) return `the subject's CN is ${cn ?? 'missing'}, not ${expected.commonName}`;
  if (expected.organizationName && subjectValue(leaf, 'O') !== expected.organizationName) return `the subject's O is not ${expected.organizationName}`;
  return undefined;
}

async function pathProblem(chain: X509.X509Certificate[], rootsPem: readonly string[], now: Date): Promise<string | undefined> {
  const roots = rootsPem.flatMap((pem) => parseChain(pem));
  if (roots.length === 0) return 'no CSMS root certificate is installed to verify it against';
  let current = chain[0]!;
  const intermediates = chain.slice(1);
  for (let depth = 0; depth < MAX_PATH_LENGTH; depth += 1) {
    for (const root of roots) {
      if (await signedBy(current, root)) return withinValidity(root, now);
    }
    const next = await findIssuer(current, intermediates);
    if (!next) return `no CSMS root certificate issued ${current.subject}`;
    if (!isCa(next)) return `${next.subject} is no CA certificate`;
    const expired = withinValidity(next, now);
    if (expired) return expired;
    current = next;
  }
  return 'the chain is longer than the station follows';
}

async function findIssuer(cert: X509.X509Certificate, candidates: X509.X509Certificate[]): Promise<X509.X509Certificate | undefined> {
  for (const candidate of candidates) {
    if (candidate !== cert && (await signedBy(cert, candidate))) return candidate;
  }
  return undefined;
}

export async function checkSignedCertificate(chainPem: string, expected: SignedCertificateExpectations): Promise<SignedCertificateCheck> {
  if (expected.maxChainSize !== undefined && chainPem.length > expected.maxChainSize) {
    return { ok: false, reason: `the chain has ${chainPem.length} characters, more than MaxCertificateChainSize ${expected.maxChainSize}` };
  }
  let chain: X509.X509Certificate[];
  try {
    chain = parseChain(chainPem);
  } catch (err) {
    return { ok: false, reason: `a certificate does not parse: ${(err as Error).message}` };
  }
  const leaf = chain[0];
  if (!leaf) return { ok: false, reason: 'no PEM certificate in the chain' };
  const reason =
    withinValidity(leaf, expected.now) ??
    subjectProblem(leaf, expected.subject) ??
    (sameBytes(leaf.publicKey.rawData, expected.publicKeyDer) ? undefined : "the certificate is not for the station's pending key") ??
    (await pathProblem(chain, expected.roots, expected.now));
  return reason === undefined ? { ok: true, leaf, chain } : { ok: false, reason };
}
