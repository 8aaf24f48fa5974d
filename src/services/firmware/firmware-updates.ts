import { mkdirSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import { waitAtMost, type Clock, type TimerHandle } from '../../station/clock.js';
import type { StateStore } from '../../station/ports.js';
import { maskUrl } from '../diagnostics/upload.js';
import type { SecurityEvent } from '../security-events/index.js';
import { downloadFirmware, DOWNLOAD_SCHEMES, type DownloadOptions } from './firmware-download.js';
import { FirmwareCertificateInvalid, verifyFirmwareSignature, verifySigningCertificate } from '../../release/firmware-signature.js';
import { FirmwareStatuses } from './firmware-statuses.js';
import type { FirmwareInstaller, FirmwareRequest, FirmwareRequestAnswer, FirmwareStatus, FirmwareStatusReport } from './firmware-types.js';
import { INSTALL_KEY, settleInstall, type SavedInstall } from './install-settling.js';

export interface FirmwareUpdatesOptions {
  clock: Clock;
  log: Logger;
  /** `<storage.dir>/firmware`: the files being downloaded (`<requestId>.part`) and downloaded. */
  dir: string;
  /** Keeps the last status and the statuses waiting for the CSMS across a restart. */
  store?: StateStore;
  /** The version this process runs (package.json), to tell Installed from a rollback. */
  runningVersion: string;
  installer: FirmwareInstaller;
  /** The installed ManufacturerRootCertificates (PEM). */
  manufacturerRoots: () => readonly string[];
  raise: (event: SecurityEvent) => void;
  /** Config firmware.allowUnsigned: whether an unsigned request (L02, 1.6 UpdateFirmware) is taken. */
  allowUnsigned: () => boolean;
  transactionsRunning: () => number;
  /** The core's events: after each, the wait for the last transaction to end looks again. */
  stationEvents$: Observable<unknown>;
  /** AllowNewSessionsPendingFirmwareUpdate (L01.FR.07); false or absent: no new session while waiting. */
  allowNewSessionsPending: () => boolean;
  holdNewSessions: (hold: boolean) => void;
  /** Restarts the agent (the launcher then starts the new current release). */
  restart: () => void;
  download?: (location: string, partFile: string, options: DownloadOptions) => Promise<void>;
  /** The CA an https or ftps location may chain to besides the public ones (the CSMS roots), read per download. */
  ca?: () => Buffer | string | undefined;
  downloadTimeoutMs?: number;
  defaultRetries?: number;
  defaultRetryIntervalS?: number;
  /** How long InstallRebooting may take to reach the CSMS before the restart. Default 10 s. */
  rebootNoticeMs?: number;
}

type Stage = 'scheduled' | 'downloading' | 'verifying' | 'waiting' | 'installing';

interface Run {
  readonly request: FirmwareRequest;
  readonly signed: boolean;
  stage: Stage;
  canceled: boolean;
  timer?: TimerHandle;
  readonly abort: AbortController;
  waiting?: Subscription;
  holding: boolean;
  toldScheduled: boolean;
}

/**
 * Firmware updates, whatever the protocol (2.0.1 L01/L02, 1.6 UpdateFirmware and the security
 * whitepaper's SignedUpdateFirmware): one request at a time, downloaded (resumed after a cut, with
 * retries), verified, installed once no transaction runs, then the agent restarts into the new
 * release, which reports Installed once its boot is accepted. Every status goes through one outbox,
 * in order, kept across outages and the restart (L01.FR.01).
 */
export class FirmwareUpdates {
  private readonly statuses: FirmwareStatuses;
  readonly status$: Observable<FirmwareStatusReport>;
  private running: Run | undefined;
  private nextPlainId = 1;
  private checkedAfterStart = false;

  constructor(private readonly options: FirmwareUpdatesOptions) {
    this.statuses = new FirmwareStatuses({ log: options.log, store: options.store });
    this.status$ = this.statuses.status$;
    mkdirSync(options.dir, { recursive: true });
  }

  /**
   * How the adapter sends a status; what waits goes out whenever `ready$` says the CSMS accepted
   * the station. The first time it does, the install this start completes is reported (L01.FR.28/32a).
   */
  follow(ready$: Observable<boolean>, send: (report: FirmwareStatusReport) => Promise<unknown>): Subscription {
    this.statuses.attach(send);
    return ready$.subscribe((ready) => {
      if (!ready) return;
      void this.statuses.flush();
      if (this.checkedAfterStart) return;
      this.checkedAfterStart = true;
      const { installer, store, log, runningVersion, raise } = this.options;
      void settleInstall({ installer, store, log, runningVersion, raise, last: this.statuses.last, busy: this.running !== undefined, report: (r) => this.statuses.report(r) }).catch(
        (err: Error) => log.warning(`the pending install could not be checked: ${err.message}`),
      );
    });
  }

  /** An id for a 1.6 UpdateFirmware, which has none: its files' names, never sent. */
  plainRequestId(): number {
    return this.nextPlainId++;
  }

  /** UpdateFirmware: the answer now, the work after it (the CSMS hears the answer before any status). */
  request(request: FirmwareRequest): FirmwareRequestAnswer {
    const { log } = this.options;
    const signed = request.signingCertificate !== undefined || request.signature !== undefined;
    if (signed) {
      if (!request.signingCertificate || !request.signature) return 'Rejected';
      // L01.FR.21/22: the certificate is checked before the request is accepted; L01.FR.02: the event.
      const problem = certificateProblem(() => verifySigningCertificate(request.signingCertificate!, this.options.manufacturerRoots(), this.options.clock.now()));
      if (problem !== undefined) {
        log.warning(`firmware request ${request.requestId}: invalid signing certificate: ${problem}`);
        this.options.raise({ type: 'InvalidFirmwareSigningCertificate', techInfo: problem.slice(0, 255) });
        return 'InvalidCertificate';
      }
    } else if (!this.options.allowUnsigned()) {
      log.warning(`firmware request ${request.requestId}: unsigned, and firmware.allowUnsigned is off`);
      return 'Rejected';
    }
    const previous = this.running;
    if (previous) {
      // L01.FR.27: the new release is being unpacked or the agent restarts into it: too late to cancel.
      if (previous.stage === 'installing') return 'Rejected';
      this.cancel(previous);
    }
    const run: Run = { request, signed, stage: 'scheduled', canceled: false, abort: new AbortController(), holding: false, toldScheduled: false };
    this.running = run;
    log.info(`firmware request ${request.requestId}: ${signed ? 'signed' : 'unsigned'}, from ${maskUrl(request.location)}`);
    this.options.clock.setTimeout(() => void this.begin(run), 0);
    return previous ? 'AcceptedCanceled' : 'Accepted'; // L01.FR.24
  }

  /** What a triggered notification tells: the last status, Idle after Installed or when none (L01.FR.25/26). */
  triggered(): FirmwareStatusReport {
    const last = this.statuses.last;
    return last.status === 'Installed' ? { status: 'Idle' } : last;
  }

  /** Whether a request is under way. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Resolves when no status is on its way to the CSMS. */
  idle(): Promise<void> {
    return this.statuses.idle();
  }

  stop(): void {
    const run = this.running;
    if (run) {
      this.quiet(run);
      this.running = undefined;
    }
    this.statuses.complete();
  }

  // ---- the steps ----

  private async begin(run: Run): Promise<void> {
    if (run.canceled) return;
    const location = run.request.location;
    let scheme = '';
    try {
      scheme = new URL(location).protocol;
    } catch {
      // reported below
    }
    if (!DOWNLOAD_SCHEMES.has(scheme)) {
      this.options.log.warning(`firmware request ${run.request.requestId}: cannot download from ${maskUrl(location)}`);
      return this.finish(run, 'DownloadFailed');
    }
    const waitMs = run.request.retrieveAt.getTime() - this.options.clock.nowMs();
    if (waitMs > 0) {
      this.tell(run, 'DownloadScheduled'); // L01.FR.13
      run.timer = this.options.clock.setTimeout(() => void this.download(run, this.retries(run), true), waitMs);
      return;
    }
    await this.download(run, this.retries(run), true);
  }

  private retries(run: Run): number {
    return Math.max(0, run.request.retries ?? this.options.defaultRetries ?? 3);
  }

  private partFile(run: Run): string {
    return path.join(this.options.dir, `${run.request.requestId}.part`);
  }

  private downloadedFile(run: Run): string {
    return path.join(this.options.dir, `${run.request.requestId}.release`);
  }

  private async download(run: Run, retriesLeft: number, first: boolean): Promise<void> {
    if (run.canceled) return;
    const { log } = this.options;
    run.stage = 'downloading';
    if (first) this.tell(run, 'Downloading');
    try {
      const fetch = this.options.download ?? downloadFirmware;
      await fetch(run.request.location, this.partFile(run), { timeoutMs: this.options.downloadTimeoutMs ?? 30_000, ca: this.options.ca?.(), signal: run.abort.signal, log });
      if (run.canceled) return;
      await rename(this.partFile(run), this.downloadedFile(run));
    } catch (err) {
      if (run.canceled) return;
      log.warning(`firmware ${run.request.requestId}: download failed: ${maskUrl((err as Error).message)}`);
      if (retriesLeft > 0) {
        // What arrived stays in the .part file: the next attempt asks for the rest.
        const intervalS = Math.max(0, run.request.retryIntervalS ?? this.options.defaultRetryIntervalS ?? 60);
        log.info(`firmware ${run.request.requestId}: trying again in ${intervalS} s (${retriesLeft} retries left)`);
        run.timer = this.options.clock.setTimeout(() => void this.download(run, retriesLeft - 1, false), intervalS * 1000);
        return;
      }
      return this.finish(run, 'DownloadFailed'); // L01.FR.30
    }
    this.tell(run, 'Downloaded');
    await this.verify(run);
  }

  private async verify(run: Run): Promise<void> {
    const { request } = run;
    const file = this.downloadedFile(run);
    run.stage = 'verifying';
    if (run.signed) {
      // L01.FR.04/12: the signature over the whole file with the signing certificate's key (src/release).
      let failure: Error | undefined;
      try {
        await verifyFirmwareSignature(file, request.signature!, request.signingCertificate!, this.options.manufacturerRoots(), this.options.clock.now());
      } catch (err) {
        failure = err as Error;
      }
      if (run.canceled) return;
      if (failure) {
        this.options.log.warning(`firmware ${request.requestId}: ${failure.message}`);
        // The roots may have changed since the request was accepted: then it is the certificate's event (L01.FR.02).
        const certificate = failure instanceof FirmwareCertificateInvalid;
        this.options.raise({ type: certificate ? 'InvalidFirmwareSigningCertificate' : 'InvalidFirmwareSignature', techInfo: `request ${request.requestId}` }); // L01.FR.03
        return this.finish(run, 'InvalidSignature');
      }
      this.tell(run, 'SignatureVerified');
    }
    try {
      const { version } = await this.options.installer.check(file);
      this.options.log.info(`firmware ${request.requestId}: release ${version}`);
    } catch (err) {
      if (run.canceled) return;
      this.options.log.warning(`firmware ${request.requestId}: not a release package: ${(err as Error).message}`);
      return this.finish(run, 'InstallationFailed');
    }
    if (run.canceled) return;
    run.stage = 'waiting';
    const waitMs = (request.installAt?.getTime() ?? 0) - this.options.clock.nowMs();
    if (waitMs > 0) {
      this.tell(run, 'InstallScheduled'); // L01.FR.16
      run.toldScheduled = true;
      run.timer = this.options.clock.setTimeout(() => this.whenIdle(run), waitMs);
      return;
    }
    this.whenIdle(run);
  }

  /** L01.FR.06/07: installs once no transaction runs; meanwhile no new session unless AllowNewSessionsPendingFirmwareUpdate. */
  private whenIdle(run: Run): void {
    if (run.canceled) return;
    if (this.options.transactionsRunning() === 0) return void this.install(run);
    if (run.waiting) return;
    this.options.log.info(`firmware ${run.request.requestId}: waiting for the running transactions to end`);
    if (!run.toldScheduled) this.tell(run, 'InstallScheduled'); // L01.FR.34
    run.toldScheduled = true;
    if (!this.options.allowNewSessionsPending()) {
      run.holding = true;
      this.options.holdNewSessions(true);
    }
    run.waiting = this.options.stationEvents$.subscribe(() => {
      if (run.canceled || this.options.transactionsRunning() > 0) return;
      run.waiting?.unsubscribe();
      run.waiting = undefined;
      void this.install(run);
    });
  }

  private async install(run: Run): Promise<void> {
    if (run.canceled || run.stage === 'installing') return;
    const { request } = run;
    run.stage = 'installing';
    this.tell(run, 'Installing');
    let version: string;
    try {
      ({ version } = await this.options.installer.install(this.downloadedFile(run), request.requestId));
    } catch (err) {
      this.options.log.error(`firmware ${request.requestId}: install failed: ${(err as Error).message}`);
      return this.finish(run, 'InstallationFailed');
    }
    await rm(this.downloadedFile(run), { force: true });
    // The next start reads this with pending-install.json: which message its Installed goes in.
    this.options.store?.write(INSTALL_KEY, { requestId: request.requestId, plain16: request.plain16 === true, version } satisfies SavedInstall);
    this.tell(run, 'InstallRebooting'); // L01.FR.15, L01.FR.32 (a)
    await waitAtMost(this.options.clock, this.statuses.flush(), this.options.rebootNoticeMs ?? 10_000);
    this.options.log.notice(`firmware ${request.requestId}: release ${version} installed, restarting into it`);
    this.running = undefined;
    this.options.restart();
  }

  // ---- endings and statuses ----

  private cancel(run: Run): void {
    this.options.log.info(`firmware request ${run.request.requestId} canceled by a new request`);
    const downloading = run.stage === 'scheduled' || run.stage === 'downloading';
    this.quiet(run);
    this.running = undefined;
    // L01.FR.24's note: the canceled update may end with DownloadFailed or InstallationFailed.
    this.tell(run, downloading ? 'DownloadFailed' : 'InstallationFailed');
  }

  /** Stops whatever the run has going, without a status. */
  private quiet(run: Run): void {
    run.canceled = true;
    run.timer?.cancel();
    run.abort.abort();
    run.waiting?.unsubscribe();
    if (run.holding) this.options.holdNewSessions(false);
    run.holding = false;
    void rm(this.partFile(run), { force: true });
    void rm(this.downloadedFile(run), { force: true });
  }

  private finish(run: Run, status: FirmwareStatus): void {
    if (this.running === run) this.running = undefined;
    this.quiet(run);
    this.tell(run, status);
  }

  private tell(run: Run, status: FirmwareStatus): void {
    this.statuses.report({ status, requestId: run.request.requestId, ...(run.request.plain16 ? { plain16: true } : {}) });
  }

  /** Files a cut-off request left behind (none runs at start). */
  async removeLeftovers(): Promise<void> {
    for (const name of await readdir(this.options.dir).catch(() => [])) {
      if (name.endsWith('.part') || name.endsWith('.release')) await rm(path.join(this.options.dir, name), { force: true });
    }
  }
}

/** Why the signing certificate is refused, or undefined when it chains to a ManufacturerRootCertificate. */
function certificateProblem(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
