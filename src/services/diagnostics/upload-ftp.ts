import type { Readable } from 'node:stream';
import { basicFtp, ftpAccessOptions } from '../../util/ftp-access.js';
import { UploadError, socketErrorKind, type UploadErrorKind } from './upload-error.js';

/**
 * FTP and FTPS uploads. The location's path is a directory (1.6 GetDiagnostics.req: "directory URI";
 * 2.0.1 remoteLocation), relative to the login directory as in RFC 1738; the file goes into it under
 * `fileName`. ftps:// is explicit TLS (AUTH TLS, RFC 4217) for the control and the data connections;
 * transfers are passive (the station sits behind NAT more often than not).
 */

export interface FtpUploadOptions {
  timeoutMs: number;
  /** The CAs to trust (undefined: Node's default ones). */
  ca?: ReadonlyArray<Buffer | string>;
  /** Aborts the upload (the overall limit). */
  signal: AbortSignal;
}

export async function uploadFtp(url: URL, body: () => Readable, fileName: string, options: FtpUploadOptions): Promise<void> {
  // basic-ftp's timeout is per socket and per task: the greeting, each reply, each pause in the data.
  const client = new (basicFtp().Client)(options.timeoutMs);
  const abort = (): void => client.close();
  options.signal.addEventListener('abort', abort, { once: true });
  let stage = 'connect';
  let bodyError: unknown;
  try {
    await client.access(ftpAccessOptions(url, options.ca));
    const directory = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    stage = 'cd';
    if (directory !== '' && directory !== '/') await client.cd(directory);
    stage = 'transfer';
    const stream = body();
    stream.once('error', (error) => {
      bodyError = error;
    });
    await client.uploadFrom(stream, fileName);
  } catch (error) {
    if (bodyError !== undefined) throw new UploadError('local', `reading the file failed: ${String(bodyError)}`, { cause: bodyError });
    throw new UploadError(ftpErrorKind(error), `FTP ${stage}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    options.signal.removeEventListener('abort', abort);
    client.close();
  }
}

function ftpErrorKind(error: unknown): UploadErrorKind {
  if (error instanceof basicFtp().FTPError) {
    // RFC 959: 530 not logged in, 532 need account; 550/553 action not taken (no access, bad name).
    if (error.code === 530 || error.code === 532) return 'login-refused';
    if (error.code === 550 || error.code === 553) return 'permission-denied';
    return 'protocol';
  }
  const kind = socketErrorKind(error);
  if (kind !== undefined) return kind;
  // basic-ftp names its own socket timeouts "Timeout (control socket)" / "(data socket)".
  if (error instanceof Error && /^Timeout \(/.test(error.message)) return 'timeout';
  return 'protocol';
}
