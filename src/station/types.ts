/**
 * The charging core's vocabulary. It knows neither OCPP version: where a 2.0.1 word is the clearest
 * name for a thing (a connector status, a stop reason) the core uses it, and each protocol adapter
 * maps it to its own messages.
 */

/** What a connector shows to drivers and the CSMS. */
export type ConnectorStatus = 'Available' | 'Occupied' | 'Reserved' | 'Faulted' | 'Unavailable';

/** Where the energy flow stands on a connector. */
export type ChargingState = 'Idle' | 'EVConnected' | 'Charging' | 'SuspendedEV' | 'SuspendedEVSE';

export type IdTokenKind = 'Central' | 'eMAID' | 'ISO14443' | 'ISO15693' | 'KeyCode' | 'Local' | 'MacAddress' | 'NoAuthorization';

export interface IdToken {
  idToken: string;
  type: IdTokenKind;
}

/** What the authority (CSMS, cache, local list) said of an id token. */
export type AuthorizationStatus =
  | 'Accepted'
  | 'Blocked'
  | 'ConcurrentTx'
  | 'Expired'
  | 'Invalid'
  | 'NoCredit'
  | 'NotAllowedTypeEVSE'
  | 'NotAtThisLocation'
  | 'NotAtThisTime'
  | 'Unknown';

/**
 * What decided an authorization: the CSMS, the Local Authorization List, the Authorization Cache,
 * or the offline rule for unknown tokens (OfflineTxForUnknownIdEnabled, C15).
 */
export type AuthorizationSource = 'remote' | 'local-list' | 'cache' | 'offline-unknown';

export interface AuthorizationResult {
  status: AuthorizationStatus;
  /** Tokens of one group may stop each other's transactions. */
  groupIdToken?: IdToken;
  /** Until when the answer may be kept in the Authorization Cache (2.0.1 cacheExpiryDateTime, 1.6 expiryDate). */
  cacheExpiresAt?: Date;
  /** Absent: the authority was asked directly, with no local authorization in between. */
  source?: AuthorizationSource;
  /** The authority could not be asked (offline, no answer in time): Unknown is not its word. */
  unreachable?: boolean;
}

/** The moments a transaction may start or stop at (TxStartPoint / TxStopPoint); this station has no parking sensor or signing meter. */
export type TxPoint = 'EVConnected' | 'Authorized' | 'PowerPathClosed' | 'EnergyTransfer';

/** Why a transaction ended. */
export type StopReason =
  | 'DeAuthorized'
  | 'EmergencyStop'
  | 'EnergyLimitReached'
  | 'EVDisconnected'
  | 'GroundFault'
  | 'ImmediateReset'
  | 'Local'
  | 'LocalOutOfCredit'
  | 'MasterPass'
  | 'Other'
  | 'OvercurrentFault'
  | 'PowerLoss'
  | 'PowerQuality'
  | 'Reboot'
  | 'Remote'
  | 'SOCLimitReached'
  | 'StoppedByEV'
  | 'TimeLimitReached'
  | 'Timeout'
  /** 1.6: the CSMS unlocked the connector during the transaction. */
  | 'UnlockCommand';

/** What caused a transaction event. */
export type TxTrigger =
  | 'Authorized'
  | 'CablePluggedIn'
  | 'ChargingRateChanged'
  | 'ChargingStateChanged'
  | 'Deauthorized'
  | 'EnergyLimitReached'
  | 'EVCommunicationLost'
  | 'EVConnectTimeout'
  | 'MeterValueClock'
  | 'MeterValuePeriodic'
  | 'TimeLimitReached'
  | 'Trigger'
  | 'UnlockCommand'
  | 'StopAuthorized'
  | 'EVDeparted'
  | 'EVDetected'
  | 'RemoteStop'
  | 'RemoteStart'
  | 'AbnormalCondition'
  | 'SignedDataReceived'
  | 'ResetCommand';

/**
 * Conditions that open the relay and fault a connector until they clear. With a control pilot:
 * `vehicle` the pilot in state E or F or a failed diode check, `ventilation` a vehicle asking for
 * ventilation (state D) where none is fitted, `pilot` the pilot board not answering or reporting a
 * fault of its own; `cable-lock` a cable lock that does not lock or does not let go.
 */
export type FaultKind =
  | 'emergency-stop'
  | 'rcd-trip'
  | 'meter'
  | 'contactor-welded'
  | 'contactor-failed'
  | 'overcurrent'
  | 'vehicle'
  | 'ventilation'
  | 'pilot'
  | 'cable-lock';

/** The vehicle's control pilot state, IEC 61851-1: A none, B connected, C charging, D charging with ventilation, E/F error. */
export type VehicleState = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/** What the control pilot board reports, as the core reads it. */
export interface PilotReport {
  vehicleState: VehicleState;
  /** The cable's rating from the proximity pilot, A; absent where unknown. */
  cableRatingA?: number;
  /** The board's own error flags ('diode-check' is the vehicle's); empty when none. */
  boardErrors: readonly string[];
}

export type AvailabilityResult = 'Accepted' | 'Scheduled' | 'Rejected';

/** An EVSE (or one of its connectors) kept for one driver until a time. */
export interface Reservation {
  id: number;
  idToken: IdToken;
  /** A token of this group may use it too (1.6 parentIdTag). */
  groupIdToken?: IdToken;
  expiresAt: Date;
  /** The connector reserved; undefined: any connector of the EVSE. */
  connectorId?: number;
  /** A reservation of no particular EVSE may ask for a connector type (2.0.1 H01 S3). */
  connectorType?: string;
}

export type ReservationResult = 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable';
