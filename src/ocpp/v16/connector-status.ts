import type { StationEvent } from '../../station/events.js';
import type { Station } from '../../station/station.js';
import type { ChargingState, ConnectorStatus, FaultKind } from '../../station/types.js';
import type { ConnectorNumbering } from './connector-numbering.js';

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
  // The pilot's E/F states and a failed diode check: the vehicle's side of the pilot.
  vehicle: 'EVCommunicationError',
  ventilation: 'EVCommunicationError',
  pilot: 'InternalError',
  'cable-lock': 'ConnectorLockFailure',
};

/** Where one error code covers several faults, info (free text, 50 characters) tells them apart. */
const INFO_OF: Partial<Record<FaultKind, string>> = {
  'emergency-stop': 'EmergencyStop',
  'contactor-welded': 'Contactor welded',
  'contactor-failed': 'Contactor failed to close',
  vehicle: 'Pilot state E/F or diode fault',
  ventilation: 'Vehicle needs ventilation (D)',
  pilot: 'Control pilot board fault',
};

/**
 * The 1.6 status of a connector (4.9, 7.7): the core's Available/Occupied split into Preparing,
 * Charging, SuspendedEV(SE) and Finishing by the session; Faulted with the error code of the
 * first fault.
 */
export function status16(s: ConnectorSituation): Status16Report {
  if (s.status === 'Faulted') {
    const fault = s.faults[0];
    if (fault) return { status: 'Faulted', errorCode: ERROR_OF[fault], info: INFO_OF[fault] };
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

export interface ConnectorStatuses16Options {
  station: Station;
  numbering: ConnectorNumbering;
  /** A transaction runs, or is ending (its final reading on the way), on the connector. */
  transactionOn(connectorId16: number): boolean;
  /** The Central System has not yet answered a StopTransaction of the connector. */
  stopUndeliveredOn(connectorId16: number): boolean;
}

/**
 * Each connector's 1.6 status, derived from the core's view of it, its session, and what the
 * Central System has heard of its transactions (4.9). The availability service decides when a
 * status is reported; this says what it is.
 */
export class ConnectorStatuses16 {
  /** Each connector's status as the core last reported it ("EVSE/connector" -> status). */
  private readonly coreStatus = new Map<string, ConnectorStatus>();
  /** Connectors whose transaction ended with the vehicle still plugged in (Finishing). */
  private readonly finishing = new Set<number>();
  private readonly stationFaults = new Set<FaultKind>();
  /** The card readers that cannot be read now, by name, oldest first. */
  private readonly failingReaders = new Set<string>();

  constructor(private readonly options: ConnectorStatuses16Options) {}

  /** Takes in what the core says of its connectors and faults. */
  observe(e: StationEvent): void {
    if (e.type === 'FaultChanged' && e.evseId === undefined) {
      if (e.active) this.stationFaults.add(e.fault);
      else this.stationFaults.delete(e.fault);
    }
    if (e.type === 'ConnectorStatusChanged') this.coreStatus.set(`${e.evseId}/${e.connectorId}`, e.status);
    if (e.type === 'DeviceProblemChanged' && e.device === 'token-reader') {
      if (e.active) this.failingReaders.add(e.name);
      else this.failingReaders.delete(e.name);
    }
  }

  /** A transaction ended on the connector: Finishing until the cable leaves, when it is still plugged in (4.9). */
  transactionEnded(connectorId16: number, evseId: number, connectorId: number | undefined): void {
    const evse = this.options.station.evse(evseId);
    if (evse?.connectors.some((c) => c.connectorId === connectorId && c.inputs.plugged)) this.finishing.add(connectorId16);
  }

  /** The 1.6 status of a connector now (0: the Charge Point). */
  statusOf(n: number): Status16Report {
    const { station } = this.options;
    if (n === 0) {
      const fault = [...this.stationFaults][0];
      if (fault) return status16({ status: 'Faulted', chargingState: 'Idle', plugged: false, faults: [fault], meterFailed: false, authorized: false, transaction: false, finishing: false });
      // Unavailable once the change has happened: a ChangeAvailability of connector 0 answered
      // Scheduled waits for the transactions to end (5.2), and so does the status.
      const operative = station.stationOperative || station.evses.some((e) => e.isOperative);
      const status: Status16 = operative ? 'Available' : 'Unavailable';
      // 7.6 ReaderFailure: "Failure with idTag reader"; a warning on the Charge Point
      // that faults nothing (charging goes on by remote start or another reader). info names it.
      const reader = [...this.failingReaders][0];
      if (reader !== undefined) return { status, errorCode: 'ReaderFailure', info: reader.slice(0, 50) };
      return { status, errorCode: 'NoError' };
    }
    const where = this.options.numbering.fromOcpp16(n)!;
    const evse = station.evse(where.evseId)!;
    const connector = evse.connectors.find((c) => c.connectorId === where.connectorId)!;
    const view = connector.view;
    const inputs = connector.inputs;
    const tx = evse.transaction;
    const session = evse.authorizedBy;
    const onThis = (id: number | undefined): boolean => (id === undefined ? evse.connectors.length === 1 || inputs.plugged : id === where.connectorId);
    if (!inputs.plugged) this.finishing.delete(n);
    if (session) this.finishing.delete(n);
    // A transaction that is ending (its final reading on the way) is no longer the EVSE's
    // transaction, nor yet ended: the connector is Finishing already, the vehicle gone or not.
    const ending = evse.busy && !tx && (inputs.plugged || this.options.transactionOn(n));
    const stopUndelivered = !inputs.plugged && !session && this.options.stopUndeliveredOn(n);
    return status16({
      // The core's reported status: it keeps a connector that becomes Unavailable once its
      // transaction ends from showing Available in between (4.9 C8).
      status: this.coreStatus.get(`${where.evseId}/${where.connectorId}`) ?? view.status,
      chargingState: view.chargingState,
      plugged: inputs.plugged,
      faults: inputs.faults,
      meterFailed: inputs.meter === 'failed',
      authorized: session !== undefined && onThis(session.connectorId),
      transaction: tx !== undefined && onThis(tx.connectorId),
      finishing: this.finishing.has(n) || ending || stopUndelivered,
    });
  }
}
