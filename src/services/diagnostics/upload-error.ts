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

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EADDRNOTAVAIL']);

/** The kind of a socket-level error (Node's error codes, OpenSSL's verify codes), or undefined. */
export function socketErrorKind(error: unknown): UploadErrorKind | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  // Certificate checks (X509_V_ERR_* as Node names them) and handshake failures.
  if (
    /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/.test(code) ||
    /certificate|SSL routines|TLS/i.test(error.message)
  )
    return 'tls';
  return undefined;
}
