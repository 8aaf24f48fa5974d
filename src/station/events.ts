import type { MeterReading } from './meter-reading.js';
import type { AuthorizationSource, ChargingState, ConnectorStatus, FaultKind, IdToken, StopReason, TxTrigger } from './types.js';

/** A transaction as the core knows it; every adapter builds its messages from this. */
export interface TransactionSnapshot {
  /** Unique for this station for ever (E01.FR.08): a UUID. */
  id: string;
  evseId: number;
  /** Known once a cable is plugged in. */
  connectorId?: number;
  startedAt: Date;
  meterStartWh: number;
  idToken?: IdToken;
  groupIdToken?: IdToken;
  /** What decided its token's authorization (the local list, the cache...); absent: not known or none asked. */
  authorizationSource?: AuthorizationSource;
  remoteStartId?: number;
  /** The reservation this transaction used (1.6 StartTransaction, 2.0.1 E01.FR.13). */
  reservationId?: number;
  chargingState: ChargingState;
  /** Energy delivered so far, from the latest good reading. */
  energyWh: number;
  endedAt?: Date;
  meterStopWh?: number;
  stoppedReason?: StopReason;
}

interface TransactionEventBase {
  evseId: number;
  transaction: TransactionSnapshot;
  trigger: TxTrigger;
  timestamp: Date;
  /** Present when the charging state changed with this event. */
  chargingState?: ChargingState;
  /** Present when an id token authorized the transaction, or ended its authorization, with this event. */
  idToken?: IdToken;
  /** Present when the connector became known with this event. */
  connectorId?: number;
  /** Present in the first event after a remote start. */
  remoteStartId?: number;
  /** Present in the first event after the transaction used a reservation. */
  reservationId?: number;
  /** The reading the event's meter values come from (always at start and end). */
  reading?: MeterReading;
}

export type TransactionEvent =
  | (TransactionEventBase & { type: 'TransactionStarted' })
  | (TransactionEventBase & { type: 'TransactionUpdated' })
  | (TransactionEventBase & { type: 'TransactionEnded'; stoppedReason: StopReason });

export interface ConnectorStatusChanged {
  type: 'ConnectorStatusChanged';
  evseId: number;
  connectorId: number;
  status: ConnectorStatus;
  timestamp: Date;
}

export interface FaultChanged {
  type: 'FaultChanged';
  /** Undefined for a fault of the whole station. */
  evseId?: number;
  fault: FaultKind;
  active: boolean;
  detail: string;
  timestamp: Date;
}

/** A device of the station other than the charging path's hardware; `token-reader`: a card reader. */
export type StationDevice = 'token-reader';

/**
 * A device that fails, or works again, without making charging unsafe (issue 12): no fault, no
 * connector changes and no relay opens; the CSMS is only told (charging still works by a remote
 * start or another reader).
 */
export interface DeviceProblemChanged {
  type: 'DeviceProblemChanged';
  device: StationDevice;
  /** The device's name, as the log and the status page give it. */
  name: string;
  /** The EVSE it serves; undefined for one of the whole station. */
  evseId?: number;
  active: boolean;
  /** Why it failed (its last error), or what it does again. */
  detail: string;
  timestamp: Date;
}

export interface ReservationEnded {
  type: 'ReservationEnded';
  /** The EVSE it held, or was used on; undefined for an unused reservation of no particular EVSE. */
  evseId?: number;
  reservationId: number;
  /** Removed: the EVSE(s) it needed became Faulted or Unavailable (2.0.1 H01.FR.16/17). */
  reason: 'Used' | 'Expired' | 'Cancelled' | 'Removed';
  timestamp: Date;
}

/** Everything the core tells the world; protocol adapters and the local API subscribe. */
export type StationEvent = TransactionEvent | ConnectorStatusChanged | FaultChanged | DeviceProblemChanged | ReservationEnded;

/** A transaction snapshot as JSON gave it back (the transaction journal): dates from text. */
export function reviveSnapshot(raw: Record<string, unknown>): TransactionSnapshot {
  const s = raw as unknown as TransactionSnapshot & { startedAt: string | Date; endedAt?: string | Date };
  return { ...s, startedAt: new Date(s.startedAt), endedAt: s.endedAt !== undefined ? new Date(s.endedAt) : undefined };
}
