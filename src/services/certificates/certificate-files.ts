import { mkdirSync } from 'node:fs';
import { writeFileAtomic as writeDurably } from '../../store/durable-files.js';
import { X509Certificate } from 'node:crypto';

/** Folders of the certificate store: only the agent's user may list or enter them. */
export const DIR_MODE = 0o700;
/** Private keys: only the agent's user may read them. */
export const KEY_MODE = 0o600;
export const CERT_MODE = 0o644;

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Written to a temporary file with its final mode, synced, renamed over the old one, the folder
 * synced: a power cut leaves the old or the new file, never half of one.
 */
export function writeFileAtomic(file: string, text: string, mode: number): void {
  writeDurably(file, text, mode, DIR_MODE);
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM text, in order; throws when one does not parse. */
export function parseCertificates(pem: string): X509Certificate[] {
  return (pem.match(PEM_BLOCK) ?? []).map((block) => new X509Certificate(block));
}

/** The PEM of certificates, one after the other. */
export const toPem = (certs: readonly X509Certificate[]): string => certs.map((c) => c.toString().trim()).join('\n') + '\n';

/** A file name for a certificate: its SHA-256 fingerprint, without colons. */
export const fileNameOf = (cert: X509Certificate): string => `${cert.fingerprint256.replaceAll(':', '').toLowerCase()}.pem`;
