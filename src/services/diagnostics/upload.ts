import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { Logger } from '../../process/logger.js';
import { UploadError, type UploadErrorKind } from './upload-error.js';
import { uploadFtp } from './upload-ftp.js';
import { uploadHttp } from './upload-http.js';

/**
 * Sends one diagnostics file to the location a CSMS gives (OCPP 2.0.1 GetLogRequest.log.remoteLocation,
 * N01.FR.01; 1.6 GetDiagnostics.req location). FTP and FTPS (explicit TLS, passive mode) through
 * basic-ftp; HTTP and HTTPS through node:http(s), PUT or POST multipart. The file is streamed from
 * `body()` and never held whole in memory, nor written to storage here. A failure is an UploadError
 * whose kind tells the caller which status to report (N01.FR.07 UploadFailure / PermissionDenied /
 * BadMessage...; 1.6 DiagnosticsStatus UploadFailed).
 */

export { UploadError, type UploadErrorKind };

export interface UploadOptions {
  /** HTTP(S) only: PUT sends the file as the body, POST as multipart/form-data. Default PUT (N01.FR.18: a CSMS should take both). */
  method?: 'PUT' | 'POST';
  /**
   * POST only: the form field that carries the file. Default "file", as an HTML file input or
   * `curl -F file=@name` names it; OCPP names none (N01.FR.19's example uses "uploadfile").
   */
  formField?: string;
  /** Limit for each stage: connecting, each answer of the server, any pause in the transfer. */
  timeoutMs: number;
  /** Limit for the whole upload; default 10 × timeoutMs. */
  overallTimeoutMs?: number;
  /**
   * A CA the server's certificate may chain to, e.g. the CSMS's (N01.FR.15), trusted beside the
   * usual public CAs (N01.FR.16: the log store may be a cloud service outside the CSMS's chain).
   */
  ca?: Buffer | string;
  /** Cancels the upload (N01.FR.12: a new GetLogRequest cancels the one going on); it ends as kind 'local'. */
  signal?: AbortSignal;
  log: Logger;
}

/** The URL (or every URL in a text) with any user:password replaced by ***, for logs and status messages. */
export function maskUrl(url: string): string {
  return url.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi, '$1***@');
}

export async function upload(target: string, body: () => Readable, fileName: string, options: UploadOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UploadError('unsupported-scheme', `not a URL: ${maskUrl(target)}`);
  }
  const overallMs = options.overallTimeoutMs ?? 10 * options.timeoutMs;
  const log = options.log;
  log.info(`uploading ${fileName} to ${maskUrl(target)}`);
  const started = Date.now();
  const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca];
  const overall = new AbortController();
  const timer = setTimeout(() => overall.abort(), overallMs);
  const cancel = (): void => overall.abort();
  options.signal?.addEventListener('abort', cancel, { once: true });
  try {
    if (options.signal?.aborted === true) throw new UploadError('local', 'the upload was canceled');
    switch (url.protocol) {
      case 'ftp:':
      case 'ftps:':
        await uploadFtp(url, body, fileName, { timeoutMs: options.timeoutMs, ca, signal: overall.signal });
        break;
      case 'http:':
      case 'https:':
        await uploadHttp(url, body, fileName, {
          method: options.method ?? 'PUT',
          formField: options.formField ?? 'file',
          timeoutMs: options.timeoutMs,
          ca,
          signal: overall.signal,
        });
        break;
      default:
        throw new UploadError('unsupported-scheme', `cannot upload to ${url.protocol} locations`);
    }
  } catch (error) {
    const failure = options.signal?.aborted
      ? new UploadError('local', 'the upload was canceled', { cause: error })
      : overall.signal.aborted && !(error instanceof UploadError && error.kind === 'local')
        ? new UploadError('timeout', `the upload took longer than ${overallMs} ms`, { cause: error })
        : error instanceof UploadError
          ? error
          : new UploadError('protocol', String(error), { cause: error });
    log.warning(`upload of ${fileName} to ${maskUrl(target)} failed (${failure.kind}): ${maskUrl(failure.message)}`);
    throw failure;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', cancel);
  }
  log.info(`uploaded ${fileName} to ${maskUrl(target)} in ${Date.now() - started} ms`);
}
