import type { BehaviorSubject } from 'rxjs';
import type { AuthorizationPort, ChargingSettings } from '../station/ports.js';
import type { CsmsClock } from '../services/registration/csms-clock.js';
import type { BootState, Registration } from '../services/registration/registration.js';
import type { TransactionMessageQueue } from '../services/transactions/transaction-queue.js';
import type { SecurityEvents } from '../services/security-events/index.js';

/** A connector in the protocol's own words, where they differ from the core's (1.6: its numbering and status). */
export interface ProtocolConnectorView {
  /** The protocol's number for the connector (1.6 numbers them 1..n across the station). */
  connectorId: number;
  status: string;
  errorCode?: string;
  info?: string;
}

/**
 * What the agent needs of an OCPP version's adapter; the 2.0.1 and 1.6 adapters both provide it,
 * and nothing else in the agent depends on which one runs.
 */
export interface ProtocolAdapter {
  readonly clock: CsmsClock;
  readonly registration: Registration;
  readonly bootState$: BehaviorSubject<BootState>;
  readonly queue: TransactionMessageQueue;
  /** The security log and the critical events for the CSMS (A04), in the version's words. */
  readonly securityEvents: SecurityEvents;
  /** How the core asks the CSMS about an id token. */
  readonly authorizer: AuthorizationPort;
  /** The charging rules as the version's configuration holds them now. */
  chargingSettings(): ChargingSettings;
  start(): void;
  /** Waits (at most timeoutMs) for queued transaction messages to be answered. */
  drain(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  /**
   * The id the CSMS knows a core transaction by, where it has its own (1.6: the integer from
   * StartTransaction; undefined until it answered). Absent where the core's id is the CSMS's (2.0.1).
   */
  csmsTransactionId?(transactionId: string): number | undefined;
  /** The core's transaction id for an id the CSMS uses (1.6: its integer, as text); undefined when unknown. */
  localTransactionId?(csmsTransactionId: string): string | undefined;
  /** The connector as this protocol reports it, where that differs from the core's status (1.6). */
  describeConnector?(evseId: number, connectorId: number): ProtocolConnectorView | undefined;
}
