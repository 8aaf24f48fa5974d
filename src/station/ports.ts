import type { Observable } from 'rxjs';
import type { MeterHealth, MeterReading } from './meter-reading.js';
import type { ResumeAfterTrip } from './trip-latch.js';
import type { AuthorizationResult, IdToken, PilotReport, TxPoint } from './types.js';

/**
 * What the charging core needs from outside, as interfaces. The hardware layer and the protocol
 * adapters implement them; the core imports no driver, no socket and no OCPP message.
 */

/** The EVSE's energy meter, as the core reads it. */
export interface MeterPort {
  readonly readings$: Observable<MeterReading>;
  readonly health$: Observable<MeterHealth>;
  readonly latest: MeterReading | undefined;
  /** A fresh reading now (at the end of a transaction); undefined when the meter does not answer. */
  poll(): Promise<MeterReading | undefined>;
}

/** One connector's hardware: its contactor and what its inputs report. */
export interface ConnectorPort {
  readonly connectorId: number;
  /** Its OCPP connector type (sType2, cCCS2, ...), for reservations of a connector type. */
  readonly type?: string;
  /** Energises (true) or releases (false) the contactor. */
  setRelay(closed: boolean): void;
  /** Whether a vehicle is plugged in; absent when the connector has no plug detection. */
  readonly plugged$?: Observable<boolean>;
  /** Whether the contactor's auxiliary (feedback) contact reports it closed; absent when not wired. */
  readonly relayFeedback$?: Observable<boolean>;
  /** The cable is fixed to the station: there is nothing to unlock. */
  readonly tethered?: boolean;
  /** Drives the socket's cable lock to hold the cable. Absent (with unlock): no lock fitted. */
  lock?(): void;
  /**
   * Releases the socket's cable lock and resolves once the lock says whether it let go (its
   * feedback input, or the actuator's own report): false when it did not. Absent: no lock fitted.
   */
  unlock?(): Promise<boolean>;
  /** The lock's feedback contact: true while it holds the cable. Absent: not wired (the lock is taken at its word). */
  readonly lockFeedback$?: Observable<boolean>;
}

/** The EVSE's control pilot (IEC 61851-1), when one is fitted: it serves the EVSE's one connector. */
export interface PilotPort {
  /** The vehicle's state, the cable rating and the board's flags, on every change. */
  readonly reports$: Observable<PilotReport>;
  /** The board's health: failed while it does not answer (with why), ok again once it does. */
  readonly health$: Observable<{ state: 'unknown' | 'ok' | 'failed'; why?: string }>;
  /** The current offered to the vehicle, A (0: none, the vehicle must stop drawing). */
  offerCurrent(amps: number): void;
  /** Ventilation is fitted: a vehicle in state D may charge. */
  readonly ventilation: boolean;
  /** How long a vehicle still drawing is given to stop after the offer drops to 0 A for a stop that is no fault, ms. */
  readonly releaseTimeoutMs: number;
}

export interface EvsePort {
  readonly evseId: number;
  readonly maxCurrentA: number;
  readonly meter: MeterPort;
  readonly connectors: readonly ConnectorPort[];
  /** Absent: no pilot; plug detect and the meter's current say what the vehicle does. */
  readonly pilot?: PilotPort;
}

/** Asks the authority (the CSMS through the protocol adapter) whether an id token may charge. */
export interface AuthorizationPort {
  authorize(idToken: IdToken, evseId: number): Promise<AuthorizationResult>;
}

/** The charging rules in force; read at each decision so that a change from the CSMS applies at once. */
export interface ChargingSettings {
  txStartPoints: readonly TxPoint[];
  txStopPoints: readonly TxPoint[];
  /** How long an authorization waits for a cable (EVConnectionTimeOut), seconds. */
  evConnectionTimeoutS: number;
  /** Whether a transaction whose id token the CSMS later rejects is stopped (StopTxOnInvalidId). */
  stopTxOnInvalidId: boolean;
  /** When it is not stopped: the energy it may still deliver in all, Wh (MaxEnergyOnInvalidId); default 0. */
  maxEnergyOnInvalidIdWh?: number;
  /** Below this current on every phase, with the relay closed, the EV is taking no energy. */
  evIdleCurrentA: number;
  /** How long the current must stay below evIdleCurrentA before the EV counts as suspended, seconds. */
  evIdleAfterS: number;
  /** Per-transaction limits; the transaction is stopped when one is reached. */
  maxEnergyWh?: number;
  maxDurationS?: number;
  /** What a failed meter does to a running transaction. */
  onMeterFailure: 'suspend' | 'stop';
  /** A transaction found running after a restart goes on when its vehicle is still plugged in (else: ended, PowerLoss). */
  resumeAfterPowerLoss?: boolean;
  /**
   * A change of the charging limit by this share (percent) or more is told as a transaction event
   * (2.0.1 SmartChargingCtrlr.LimitChangeSignificance, trigger ChargingRateChanged); undefined: never.
   */
  limitChangeSignificancePercent?: number;
}

/** How hardware faults are detected; from the installer's config. */
export interface SafetySettings {
  /** How long the contactor feedback may disagree with the coil before it is a fault. */
  contactorFeedbackTimeoutMs: number;
  /** Overcurrent: above maxCurrentA by more than this share of it ... */
  overcurrentMarginPercent: number;
  /** ... for at least this long (0: the first reading above). */
  overcurrentAfterS: number;
  /** After a safety trip, what brings energy back: a new authorization or an unplug (default), or only an unplug. */
  resumeAfterTrip?: ResumeAfterTrip;
}

export const DEFAULT_SAFETY: SafetySettings = { contactorFeedbackTimeoutMs: 500, overcurrentMarginPercent: 10, overcurrentAfterS: 5 };

/** Small state that must survive a restart (availability). */
export interface StateStore {
  read<T>(name: string): T | undefined;
  write(name: string, value: unknown): void;
  /** Resolves when every value written so far is on disk (a store that writes behind; see JsonFileStore). */
  written?(): Promise<void>;
}
