import type { Clock } from './clock.js';
import type { TransactionSnapshot } from './events.js';
import type { AuthorizationPort, ChargingSettings, EvsePort, SafetySettings, StateStore } from './ports.js';
import type { AuthorizationResult, ChargingState, ConnectorStatus, FaultKind, IdToken } from './types.js';

/** The Station's options, and the shapes of what it answers (station.ts re-exports them). */

/** How drivers are authorized: by the CSMS, or plug-and-charge under one fixed token (home chargers). */
export type AuthorizationMode = { mode: 'csms' } | { mode: 'free'; idToken: IdToken };

export interface StationOptions {
  evses: readonly EvsePort[];
  settings: () => ChargingSettings;
  authorization: AuthorizationMode;
  authorizer: AuthorizationPort;
  store: StateStore;
  /** A write to the store that failed where nobody waits for it (default: ignored). */
  onStoreError?: (message: string) => void;
  /** Transactions that were running when the agent last stopped (from the transaction journal). */
  recovered?: readonly TransactionSnapshot[];
  /** How hardware faults are detected (defaults: DEFAULT_SAFETY). */
  safety?: SafetySettings;
  /** Where time comes from (default: systemClock): a FakeClock in tests, one clock for many stations. */
  clock?: Clock;
  /** Makes a new transaction's id (default: randomUUID), unique for ever (E01.FR.08). */
  newTransactionId?: () => string;
}

/** What the local "clear faults" action did on one EVSE: the faults cleared, and those that stay, with why. */
export interface FaultClearing {
  evseId: number;
  cleared: FaultKind[];
  remaining: Array<{ fault: FaultKind; reason: string }>;
}

export interface RemoteStartRequest {
  evseId?: number;
  /** One connector of the EVSE (1.6 names connectors): the session is for that one only. */
  connectorId?: number;
  idToken: IdToken;
  groupIdToken?: IdToken;
  remoteStartId?: number;
  /** Check the token with the authority first (AuthorizeRemoteStart), or trust the CSMS' request. */
  authorizeFirst: boolean;
}

export type RemoteStartResult =
  | { status: 'Accepted'; evseId: number; transactionId?: string }
  | { status: 'Rejected'; reason: 'UnknownEvse' | 'NoEvseAvailable' | 'Unavailable' | 'Faulted' | 'Occupied' | 'ResetPending' | 'Reserved' };

export type TokenResult =
  | { outcome: 'authorized'; evseId: number }
  | { outcome: 'stopped'; evseId: number; transactionId?: string }
  | { outcome: 'rejected'; status: AuthorizationResult['status'] | 'Unavailable' | 'Busy' | 'Reserved' };

export interface ConnectorSnapshot {
  connectorId: number;
  status: ConnectorStatus;
  chargingState: ChargingState;
  relayClosed: boolean;
  plugged: boolean;
  /** Active faults, sorted; 'meter' while the EVSE's meter has failed. */
  faults: FaultKind[];
}

export interface EvseSnapshot {
  evseId: number;
  operative: boolean;
  connectors: ConnectorSnapshot[];
  transaction?: TransactionSnapshot;
  authorizedIdToken?: IdToken;
  /** Set while a safety trip holds the EVSE until a deliberate act (trip-latch.ts). */
  trippedBy?: FaultKind;
}
