import type { ConnectionFailure, ConnectionFailureKind } from '../../ocpp/transport/connection-failure.js';
import type { SecurityEvent, SecurityEventType } from './security-event-types.js';

/**
 * The security events a failed connection to the CSMS raises (Part 2 A00):
 * - A00.FR.310 (profile 2) / A00.FR.413 (profile 3): the CSMS certificate or its certification
 *   path is invalid: InvalidCsmsCertificate (critical).
 * - A00.FR.316 / A00.FR.419: the CSMS allows only TLS versions older than 1.2, or SSL:
 *   InvalidTLSVersion (critical).
 * - A00.FR.323 / A00.FR.426: the CSMS allows only cipher suites unsuitable for use:
 *   InvalidTLSCipherSuite (critical).
 * - Appendix, Security Events: the CSMS rejected the station's credentials (HTTP 401 to the
 *   upgrade, profiles 1 and 2): FailedToAuthenticationAtCsms (not critical: security log only).
 */
const EVENT_OF: Readonly<Record<ConnectionFailureKind, SecurityEventType | undefined>> = {
  'csms-certificate': 'InvalidCsmsCertificate',
  'tls-version': 'InvalidTLSVersion',
  'tls-cipher': 'InvalidTLSCipherSuite',
  authentication: 'FailedToAuthenticationAtCsms',
  other: undefined,
};

/** The security event of one failed attempt, with the code and the CSMS host as techInfo; undefined for none. */
export function connectionSecurityEvent(failure: ConnectionFailure): SecurityEvent | undefined {
  const type = EVENT_OF[failure.kind];
  if (!type) return undefined;
  return { type, techInfo: `${failure.code ?? 'no code'} connecting to ${failure.host}: ${failure.message}` };
}

/**
 * A00.FR.316/.419 note: "a security event only needs to be sent once for repeated failed connection
 * attempts". Each event type is raised once per failure streak: at the first failure of its kind,
 * then not again until a connection has been made.
 */
export class ConnectionFailureStreak {
  private readonly raised = new Set<SecurityEventType>();

  constructor(private readonly raise: (event: SecurityEvent, at: Date) => void) {}

  failed(failure: ConnectionFailure): void {
    const event = connectionSecurityEvent(failure);
    if (!event || this.raised.has(event.type)) return;
    this.raised.add(event.type);
    this.raise(event, failure.at);
  }

  /** A connection was made: the streak is over. */
  connected(): void {
    this.raised.clear();
  }
}
