import { createPublicKey, webcrypto } from 'node:crypto';
import { x509 } from './lazy-x509.js';

/**
 * The station's new key pair and its PKCS#10 request (RFC 2986) for A02/A03: ECDSA on P-256 with
 * SHA-256, which is above Part 2 A00.FR.503's 224 bits for elliptic curves and what the TLS suites
 * of A00.FR.422 (TLS_ECDHE_ECDSA_*) need; WebCrypto's generator is one of FIPS 186-4 4.2.1.3's kind
 * (A02.FR.02).
 */

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** The subject of the station's certificate (A00.FR.509, A00.FR.511; 1.6 whitepaper A02.FR.13). */
export interface StationSubject {
  /** CN: the station's unique serial number. */
  commonName: string;
  /** O: SecurityCtrlr.OrganizationName (2.0.1) / CpoName (1.6); none when not set. */
  organizationName?: string;
}

export interface StationCsr {
  /** The CSR, PEM (A02.FR.03). */
  csrPem: string;
  /** The new private key, PKCS#8 PEM: it never leaves the station (A02.FR.05). */
  keyPem: string;
}

/** RFC 4514 quoting of a value for a distinguished name string. */
function rdnValue(value: string): string {
  return value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`);
}

export function subjectName(subject: StationSubject): string {
  const rdns = [`CN=${rdnValue(subject.commonName)}`];
  if (subject.organizationName) rdns.push(`O=${rdnValue(subject.organizationName)}`);
  return rdns.join(', ');
}

/** A fresh key pair and the CSR for it. */
export async function createStationCsr(subject: StationSubject): Promise<StationCsr> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const csr = await x509().Pkcs10CertificateRequestGenerator.create({ name: subjectName(subject), keys, signingAlgorithm: SIGNING_ALGORITHM });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrPem: csr.toString('pem'), keyPem: x509().PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

/** The public key (SubjectPublicKeyInfo, DER) that belongs to a private key in PEM. */
export function publicKeyDerOf(privateKeyPem: string): Buffer {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
}
