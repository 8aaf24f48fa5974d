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
  /**
   * A firmware install waits for the running transactions and this EVSE is not in use: shown
   * Unavailable until the install (OCPP 2.0.1 L01.FR.07, 1.6 security whitepaper L01.FR.07/19).
   * Not the availability set by the CSMS (operative): nothing of it is kept.
   */
  firmwareHold: boolean;
  /**
   * A control pilot says what the vehicle does: it draws only in state C (or D), so evSuspended
   * (state B) keeps the relay open (IEC 61851-1), and the offer is at least 6 A or none.
   */
  pilot: boolean;
  /** The cable's rating from the proximity pilot, A: the offer never exceeds it. */
  cableRatingA?: number;
  /** The cable lock's feedback: true while it holds the cable; undefined when no feedback is wired. */
  cableLocked?: boolean;
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
  | { type: 'SiblingInUse'; inUse: boolean }
  | { type: 'FirmwareHold'; held: boolean }
  | { type: 'CableRatingChanged'; amps?: number }
  | { type: 'LockFeedback'; locked: boolean };

export interface ConnectorView {
  status: ConnectorStatus;
  chargingState: ChargingState;
  /** The relay may be closed: every condition for energy is met. */
  relayClosed: boolean;
  /** The EVSE offers energy: every condition on its side is met (the vehicle may still not take it). */
  evseReady: boolean;
  /** The current offered to the vehicle now, A (0: none). */
  offeredCurrentA: number;
}

/** IEC 61851-1: the least current a PWM duty cycle can offer; below it a pilot offers none. */
export const MIN_PILOT_CURRENT_A = 6;

export function initialConnectorInputs(currentLimitA: number, operative = true, pilot = false): ConnectorInputs {
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
    firmwareHold: false,
    pilot,
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
    case 'FirmwareHold':
      return s.firmwareHold === e.held ? s : { ...s, firmwareHold: e.held };
    case 'CableRatingChanged':
      return s.cableRatingA === e.amps ? s : { ...s, cableRatingA: e.amps };
    case 'LockFeedback':
      return s.cableLocked === e.locked ? s : { ...s, cableLocked: e.locked };
  }
}

/** What may be offered: the limit, capped by the cable's rating; with a pilot, below 6 A nothing. */
export function offerableCurrentA(s: ConnectorInputs): number {
  const amps = Math.min(s.currentLimitA, s.cableRatingA ?? Infinity);
  return s.pilot && amps < MIN_PILOT_CURRENT_A ? 0 : amps;
}

/**
 * The EVSE offers energy only while a vehicle is plugged in, authorized, the connector operative,
 * no fault active, the meter healthy (no energy without measuring it), a current above 0 to offer
 * and, where a lock reports back, the cable locked.
 */
export function evseReady(s: ConnectorInputs): boolean {
  return (
    s.plugged && s.authorized && s.operative && s.faults.length === 0 && s.meter === 'ok' && offerableCurrentA(s) > 0 && !s.siblingInUse && s.cableLocked !== false
  );
}

/** The relay closes while the EVSE offers energy, and, with a pilot, the vehicle asks for it (state C/D). */
export function relayMayClose(s: ConnectorInputs): boolean {
  return evseReady(s) && !(s.pilot && s.evSuspended);
}

export function deriveConnector(s: ConnectorInputs): ConnectorView {
  const ready = evseReady(s);
  const relayClosed = ready && !(s.pilot && s.evSuspended);
  let status: ConnectorStatus;
  // A meter that stopped answering is a fault: the station cannot sell energy it cannot measure.
  if (s.faults.length > 0 || s.meter === 'failed') status = 'Faulted';
  else if (!s.operative || s.firmwareHold || (s.siblingInUse && !s.plugged)) status = 'Unavailable';
  // 2.0.1 G01.FR.09 (errata): a vehicle plugged into a reserved connector changes nothing until the
  // reservation's driver is authorized (the reservation is then used, and no longer held).
  else if (s.reserved && !s.authorized) status = 'Reserved';
  else if (s.plugged) status = 'Occupied';
  else status = 'Available';
  let chargingState: ChargingState;
  if (!s.plugged) chargingState = 'Idle';
  else if (!s.authorized) chargingState = 'EVConnected';
  else if (!ready) chargingState = 'SuspendedEVSE';
  else chargingState = s.evSuspended ? 'SuspendedEV' : 'Charging';
  return { status, chargingState, relayClosed, evseReady: ready, offeredCurrentA: ready ? offerableCurrentA(s) : 0 };
}
