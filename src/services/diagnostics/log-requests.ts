import type { Readable } from 'node:stream';
import { Subject, type Observable } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import type { Clock, TimerHandle } from '../../station/clock.js';
import type { DiagnosticsArchiveRequest, DiagnosticsLogKind } from './archive.js';
import { maskUrl, UploadError, type UploadOptions } from './upload.js';

/**
 * The statuses of a log upload, in 2.0.1's words (UploadLogStatusEnumType); the 1.6 adapter maps
 * them to DiagnosticsStatus (Uploading, Uploaded, UploadFailed, Idle).
 */
export type LogUploadStatus = 'Idle' | 'Uploading' | 'Uploaded' | 'UploadFailure' | 'BadMessage' | 'PermissionDenied' | 'NotSupportedOperation' | 'AcceptedCanceled';

/** A CSMS' request for a log file: 2.0.1 GetLog, 1.6 GetDiagnostics. */
export interface LogRequest {
  kind: DiagnosticsLogKind;
  remoteLocation: string;
  from?: Date;
  to?: Date;
  /** Uploads after the first one failed; the service's default when not given. */
  retries?: number;
  retryIntervalS?: number;
  /** 2.0.1's requestId (N01.FR.07); none under 1.6. */
  requestId?: number;
}

export interface LogStatusReport {
  status: LogUploadStatus;
  requestId?: number;
}

export interface LogRequestsOptions {
  clock: Clock;
  log: Logger;
  /** Names the file: `<stationId>-<kind>-<UTC time>.tar.gz`. */
  stationId: string;
  /** Builds the archive as a stream (archive.ts's diagnosticsArchive with the agent's sources). */
  archive: (request: DiagnosticsArchiveRequest) => Readable;
  /** Sends it (upload.ts's upload). */
  upload: (target: string, body: () => Readable, fileName: string, options: UploadOptions) => Promise<void>;
  /** When the request gives none (2.0.1 and 1.6 leave it to the station). Default 2 retries, 30 s apart. */
  defaultRetries?: number;
  defaultRetryIntervalS?: number;
  /** Each upload's stage timeout (UploadOptions.timeoutMs). Default 30 s. */
  uploadTimeoutMs?: number;
  /** The CA the OCPP connection trusts: a TLS upload verifies its server with it too (N01.FR.15). */
  ca?: Buffer | string;
}

/** The schemes upload.ts speaks; another one is NotSupportedOperation, said before any attempt. */
const SCHEMES = new Set(['ftp:', 'ftps:', 'http:', 'https:']);

interface Run {
  readonly request: LogRequest;
  readonly fileName: string;
  canceled: boolean;
  body?: Readable;
  retryTimer?: TimerHandle;
  /** Stops the transfer going on when the run is canceled (N01.FR.12). */
  readonly abort: AbortController;
}

/**
 * Log requests, whatever the protocol: one upload at a time, its archive built as a stream (never
 * whole in memory) and sent with retries; each status change on status$, for the adapter's
 * LogStatusNotification (2.0.1 N01.FR.08-10) or DiagnosticsStatusNotification (1.6 6.19).
 */
export class LogRequests {
  private readonly statuses = new Subject<LogStatusReport>();
  readonly status$: Observable<LogStatusReport> = this.statuses.asObservable();
  private running: Run | undefined;
  private lastReport: LogStatusReport = { status: 'Idle' };

  constructor(private readonly options: LogRequestsOptions) {}

  /**
   * Starts a request; answers AcceptedCanceled when it cancels one still assembling or uploading
   * (N01.FR.12, whose own AcceptedCanceled goes on status$ first, N01.FR.20), with the file's name
   * (N01.FR.01).
   */
  start(request: LogRequest): { status: 'Accepted' | 'AcceptedCanceled'; fileName: string } {
    const previous = this.running;
    if (previous) this.cancel(previous);
    const fileName = this.fileNameFor(request.kind);
    const run: Run = { request, fileName, canceled: false, abort: new AbortController() };
    this.running = run;
    // After the answer: the CSMS hears GetLog's answer before the first status.
    this.options.clock.setTimeout(() => void this.begin(run), 0);
    return { status: previous ? 'AcceptedCanceled' : 'Accepted', fileName };
  }

  /** What a triggered notification tells: Uploading with the running request's id, else Idle (N01.FR.13, 1.6 Idle). */
  triggered(): LogStatusReport {
    if (!this.running) return { status: 'Idle' };
    return this.reportOf(this.running, 'Uploading');
  }

  /** The latest status told (Idle when none). */
  last(): LogStatusReport {
    return this.lastReport;
  }

  /** Whether an upload is being assembled, sent or waiting for its next attempt. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  stop(): void {
    if (this.running) {
      this.running.canceled = true;
      this.running.retryTimer?.cancel();
      this.running.abort.abort();
      this.running.body?.destroy();
      this.running = undefined;
    }
    this.statuses.complete();
  }

  private cancel(run: Run): void {
    run.canceled = true;
    run.retryTimer?.cancel();
    run.abort.abort();
    run.body?.destroy(new Error('canceled by a new log request'));
    this.running = undefined;
    this.options.log.info(`log upload ${run.fileName} canceled by a new request`);
    this.tell(run, 'AcceptedCanceled');
  }

  private async begin(run: Run): Promise<void> {
    if (run.canceled) return;
    const failure = this.checkLocation(run.request.remoteLocation);
    if (failure) return this.finish(run, failure);
    this.tell(run, 'Uploading'); // N01.FR.08
    const retries = Math.max(0, run.request.retries ?? this.options.defaultRetries ?? 2);
    await this.attempt(run, retries);
  }

  private async attempt(run: Run, retriesLeft: number): Promise<void> {
    const { log } = this.options;
    const target = run.request.remoteLocation;
    try {
      await this.options.upload(target, () => this.body(run), run.fileName, { timeoutMs: this.options.uploadTimeoutMs ?? 30_000, signal: run.abort.signal, log, ca: this.options.ca });
      if (run.canceled) return;
      log.info(`log ${run.fileName} uploaded to ${maskUrl(target)}`);
      return this.finish(run, 'Uploaded'); // N01.FR.09
    } catch (err) {
      if (run.canceled) return;
      const status = statusOf(err);
      // upload() said why (masked); an error from before it did not.
      if (!(err instanceof UploadError)) log.warning(`log ${run.fileName} not uploaded: ${maskUrl((err as Error).message)}`);
      // A refusal or a scheme the station lacks will not change by asking again.
      if (status !== 'UploadFailure' || retriesLeft <= 0) {
        log.warning(`log ${run.fileName}: ${status}`);
        return this.finish(run, status); // N01.FR.10, after all retries
      }
      const intervalS = Math.max(0, run.request.retryIntervalS ?? this.options.defaultRetryIntervalS ?? 30);
      log.info(`log ${run.fileName}: trying again in ${intervalS} s (${retriesLeft} retries left)`);
      run.retryTimer = this.options.clock.setTimeout(() => void this.attempt(run, retriesLeft - 1), intervalS * 1000);
    }
  }

  /** A new archive stream for each attempt (the upload may ask again after a failed start). */
  private body(run: Run): Readable {
    run.body?.destroy();
    const { kind, from, to } = run.request;
    run.body = this.options.archive({ kind, from, to });
    return run.body;
  }

  private checkLocation(location: string): LogUploadStatus | undefined {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      return 'BadMessage';
    }
    if (!SCHEMES.has(url.protocol)) return 'NotSupportedOperation';
    if (url.hostname === '') return 'BadMessage';
    return undefined;
  }

  private finish(run: Run, status: LogUploadStatus): void {
    if (this.running === run) this.running = undefined;
    run.body?.destroy();
    this.tell(run, status);
  }

  private tell(run: Run, status: LogUploadStatus): void {
    this.lastReport = this.reportOf(run, status);
    this.statuses.next(this.lastReport);
  }

  private reportOf(run: Run, status: LogUploadStatus): LogStatusReport {
    return run.request.requestId === undefined ? { status } : { status, requestId: run.request.requestId };
  }

  private fileNameFor(kind: DiagnosticsLogKind): string {
    const at = this.options.clock.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const station = this.options.stationId.replace(/[^A-Za-z0-9._-]/g, '_');
    return `${station}-${kind}-${at}.tar.gz`;
  }
}

/** An upload's failure as a status (2.0.1 UploadLogStatusEnumType). */
function statusOf(err: unknown): LogUploadStatus {
  if (!(err instanceof UploadError)) return 'UploadFailure';
  switch (err.kind) {
    case 'permission-denied':
    case 'login-refused':
      return 'PermissionDenied';
    case 'unsupported-scheme':
      return 'NotSupportedOperation';
    default:
      return 'UploadFailure';
  }
}
