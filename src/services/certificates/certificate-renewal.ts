import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import type { Clock, TimerHandle } from '../../station/clock.js';
import type { SecurityEvent } from '../security-events/security-event-types.js';
import type { CertificateStore } from './certificate-store.js';
import { checkSignedCertificate } from './signed-certificate-check.js';
import { createStationCsr, publicKeyDerOf, type StationSubject } from './station-csr.js';
import type { InstalledCertificate } from './types.js';

/**
 * Renewal of the station's own certificate, the same in both versions (2.0.1 Part 2 A02/A03 with
 * the 2025-09 errata; 1.6 security whitepaper A02/A03): a new key and CSR, SignCertificate with
 * back-off, the chain of CertificateSigned checked, stored with its key, and the connection made
 * again with it. By itself one month before the certificate expires (A03.FR.02).
 */

const DAY_MS = 86_400_000;
/** A03.FR.02: "will expire in one month". */
export const RENEW_BEFORE_EXPIRY_MS = 30 * DAY_MS;

export type SignCertificateStatus = 'Accepted' | 'Rejected';

/** What the renewal needs of the certificate store: the roots, the station certificate, the pending key (0600). */
export type RenewalStore = Pick<CertificateStore, 'list' | 'rootsPem' | 'addStationCertificate' | 'setPendingKey' | 'pendingKeyPem' | 'clearPendingKey'>;

/** What the version's adapter gives: the message and where its security events go. */
export interface RenewalPort {
  /** SignCertificate with this CSR; `triggered` when the CSMS asked for it (allowed while Pending). */
  signCertificate(csrPem: string, triggered: boolean): Promise<SignCertificateStatus>;
  raise(event: SecurityEvent): void;
}

export interface RenewalSettings {
  /** CertSigningWaitMinimum, seconds. */
  waitMinimumS(): number;
  /** CertSigningRepeatTimes. */
  repeatTimes(): number;
  /** MaxCertificateChainSize (2.0.1) / CertificateSignedMaxChainSize (1.6); none: no limit. */
  maxChainSize(): number | undefined;
  /** SecurityCtrlr.OrganizationName / CpoName, read when a CSR is made. */
  organizationName(): string;
}

export interface CertificateRenewalOptions {
  store: RenewalStore;
  /** CN: the station's serial number (A00.FR.511). */
  commonName: string;
  settings: RenewalSettings;
  clock: Clock;
  /** A02.FR.08: connect again, now with the new certificate. */
  reconnect(): void;
  log: Logger;
}

export type CertificateSignedStatus = 'Accepted' | 'Rejected';

interface PendingRequest {
  csrPem: string;
  subject: StationSubject;
}

export class CertificateRenewal {
  #port: RenewalPort | undefined;
  #request: PendingRequest | undefined;
  #backoff: TimerHandle | undefined;
  #daily: TimerHandle | undefined;
  #sending = false;
  /** A02.FR.19/.20: after the resends ran out or a certificate was refused, only a trigger starts again. */
  #waitForTrigger = false;
  #subscription: Subscription | undefined;
  /** When the station last renewed by itself: at most once a day, even if the CA's certificates are short-lived. */
  #lastOwnRenewalMs: number | undefined;

  constructor(private readonly options: CertificateRenewalOptions) {}

  /** The adapter of the station's version connects its SignCertificate and security events. */
  attach(port: RenewalPort): void {
    this.#port = port;
  }

  /** A03.FR.02: checks daily, and whenever the CSMS accepts the station again (`ready$`). */
  start(ready$?: Observable<boolean>): void {
    this.#daily = this.options.clock.setInterval(() => this.checkExpiry(), DAY_MS);
    this.#subscription = ready$?.subscribe((ready) => ready && this.checkExpiry());
  }

  stop(): void {
    this.#daily?.cancel();
    this.#backoff?.cancel();
    this.#subscription?.unsubscribe();
    this.#daily = this.#backoff = this.#subscription = undefined;
  }

  /** Whether the renewal waits for the CSMS: a CSR sent or being sent, its back-off running. */
  get waiting(): boolean {
    return this.#sending || this.#backoff !== undefined;
  }

  /** The station certificate in use: the newest by the start of its validity. */
  current(): InstalledCertificate | undefined {
    const own = this.options.store.list(['ChargingStationCertificate']);
    return own.sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime())[0];
  }

  /** A03.FR.02: a month or less before the certificate in use expires, renew it (once per round). */
  checkExpiry(): void {
    const current = this.current();
    if (!current || this.waiting || this.#waitForTrigger) return;
    const now = this.options.clock.nowMs();
    if (current.notAfter.getTime() - now > RENEW_BEFORE_EXPIRY_MS) return;
    if (this.#lastOwnRenewalMs !== undefined && now - this.#lastOwnRenewalMs < DAY_MS) return;
    this.#lastOwnRenewalMs = now;
    this.options.log.notice(`the station certificate expires ${current.notAfter.toISOString()}: renewing it (A03)`);
    this.renew(false).catch((err: Error) => this.options.log.warning(`cannot renew the station certificate: ${err.message}`));
  }

  /** TriggerMessage SignChargingStationCertificate / ExtendedTriggerMessage SignChargePointCertificate (A02). */
  triggered(): Promise<void> {
    this.#waitForTrigger = false;
    return this.renew(true);
  }

  /** A02.FR.02/.03: a new key pair, its CSR, SignCertificate; on Accepted the back-off runs (A02.FR.17). */
  private async renew(triggered: boolean): Promise<void> {
    this.#backoff?.cancel();
    this.#backoff = undefined;
    const subject: StationSubject = { commonName: this.options.commonName };
    const organizationName = this.options.settings.organizationName();
    if (organizationName) subject.organizationName = organizationName;
    this.#sending = true;
    try {
      const { csrPem, keyPem } = await createStationCsr(subject);
      this.options.store.setPendingKey(keyPem);
      this.#request = { csrPem, subject };
      await this.send(triggered, 0);
    } finally {
      this.#sending = false;
    }
  }

  /** Sends the pending CSR; `resends` of them went before this one. */
  private async send(triggered: boolean, resends: number): Promise<void> {
    const request = this.#request;
    const port = this.#port;
    if (!request || !port) return;
    let status: SignCertificateStatus;
    try {
      status = await port.signCertificate(request.csrPem, triggered);
    } catch (err) {
      // Not the CSMS's answer: A03 tries again at its next check.
      this.options.log.warning(`SignCertificate not sent: ${(err as Error).message}`);
      return;
    }
    if (status !== 'Accepted') {
      this.options.log.warning('the CSMS rejected the SignCertificate request');
      return;
    }
    if (this.#request !== request) return; // a newer request took over meanwhile
    this.scheduleResend(resends);
  }

  /** A02.FR.17-19: wait CertSigningWaitMinimum, doubled after each resend, CertSigningRepeatTimes resends at most. */
  private scheduleResend(resends: number): void {
    const { settings, clock, log } = this.options;
    if (resends >= settings.repeatTimes()) {
      log.warning(`no certificate after ${resends} resent SignCertificate request(s): waiting for the CSMS to trigger another (A02.FR.19)`);
      this.#waitForTrigger = true;
      return;
    }
    const waitMs = settings.waitMinimumS() * 1000 * 2 ** resends;
    this.#backoff = clock.setTimeout(() => {
      this.#backoff = undefined;
      this.#sending = true;
      void this.send(false, resends + 1).finally(() => (this.#sending = false));
    }, waitMs);
  }

  /**
   * CertificateSigned: the chain checked against the pending key and the CSMS roots; Accepted: it
   * is stored with its key and the connection is made again with it (A02.FR.08 as the errata
   * has it); else Rejected, the old certificate stays and InvalidChargingStationCertificate is
   * raised (A02.FR.07), no back-off nor CSR until the CSMS triggers one (A02.FR.20).
   */
  async certificateSigned(chainPem: string): Promise<CertificateSignedStatus> {
    const { store, settings, clock, log } = this.options;
    const keyPem = store.pendingKeyPem();
    const reject = (reason: string): CertificateSignedStatus => {
      log.warning(`CertificateSigned rejected: ${reason}`);
      this.#backoff?.cancel();
      this.#backoff = undefined;
      this.#waitForTrigger = true;
      this.#port?.raise({ type: 'InvalidChargingStationCertificate', techInfo: reason.slice(0, 255) });
      return 'Rejected';
    };
    if (!keyPem) return reject('no certificate signing request is pending');
    const subject = this.#request?.subject ?? { commonName: this.options.commonName, organizationName: settings.organizationName() || undefined };
    const check = await checkSignedCertificate(chainPem, {
      publicKeyDer: publicKeyDerOf(keyPem),
      subject,
      roots: store.rootsPem('CSMSRootCertificate'),
      now: clock.now(),
      maxChainSize: settings.maxChainSize(),
    });
    if (!check.ok) return reject(check.reason);
    try {
      store.addStationCertificate(chainPem, keyPem);
    } catch (err) {
      return reject(`cannot store it: ${(err as Error).message}`);
    }
    store.clearPendingKey();
    this.#request = undefined;
    this.#backoff?.cancel();
    this.#backoff = undefined;
    log.notice(`new station certificate ${check.leaf.serialNumber}, valid until ${check.leaf.notAfter.toISOString()}: reconnecting with it`);
    // After the answer is on its way: the CSMS hears Accepted on the old connection.
    setImmediate(() => this.options.reconnect());
    return 'Accepted';
  }
}
