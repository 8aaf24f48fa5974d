import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../process/logger.js';
import { KEY_MODE, parseCertificates, writeFileAtomic } from './certificate-files.js';
import type { CertificateStore } from './certificate-store.js';

/** The config's certificate files (ocpp.caFile, ocpp.clientCertificateFile, ocpp.clientKeyFile). */
export interface CertificateSeed {
  caFile?: string | undefined;
  clientCertificateFile?: string | undefined;
  clientKeyFile?: string | undefined;
}

const SEEN_FILE = 'seeded.json';

/**
 * Copies the config's certificates into the store the first time each is seen: every certificate
 * of ocpp.caFile as a CSMSRootCertificate, the client certificate and key as the Charging Station
 * Certificate. Remembered by fingerprint, so one the CSMS deleted comes not back at the next start,
 * while a certificate newly put in the config is taken. The config's files stay as they are.
 */
export function seedFromConfig(store: CertificateStore, dir: string, seed: CertificateSeed, log: Logger): void {
  const seenFile = path.join(dir, SEEN_FILE);
  let seen: string[] = [];
  try {
    seen = (JSON.parse(readFileSync(seenFile, 'utf8')) as { fingerprints?: string[] }).fingerprints ?? [];
  } catch {
    // First start (or an unreadable note): every config certificate is new.
  }
  const before = seen.length;
  const readCerts = (file: string, what: string) => {
    try {
      return parseCertificates(readFileSync(file, 'utf8'));
    } catch (err) {
      log.warning(`${what} ${file} cannot be read: ${(err as Error).message}`);
      return [];
    }
  };
  if (seed.caFile) {
    for (const cert of readCerts(seed.caFile, 'ocpp.caFile')) {
      if (seen.includes(cert.fingerprint256)) continue;
      store.addSeededRoot(cert);
      seen.push(cert.fingerprint256);
    }
  }
  if (seed.clientCertificateFile && seed.clientKeyFile) {
    const chain = readCerts(seed.clientCertificateFile, 'ocpp.clientCertificateFile');
    const leaf = chain[0];
    if (leaf && !seen.includes(leaf.fingerprint256)) {
      try {
        store.addStationCertificate(readFileSync(seed.clientCertificateFile, 'utf8'), readFileSync(seed.clientKeyFile, 'utf8'));
        seen.push(leaf.fingerprint256);
      } catch (err) {
        log.warning(`ocpp.clientCertificateFile and ocpp.clientKeyFile not taken: ${(err as Error).message}`);
      }
    }
  }
  if (seen.length !== before) writeFileAtomic(seenFile, `${JSON.stringify({ fingerprints: seen }, null, 2)}\n`, KEY_MODE);
}
