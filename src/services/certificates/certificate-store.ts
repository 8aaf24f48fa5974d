import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Subject, type Observable } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import { ensureDir, fileNameOf, KEY_MODE, CERT_MODE, parseCertificates, toPem, writeFileAtomic } from './certificate-files.js';
import { certificateHashData, sameHashData } from './hash-data.js';
import { seedFromConfig, type CertificateSeed } from './seed.js';
import {
  INSTALLED_CERTIFICATE_TYPES,
  type CertificateHashData,
  type DeleteOutcome,
  type HashAlgorithm,
  type InstallableCertificateType,
  type InstallOutcome,
  type InstalledCertificate,
  type InstalledCertificateType,
} from './types.js';

export * from './types.js';

export interface CertificateStoreOptions {
  log: Logger;
  /** The config's certificates, copied in the first time each is seen. */
  seed?: CertificateSeed;
  /** The most certificates the store holds (M05.FR.06: more are Rejected); default 32. */
  maxEntries?: number;
  /** For expiry checks; default the system clock. */
  nowMs?: () => number;
}

interface Entry {
  type: InstalledCertificateType;
  file: string;
  /** The leaf first, then its sub-CAs. */
  chain: X509Certificate[];
}

const STATION_FILE = 'station.pem';
const STATION_KEY = 'station.key';
const PENDING_KEY = 'pending.key';
const CSMS_BUNDLE = 'csms-roots.pem';

/**
 * The station's certificates under `<storage.dir>/certificates/` (issue 15): one folder per type of
 * PEM files named by fingerprint; the station certificate and its key (0600) in
 * ChargingStationCertificate/; a key waiting for its certificate (A02/A03, 1.6 whitepaper 2.4) in
 * pending.key; the CSMS roots also as one bundle file for the TLS connection. Private keys are
 * never logged.
 */
export class CertificateStore {
  readonly dir: string;
  readonly maxEntries: number;
  private entries: Entry[] = [];
  private readonly changed = new Subject<InstalledCertificateType>();
  /** The type whose certificates changed (installed, deleted, a new station certificate). */
  readonly changes$: Observable<InstalledCertificateType> = this.changed.asObservable();

  private constructor(storageDir: string, private readonly options: CertificateStoreOptions) {
    this.dir = path.join(storageDir, 'certificates');
    this.maxEntries = options.maxEntries ?? 32;
  }

  static open(storageDir: string, options: CertificateStoreOptions): CertificateStore {
    const store = new CertificateStore(storageDir, options);
    ensureDir(store.dir);
    store.load();
    if (options.seed) seedFromConfig(store, store.dir, options.seed, options.log);
    store.writeCsmsBundle();
    return store;
  }

  private load(): void {
    this.entries = [];
    for (const type of INSTALLED_CERTIFICATE_TYPES) {
      const folder = path.join(this.dir, type);
      if (!existsSync(folder)) continue;
      for (const name of readdirSync(folder).filter((n) => n.endsWith('.pem')).sort()) {
        const file = path.join(folder, name);
        try {
          const chain = parseCertificates(readFileSync(file, 'utf8'));
          if (chain.length > 0) this.entries.push({ type, file, chain });
        } catch (err) {
          this.options.log.warning(`certificate ${file} cannot be read, ignored: ${(err as Error).message}`);
        }
      }
    }
  }

  /** The installed certificates, of `types` (all when none given), with SHA256 hash data. */
  list(types?: readonly InstalledCertificateType[]): InstalledCertificate[] {
    return this.entries.filter((e) => !types || types.length === 0 || types.includes(e.type)).map((e) => this.describe(e));
  }

  /** SecurityCtrlr.CertificateEntries: how many certificates are installed. */
  count(): number {
    return this.entries.length;
  }

  /** The PEMs of the roots of `type` to trust. */
  rootsPem(type: 'CSMSRootCertificate' | 'ManufacturerRootCertificate'): string[] {
    return this.entries.filter((e) => e.type === type).map((e) => toPem(e.chain));
  }

  /** The CSMS roots as one PEM file (rewritten on change), or undefined when there are none. */
  caFile(): string | undefined {
    const file = path.join(this.dir, CSMS_BUNDLE);
    return this.entries.some((e) => e.type === 'CSMSRootCertificate') && existsSync(file) ? file : undefined;
  }

  /** The station certificate (with its sub-CAs) and its key, for TLS client authentication (profile 3). */
  stationCertificateFiles(): { certFile: string; keyFile: string } | undefined {
    const certFile = path.join(this.dir, 'ChargingStationCertificate', STATION_FILE);
    const keyFile = path.join(this.dir, 'ChargingStationCertificate', STATION_KEY);
    return existsSync(certFile) && existsSync(keyFile) ? { certFile, keyFile } : undefined;
  }

  /**
   * M05 InstallCertificate: one CA certificate, not expired (M05.FR.07), within the limit
   * (M05.FR.06); one already there is replaced and Accepted (M05.FR.17). AdditionalRootCertificateCheck
   * (M05.FR.09-16) is not supported. No security event: the appendix's list has none for this.
   */
  install(type: InstallableCertificateType, pem: string): InstallOutcome {
    let certs: X509Certificate[];
    try {
      certs = parseCertificates(pem);
    } catch (err) {
      return { status: 'Rejected', reasonCode: 'InvalidCertificate', reason: `not an X.509 certificate: ${(err as Error).message}` };
    }
    if (certs.length !== 1) return { status: 'Rejected', reasonCode: 'InvalidCertificate', reason: certs.length === 0 ? 'no PEM certificate' : 'more than one certificate' };
    const cert = certs[0]!;
    if (!cert.ca) return { status: 'Rejected', reasonCode: 'InvalidCertificate', reason: 'not a CA certificate (basicConstraints cA)' };
    const now = this.options.nowMs?.() ?? Date.now();
    if (Date.parse(cert.validTo) < now) return { status: 'Rejected', reasonCode: 'InvalidCertificate', reason: `expired ${cert.validTo}` };
    const file = path.join(this.dir, type, fileNameOf(cert));
    const present = this.entries.some((e) => e.file === file);
    if (!present && this.entries.length >= this.maxEntries) return { status: 'Rejected', reasonCode: 'OutOfStorage', reason: `the store is full (${this.maxEntries} certificates)` };
    try {
      writeFileAtomic(file, toPem([cert]), CERT_MODE);
    } catch (err) {
      return { status: 'Failed', reasonCode: 'InternalError', reason: `cannot store: ${(err as Error).message}` };
    }
    if (!present) this.entries.push({ type, file, chain: [cert] });
    this.afterChange(type);
    this.options.log.info(`installed ${type} ${cert.subject.replaceAll('\n', ', ')} (serial ${cert.serialNumber})`);
    return { status: 'Accepted' };
  }

  /**
   * M04 DeleteCertificate by hash data (in the CSMS's hash algorithm, M04.FR.07): never the
   * station certificate (M04.FR.06); not the last CSMS root when `protectLastCsmsRoot` (the
   * connection of profile 2 or 3 depends on it; M04.FR.03's note).
   */
  delete(hashData: CertificateHashData, options: { protectLastCsmsRoot?: boolean } = {}): DeleteOutcome {
    const entry = this.entries.find((e) => sameHashData(this.hashDataOf(e, 0, hashData.hashAlgorithm), hashData));
    if (!entry) return { status: 'NotFound' };
    if (entry.type === 'ChargingStationCertificate') return { status: 'Failed', reasonCode: 'UnsupportedRequest', reason: 'the Charging Station Certificate cannot be deleted (M04.FR.06)' };
    if (entry.type === 'CSMSRootCertificate' && options.protectLastCsmsRoot && this.entries.filter((e) => e.type === 'CSMSRootCertificate').length === 1) {
      return { status: 'Failed', reasonCode: 'UnsupportedRequest', reason: 'the last CSMS root certificate, which the connection depends on' };
    }
    try {
      rmSync(entry.file);
    } catch (err) {
      return { status: 'Failed', reasonCode: 'InternalError', reason: `cannot delete: ${(err as Error).message}` };
    }
    this.entries = this.entries.filter((e) => e !== entry);
    this.afterChange(entry.type);
    this.options.log.info(`deleted ${entry.type} serial ${entry.chain[0]!.serialNumber}`);
    return { status: 'Accepted' };
  }

  /**
   * A new station certificate (the leaf, then its sub-CAs) with its private key (PKCS#8 PEM),
   * replacing the old pair (A02/A03 CertificateSigned, or the config's). Throws when the certificate
   * does not parse or is not for that key.
   */
  addStationCertificate(certPem: string, keyPem: string): void {
    const chain = parseCertificates(certPem);
    const leaf = chain[0];
    if (!leaf) throw new Error('no PEM certificate');
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) throw new Error('the certificate is not for this private key');
    const folder = path.join(this.dir, 'ChargingStationCertificate');
    // The key first: a certificate file without its key is never taken (stationCertificateFiles).
    writeFileAtomic(path.join(folder, STATION_KEY), keyPem.trim() + '\n', KEY_MODE);
    writeFileAtomic(path.join(folder, STATION_FILE), toPem(chain), CERT_MODE);
    this.entries = this.entries.filter((e) => e.type !== 'ChargingStationCertificate');
    this.entries.push({ type: 'ChargingStationCertificate', file: path.join(folder, STATION_FILE), chain });
    this.afterChange('ChargingStationCertificate');
    this.options.log.info(`new Charging Station Certificate ${leaf.subject.replaceAll('\n', ', ')}, valid to ${leaf.validTo}`);
  }

  /** A V2G certificate chain (ISO 15118; the leaf, then its sub-CAs): kept and listed (M03.FR.05). */
  addV2GCertificateChain(chainPem: string): void {
    const chain = parseCertificates(chainPem);
    if (chain.length === 0) throw new Error('no PEM certificate');
    const file = path.join(this.dir, 'V2GCertificateChain', fileNameOf(chain[0]!));
    writeFileAtomic(file, toPem(chain), CERT_MODE);
    this.entries = this.entries.filter((e) => e.file !== file);
    this.entries.push({ type: 'V2GCertificateChain', file, chain });
    this.afterChange('V2GCertificateChain');
  }

  /** The private key of a CSR sent, kept (0600) until its certificate comes (A02.FR.02-ish; whitepaper 2.4). */
  setPendingKey(keyPem: string): void {
    writeFileAtomic(path.join(this.dir, PENDING_KEY), keyPem.trim() + '\n', KEY_MODE);
  }

  pendingKeyPem(): string | undefined {
    const file = path.join(this.dir, PENDING_KEY);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  clearPendingKey(): void {
    rmSync(path.join(this.dir, PENDING_KEY), { force: true });
  }

  /** Hash data of the `index`th certificate of an entry in `algorithm`. */
  private hashDataOf(entry: Entry, index: number, algorithm: HashAlgorithm = 'SHA256'): CertificateHashData {
    const cert = entry.chain[index]!;
    return certificateHashData(cert, this.issuerOf(cert, entry.chain.slice(index + 1)), algorithm);
  }

  /** The issuer: itself (a root), the next in its chain, or any certificate held that signed it. */
  private issuerOf(cert: X509Certificate, rest: readonly X509Certificate[]): X509Certificate | undefined {
    const signed = (candidate: X509Certificate): boolean => cert.checkIssued(candidate) && cert.verify(candidate.publicKey);
    if (signed(cert)) return cert;
    return rest.find(signed) ?? this.entries.flatMap((e) => e.chain).find(signed);
  }

  private describe(entry: Entry): InstalledCertificate {
    const leaf = entry.chain[0]!;
    const described: InstalledCertificate = {
      type: entry.type,
      pem: toPem(entry.chain),
      hashData: this.hashDataOf(entry, 0),
      notBefore: new Date(leaf.validFrom),
      notAfter: new Date(leaf.validTo),
    };
    if (entry.chain.length > 1) described.childHashData = entry.chain.slice(1).map((_, i) => this.hashDataOf(entry, i + 1));
    return described;
  }

  private afterChange(type: InstalledCertificateType): void {
    if (type === 'CSMSRootCertificate') this.writeCsmsBundle();
    this.changed.next(type);
  }

  private writeCsmsBundle(): void {
    const roots = this.entries.filter((e) => e.type === 'CSMSRootCertificate').flatMap((e) => e.chain);
    const file = path.join(this.dir, CSMS_BUNDLE);
    if (roots.length === 0) rmSync(file, { force: true });
    else writeFileAtomic(file, toPem(roots), CERT_MODE);
  }

  /** For seeding: a CSMS root from the config, put in without InstallCertificate's checks. */
  addSeededRoot(cert: X509Certificate): void {
    const file = path.join(this.dir, 'CSMSRootCertificate', fileNameOf(cert));
    if (this.entries.some((e) => e.file === file)) return;
    writeFileAtomic(file, toPem([cert]), CERT_MODE);
    this.entries.push({ type: 'CSMSRootCertificate', file, chain: [cert] });
  }
}
