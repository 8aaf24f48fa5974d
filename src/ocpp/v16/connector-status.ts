import type { ChargingState, ConnectorStatus, FaultKind } from '../../station/types.js';

/** OCPP 1.6 ChargePointStatus and ChargePointErrorCode (7.7, 7.6). */
export type Status16 = 'Available' | 'Preparing' | 'Charging' | 'SuspendedEVSE' | 'SuspendedEV' | 'Finishing' | 'Reserved' | 'Unavailable' | 'Faulted';
export type ErrorCode16 =
  | 'ConnectorLockFailure'
  | 'EVCommunicationError'
  | 'GroundFailure'
  | 'HighTemperature'
  | 'InternalError'
  | 'LocalListConflict'
  | 'NoError'
  | 'OtherError'
  | 'OverCurrentFailure'
  | 'PowerMeterFailure'
  | 'PowerSwitchFailure'
  | 'ReaderFailure'
  | 'ResetFailure'
  | 'UnderVoltage'
  | 'OverVoltage'
  | 'WeakSignal';

export interface Status16Report {
  status: Status16;
  errorCode: ErrorCode16;
  info?: string;
}

/** What a 1.6 status is derived from: the core's view of the connector and of its session. */
export interface ConnectorSituation {
  status: ConnectorStatus;
  chargingState: ChargingState;
  plugged: boolean;
  faults: readonly FaultKind[];
  meterFailed: boolean;
  /** A driver is authorized for this connector (or its EVSE, with no other connector in use). */
  authorized: boolean;
  /** A transaction runs on this connector. */
  transaction: boolean;
  /**
   * A transaction ended here and the vehicle is still plugged in; or it is ending, or its
   * StopTransaction is not yet answered, after the vehicle left.
   */
  finishing: boolean;
}

const ERROR_OF: Record<FaultKind, ErrorCode16> = {
  'emergency-stop': 'OtherError',
  'rcd-trip': 'GroundFailure',
  overcurrent: 'OverCurrentFailure',
  'contactor-welded': 'PowerSwitchFailure',
  'contactor-failed': 'PowerSwitchFailure',
  meter: 'PowerMeterFailure',
};

/** Where one error code covers several faults, info (free text, 50 characters) tells them apart. */
const INFO_OF: Partial<Record<FaultKind, string>> = {
  'emergency-stop': 'EmergencyStop',
  'contactor-welded': 'Contactor welded',
  'contactor-failed': 'Contactor failed to close',
};

/**
 * The 1.6 status of a connector (4.9, 7.7): the core's Available/Occupied split into Preparing,
 * Charging, SuspendedEV(SE) and Finishing by the session; Faulted with the error code of the
 * first fault.
 */
export function status16(s: ConnectorSituation): Status16Report {
  if (s.status === 'Faulted') {
    const fault = s.faults[0];
    if (fault) return { status: 'Faulted', errorCode: ERROR_OF[fault], ...(INFO_OF[fault] ? { info: INFO_OF[fault] } : {}) };
    return { status: 'Faulted', errorCode: s.meterFailed ? 'PowerMeterFailure' : 'InternalError' };
  }
  if (s.status === 'Unavailable') return { status: 'Unavailable', errorCode: 'NoError' };
  if (s.transaction) {
    switch (s.chargingState) {
      case 'Charging':
        return { status: 'Charging', errorCode: 'NoError' };
      case 'SuspendedEV':
        return { status: 'SuspendedEV', errorCode: 'NoError' };
      case 'SuspendedEVSE':
        return { status: 'SuspendedEVSE', errorCode: 'NoError' };
      case 'EVConnected':
        // Authorization ended, the transaction goes on until the cable leaves.
        return { status: 'Finishing', errorCode: 'NoError' };
      case 'Idle':
        return { status: 'Preparing', errorCode: 'NoError' };
    }
  }
  if (s.finishing && s.plugged) return { status: 'Finishing', errorCode: 'NoError' };
  // 4.9: after an EV-side disconnect with StopTransactionOnEVSideDisconnect, Finishing (with the
  // reason in info) until the transaction is stopped; then Available.
  if (s.finishing) return { status: 'Finishing', errorCode: 'NoError', info: 'EV side disconnected' };
  // 4.9 G2: a Reserved connector becomes Preparing when the reservation's idTag is presented, not
  // when a cable is plugged in (the core keeps it Reserved until then).
  if (s.status === 'Reserved') return { status: 'Reserved', errorCode: 'NoError' };
  if (s.plugged || s.authorized) return { status: 'Preparing', errorCode: 'NoError' };
  return { status: 'Available', errorCode: 'NoError' };
}
