import type { ChargingState, ConnectorStatus, FaultKind } from './types.js';

/**
 * A connector's state machine as a pure function: events reduce to inputs, and the status, the
 * charging state and whether the relay may be closed are derived from the inputs, never stored.
 */

export interface ConnectorInputs {
  plugged: boolean;
  /** The EVSE's authorization applies to this connector. */
  authorized: boolean;
  /** The EV takes no energy although offered (it paused or is full). */
  evSuspended: boolean;
  /** Active faults, sorted, without repeats. */
  faults: readonly FaultKind[];
  /** unknown until the first good reading: no energy is offered without a meter to measure it. */
  meter: 'unknown' | 'ok' | 'failed';
  /** Operative per the availability set at station, EVSE and connector level. */
  operative: boolean;
  reserved: boolean;
  /** The current the EVSE may offer; 0 suspends charging. */
  currentLimitA: number;
  /** Another connector of the same EVSE is in use: one EVSE charges one vehicle at a time. */
  siblingInUse: boolean;
}

export type ConnectorEvent =
  | { type: 'Plugged' }
  | { type: 'Unplugged' }
  | { type: 'Authorized' }
  | { type: 'AuthorizationEnded' }
  | { type: 'EvReady' }
  | { type: 'EvSuspended' }
  | { type: 'FaultRaised'; fault: FaultKind }
  | { type: 'FaultCleared'; fault: FaultKind }
  | { type: 'AvailabilityChanged'; operative: boolean }
  | { type: 'ReservationPlaced' }
  | { type: 'ReservationEnded' }
  | { type: 'MeterFailed' }
  /** Also the first good reading after start. */
  | { type: 'MeterRecovered' }
  | { type: 'CurrentLimitChanged'; amps: number }
  | { type: 'SiblingInUse'; inUse: boolean };

export interface ConnectorView {
  status: ConnectorStatus;
  chargingState: ChargingState;
  /** The relay may be closed: every condition for energy is met. */
  relayClosed: boolean;
}

export function initialConnectorInputs(currentLimitA: number, operative = true): ConnectorInputs {
  return {
    plugged: false,
    authorized: false,
    evSuspended: false,
    faults: [],
    meter: 'unknown',
    operative,
    reserved: false,
    currentLimitA,
    siblingInUse: false,
  };
}

export function reduceConnector(s: ConnectorInputs, e: ConnectorEvent): ConnectorInputs {
  switch (e.type) {
    case 'Plugged':
      return s.plugged ? s : { ...s, plugged: true, evSuspended: false };
    case 'Unplugged':
      // Whatever the EV said goes with it.
      return s.plugged ? { ...s, plugged: false, evSuspended: false } : s;
    case 'Authorized':
      return s.authorized ? s : { ...s, authorized: true };
    case 'AuthorizationEnded':
      return s.authorized ? { ...s, authorized: false, evSuspended: false } : s;
    case 'EvReady':
      return s.evSuspended ? { ...s, evSuspended: false } : s;
    case 'EvSuspended':
      // Only a connected EV can pause.
      return s.plugged && !s.evSuspended ? { ...s, evSuspended: true } : s;
    case 'FaultRaised':
      return s.faults.includes(e.fault) ? s : { ...s, faults: [...s.faults, e.fault].sort() };
    case 'FaultCleared':
      return s.faults.includes(e.fault) ? { ...s, faults: s.faults.filter((f) => f !== e.fault) } : s;
    case 'AvailabilityChanged':
      return s.operative === e.operative ? s : { ...s, operative: e.operative };
    case 'ReservationPlaced':
      return s.reserved ? s : { ...s, reserved: true };
    case 'ReservationEnded':
      return s.reserved ? { ...s, reserved: false } : s;
    case 'MeterFailed':
      return s.meter === 'failed' ? s : { ...s, meter: 'failed' };
    case 'MeterRecovered':
      return s.meter === 'ok' ? s : { ...s, meter: 'ok' };
    case 'CurrentLimitChanged':
      return s.currentLimitA === e.amps ? s : { ...s, currentLimitA: Math.max(0, e.amps) };
    case 'SiblingInUse':
      return s.siblingInUse === e.inUse ? s : { ...s, siblingInUse: e.inUse };
  }
}

/**
 * The relay closes only while a vehicle is plugged in, authorized, the connector operative, no
 * fault active, the meter healthy (no energy without measuring it) and the current limit above 0.
 */
export function relayMayClose(s: ConnectorInputs): boolean {
  return s.plugged && s.authorized && s.operative && s.faults.length === 0 && s.meter === 'ok' && s.currentLimitA > 0 && !s.siblingInUse;
}

export function deriveConnector(s: ConnectorInputs): ConnectorView {
  const relayClosed = relayMayClose(s);
  let status: ConnectorStatus;
  // A meter that stopped answering is a fault: the station cannot sell energy it cannot measure.
  if (s.faults.length > 0 || s.meter === 'failed') status = 'Faulted';
  else if (!s.operative || (s.siblingInUse && !s.plugged)) status = 'Unavailable';
  // 2.0.1 G01.FR.09 (errata): a vehicle plugged into a reserved connector changes nothing until the
  // reservation's driver is authorized (the reservation is then used, and no longer held).
  else if (s.reserved && !s.authorized) status = 'Reserved';
  else if (s.plugged) status = 'Occupied';
  else status = 'Available';
  let chargingState: ChargingState;
  if (!s.plugged) chargingState = 'Idle';
  else if (!s.authorized) chargingState = 'EVConnected';
  else if (!relayClosed) chargingState = 'SuspendedEVSE';
  else chargingState = s.evSuspended ? 'SuspendedEV' : 'Charging';
  return { status, chargingState, relayClosed };
}
