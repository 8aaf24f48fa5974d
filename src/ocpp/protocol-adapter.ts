import type { BehaviorSubject } from 'rxjs';
import type { AuthorizationPort, ChargingSettings } from '../station/ports.js';
import type { CsmsClock } from './common/csms-clock.js';
import type { BootState, Registration } from './common/registration.js';
import type { TransactionMessageQueue } from './common/transaction-queue.js';

/**
 * What the agent needs of an OCPP version's adapter; the 2.0.1 and 1.6 adapters both provide it,
 * and nothing else in the agent depends on which one runs.
 */
export interface ProtocolAdapter {
  readonly clock: CsmsClock;
  readonly registration: Registration;
  readonly bootState$: BehaviorSubject<BootState>;
  readonly queue: TransactionMessageQueue;
  /** How the core asks the CSMS about an id token. */
  readonly authorizer: AuthorizationPort;
  /** The charging rules as the version's configuration holds them now. */
  chargingSettings(): ChargingSettings;
  start(): void;
  /** Waits (at most timeoutMs) for queued transaction messages to be answered. */
  drain(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}
