import type { Readable } from 'node:stream';
import type { Logger } from '../../process/logger.js';

/** Why an upload failed, in the terms a status notification needs (OCPP 2.0.1 N01, 1.6 DiagnosticsStatus). */
export type UploadErrorKind =
  | 'unreachable'
  | 'login-refused'
  | 'permission-denied'
  | 'tls'
  | 'timeout'
  | 'protocol'
  | 'unsupported-scheme'
  | 'local';

export class UploadError extends Error {
  constructor(
    readonly kind: UploadErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UploadError';
  }
}

export interface UploadOptions {
  /** HTTP(S) only: PUT sends the file as the body, POST as multipart/form-data field "file". Default PUT. */
  method?: 'PUT' | 'POST';
  /** Limit for each stage (connect, login, a pause in the transfer) and, times a few, for the whole. */
  timeoutMs: number;
  /** The CA(s) that the server's certificate must chain to; the system's when not given. */
  ca?: Buffer | string;
  log: Logger;
}

/** The URL with any user:password replaced, for logs. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

export async function upload(target: string, body: () => Readable, fileName: string, options: UploadOptions): Promise<void> {
  void body;
  void fileName;
  void options;
  throw new UploadError('unsupported-scheme', `not implemented yet: ${maskUrl(target)}`);
}
