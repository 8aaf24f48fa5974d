/**
 * Why a connection attempt to the CSMS failed, as far as the transport can tell: the kinds an
 * OCPP adapter may turn into security events (2.0.1 Part 2 A00.FR.310/.413 InvalidCsmsCertificate,
 * A00.FR.316/.419 InvalidTLSVersion, appendix FailedToAuthenticationAtCsms). Version-neutral: no
 * OCPP message is named here.
 */

export type ConnectionFailureKind =
  /** The CSMS' server certificate did not verify: unknown or untrusted CA, expired, not yet valid, wrong host name, self-signed, revoked. */
  | 'csms-certificate'
  /** The CSMS refused our credentials: HTTP 401 to the WebSocket upgrade. */
  | 'authentication'
  /** The CSMS offers only TLS versions below our minimum (TLS 1.2), or only SSL. */
  | 'tls-version'
  /** The CSMS allows only cipher suites we do not offer (A00.FR.323/.426): InsecureCipherSuite. */
  | 'tls-cipher'
  /** Anything else: unreachable, timed out, another HTTP status, subprotocol refused, our own rules. */
  | 'other';

/** One failed connection attempt, reported by OcppClient.connectionFailures$. */
export interface ConnectionFailure {
  kind: ConnectionFailureKind;
  /** The error code (Node's or OpenSSL's, e.g. CERT_HAS_EXPIRED), or `HTTP 401`; absent when there is none. */
  code?: string;
  /** The CSMS URL's host (and port, when given). */
  host: string;
  /** The error's message. */
  message: string;
  at: Date;
}

/** The upgrade was answered with an HTTP status other than 101 (ws' 'unexpected-response'). */
export class HandshakeRejected extends Error {
  override readonly name = 'HandshakeRejected';
  constructor(readonly statusCode: number) {
    super(`the CSMS answered the WebSocket upgrade with HTTP ${statusCode}`);
  }
}

/**
 * The CSMS refused the handshake, and a probe (no credentials, certificate not checked) found it
 * choosing a cipher suite we do not offer (ocpp-websocket.ts TLS_CIPHER_SUITES): A00.FR.323/.426.
 */
export class InsecureCipherSuite extends Error {
  override readonly name = 'InsecureCipherSuite';
  readonly code = 'INSECURE_CIPHER_SUITE';
  constructor(readonly cipher: string) {
    super(`the CSMS allows only cipher suites not offered (it chose ${cipher})`);
  }
}

/**
 * Node's codes for a peer certificate that failed verification (tls.TLSSocket authorizationError,
 * OpenSSL X509_V_ERR_* names) and the host name check (ERR_TLS_CERT_ALTNAME_INVALID).
 */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The server refused every TLS version we offer (alert 70, protocol_version), or chose one below
 * our minimum. We offer TLS 1.2 and 1.3, the newest there are, so either means the CSMS allows only
 * older versions or SSL. (ERR_SSL_WRONG_VERSION_NUMBER is not here: a peer that does not speak TLS
 * at all, a plain HTTP server say, gives it as well.)
 */
const TLS_VERSION_CODES: ReadonlySet<string> = new Set(['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL']);
/**
 * The same two, when OpenSSL fails during a socket write (as under https.request, which ws uses):
 * Node then gives code EPROTO, and only the message carries OpenSSL's reason string.
 */
const TLS_VERSION_REASONS = /:(?:tlsv1 alert protocol version|unsupported protocol):/;

/**
 * What kind of failure an error from a connection attempt is, and its code. Pure: reads only the
 * error's `code`, for EPROTO its message, and for HandshakeRejected its status. A handshake alert such as
 * handshake_failure (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE) is 'other': it does not tell a
 * cipher suite mismatch from a missing client certificate or signature algorithm.
 */
export function classifyConnectionError(err: unknown): { kind: ConnectionFailureKind; code?: string } {
  if (err instanceof HandshakeRejected) {
    return { kind: err.statusCode === 401 ? 'authentication' : 'other', code: `HTTP ${err.statusCode}` };
  }
  const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
  if (code === undefined) return { kind: 'other' };
  if (CERTIFICATE_CODES.has(code)) return { kind: 'csms-certificate', code };
  if (TLS_VERSION_CODES.has(code)) return { kind: 'tls-version', code };
  if (err instanceof InsecureCipherSuite) return { kind: 'tls-cipher', code };
  if (code === 'EPROTO' && err instanceof Error && TLS_VERSION_REASONS.test(err.message)) return { kind: 'tls-version', code };
  return { kind: 'other', code };
}
