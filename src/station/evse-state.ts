import { initialConnectorInputs, type ConnectorInputs } from './connector-state.js';
import type { TransactionSnapshot } from './events.js';
import type { MeterReading } from './meter-reading.js';
import type { ChargingSettings, SafetySettings } from './ports.js';
import type { OvercurrentWatch } from './supervision.js';
import { NOT_TRIPPED, type TripLatch } from './trip-latch.js';
import type { HeldDuringTransaction } from './tx-points.js';
import type { AuthorizationSource, ChargingState, ConnectorStatus, FaultKind, IdToken, Reservation, StopReason, TxTrigger, VehicleState } from './types.js';

/**
 * Everything one EVSE knows, as plain data: the input and the output of decide() (evse-decide.ts).
 * Nothing here holds a timer, a subscription or a port; the runner (evse-runner.ts) does.
 */

/** Why the EVSE is re-evaluated: the transaction trigger it reports, and the stop reason if it ends one. */
export interface Cause {
  trigger: TxTrigger;
  stopReason?: StopReason;
  /** The id token presented to stop (StopAuthorized): a token of the group may stop another's session. */
  idToken?: IdToken;
}

/** A cause that stops a transaction whatever the stop points: it always has a reason. */
export type StopCause = Cause & Required<Pick<Cause, 'stopReason'>>;

/** Who may charge on this EVSE now. */
export interface Authorization {
  idToken: IdToken;
  groupIdToken?: IdToken;
  source: 'token' | 'remote' | 'free';
  /** A presented token: what decided it (the authorizer's AuthorizationResult.source). */
  decidedBy?: AuthorizationSource;
  remoteStartId?: number;
  /** A remote start may name the connector. */
  connectorId?: number;
  /** The reservation this authorization uses. */
  reservationId?: number;
}

export interface ActiveTransaction {
  snapshot: TransactionSnapshot;
  held: HeldDuringTransaction;
  /** The id token has been reported to the CSMS (sent once, E03.FR.01). */
  idTokenReported: boolean;
  connectorReported: boolean;
  remoteStartReported: boolean;
  /**
   * The charging state the CSMS last heard for this transaction; every event after a change
   * carries the new one, Ended included (E01.FR.18, E02.FR.13). Undefined after a restart: the
   * first event then says it afresh.
   */
  reportedChargingState?: ChargingState;
  /** Set when authorization ended without ending the transaction; the reason it ends with later (F04.FR.03). */
  deauthorizedReason?: StopReason;
  /** The relay is open and the final reading asked for: the end is emitted when it answers. */
  ending?: { cause: Cause; stoppedReason: StopReason };
  /** Found running after a restart: nothing is decided about it until the meter has answered. */
  recovering?: boolean;
  /** The CSMS rejected the id token and StopTxOnInvalidId is false: energy only up to MaxEnergyOnInvalidId. */
  invalidToken?: boolean;
  /** ... and that energy has been delivered: nothing more is offered. */
  allowanceUsed?: boolean;
}

/** One contactor: what its coil was last told, what its feedback contact says (undefined: not wired), whether the disagreement timer runs. */
export interface ContactorState {
  coil: boolean;
  contact?: boolean;
  timing: boolean;
}

/** Availability set at each level (G03/G04). */
export interface AvailabilityLevels {
  station: boolean;
  evse: boolean;
  connectors: Readonly<Record<number, boolean>>;
}

export type AvailabilityLevel = 'station' | 'evse' | { connectorId: number };

/** An availability change waiting for the transaction to end (G03.FR.03/G04). */
export interface ScheduledAvailability {
  level: AvailabilityLevel;
  operative: boolean;
}

/** What does not change while the EVSE runs. */
export interface EvseConfig {
  evseId: number;
  maxCurrentA: number;
  connectorIds: readonly number[];
  /** Per connector: a cable lock is fitted (absent: none anywhere). */
  locks?: readonly boolean[];
  /** A control pilot serves the EVSE's (one) connector. */
  pilot?: { ventilation: boolean; releaseTimeoutMs: number };
}

/** What the EVSE knows of its control pilot. */
export interface PilotState {
  /** The state last read; undefined until the board first answered. */
  vehicleState?: VehicleState;
  /** The board does not answer (why), or answers (undefined). */
  failure?: string;
  boardErrors: readonly string[];
  /** The current last offered, A. */
  offeredA: number;
  /**
   * The relay is held closed for a current reduction: the EVSE stopped offering energy for a
   * reason that is no fault while the vehicle still draws, so the offer drops to 0 A first and the
   * contactor opens when the vehicle leaves C, or when releaseTimeoutMs is up (`expired`). The
   * cause is that of the decision that asked for the relay to open, carried to the end it defers.
   */
  release?: { cause: Cause; expired: boolean };
}

/** One cable lock, as commanded: whether it is told to hold, whether its confirmation timer runs. */
export interface LockState {
  wanted: boolean;
  timing: boolean;
}

export interface EvseState {
  readonly config: EvseConfig;
  /** Per connector, in the order of config.connectorIds. */
  connectors: ConnectorInputs[];
  contactors: ContactorState[];
  authorization?: Authorization;
  tx?: ActiveTransaction;
  /** A stop decided outside the stop points (a safety fault, a reset), carried out at the next step. */
  forcedStop?: StopCause;
  /** A start point was reached before the meter's first reading (E01 needs a meter start value). */
  waitingForReading: boolean;
  latestReading?: MeterReading;
  /** The status last reported per connector id. */
  lastStatus: Readonly<Record<number, ConnectorStatus>>;
  availability: AvailabilityLevels;
  scheduled: ScheduledAvailability[];
  faults: FaultKind[];
  /** Set by a safety trip; energy comes back only after a deliberate act (see trip-latch.ts). */
  tripLatch: TripLatch;
  vehicleArrivals: number;
  /** When the current last fell below evIdleCurrentA with the relay closed (ms). */
  idleSince?: number;
  overcurrentWatch: OvercurrentWatch;
  /** The authorization's wait for a cable runs (EVConnectionTimeOut). */
  evConnectionTimerArmed: boolean;
  reservation?: Reservation;
  /** Kept free for reservations of no particular EVSE (see ReservationDesk): Reserved for everyone else. */
  heldForReservations: boolean;
  /** A firmware install waits for the station's transactions: no new session here (see firmwareHoldApplies). */
  heldForFirmware: boolean;
  closed: boolean;
  /** Present when the EVSE has a control pilot. */
  pilot?: PilotState;
  /** The limit smart charging and the local limits set, A per phase (undefined: none below maxCurrentA). */
  chargingLimitA?: number;
  /** Per connector, undefined where no lock is fitted. */
  locks: Array<LockState | undefined>;
}

/** What decide() reads besides the state: the rules in force now, and where new transaction ids come from. */
export interface DecideEnv {
  settings: ChargingSettings;
  safety: SafetySettings;
  newTransactionId: () => string;
}

export function initialEvseState(
  config: EvseConfig,
  availability: AvailabilityLevels = { station: true, evse: true, connectors: {} },
  tripLatch: TripLatch = NOT_TRIPPED,
): EvseState {
  return {
    config,
    connectors: config.connectorIds.map((id, i) => initialConnectorInputs(config.maxCurrentA, effectiveOperative(availability, id), config.pilot !== undefined && i === 0)),
    contactors: config.connectorIds.map(() => ({ coil: false, timing: false })),
    waitingForReading: false,
    lastStatus: {},
    availability,
    scheduled: [],
    faults: [],
    tripLatch,
    vehicleArrivals: 0,
    overcurrentWatch: {},
    evConnectionTimerArmed: false,
    heldForReservations: false,
    heldForFirmware: false,
    closed: false,
    pilot: config.pilot ? { boardErrors: [], offeredA: 0 } : undefined,
    locks: config.connectorIds.map((_, i) => (config.locks?.[i] ? { wanted: false, timing: false } : undefined)),
  };
}

/** Operative at every level: the station's, the EVSE's and the connector's own. */
export function effectiveOperative(a: AvailabilityLevels, connectorId: number): boolean {
  return a.station && a.evse && (a.connectors[connectorId] ?? true);
}

/**
 * L01.FR.07: while a firmware install waits, an EVSE not in use (no transaction, no driver
 * authorized) is Unavailable and starts no transaction; one in use goes on, and is held once it is
 * free again.
 */
export function firmwareHoldApplies(s: EvseState): boolean {
  return s.heldForFirmware && s.tx === undefined && s.authorization === undefined;
}

/** A copy decide() may change without touching the state it was given (arrays and nested records copied). */
export function copyState(s: EvseState): EvseState {
  return {
    ...s,
    connectors: [...s.connectors],
    contactors: s.contactors.map((k) => ({ ...k })),
    tx: s.tx ? { ...s.tx, snapshot: { ...s.tx.snapshot } } : undefined,
    lastStatus: { ...s.lastStatus },
    scheduled: [...s.scheduled],
    faults: [...s.faults],
    pilot: s.pilot ? { ...s.pilot } : undefined,
    locks: s.locks.map((l) => (l ? { ...l } : undefined)),
  };
}
