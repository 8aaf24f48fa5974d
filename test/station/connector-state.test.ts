import assert from 'node:assert/strict';
import {
  deriveConnector,
  initialConnectorInputs,
  reduceConnector,
  type ConnectorEvent,
  type ConnectorInputs,
} from '../../src/station/connector-state.js';

/**
 * The connector reducer, table-driven: every event from the states that matter, with the status,
 * charging state and relay decision that must follow.
 */

const idle: ConnectorInputs = { ...initialConnectorInputs(32), meter: 'ok' };
const plugged: ConnectorInputs = { ...idle, plugged: true };
const charging: ConnectorInputs = { ...plugged, authorized: true };
const suspendedEv: ConnectorInputs = { ...charging, evSuspended: true };
const pilotB: ConnectorInputs = { ...initialConnectorInputs(32, true, true), meter: 'ok', plugged: true, authorized: true, evSuspended: true };

type Row = [name: string, from: ConnectorInputs, event: ConnectorEvent, status: string, chargingState: string, relay: boolean];

const rows: Row[] = [
  // plug and unplug
  ['plug in at an idle connector', idle, { type: 'Plugged' }, 'Occupied', 'EVConnected', false],
  ['plug in while authorized (token first)', { ...idle, authorized: true }, { type: 'Plugged' }, 'Occupied', 'Charging', true],
  ['unplug while charging', charging, { type: 'Unplugged' }, 'Available', 'Idle', false],
  ['unplug while the EV paused', suspendedEv, { type: 'Unplugged' }, 'Available', 'Idle', false],
  ['unplug at a reserved connector', { ...plugged, reserved: true }, { type: 'Unplugged' }, 'Reserved', 'Idle', false],
  ['plug in at an inoperative connector', { ...idle, operative: false }, { type: 'Plugged' }, 'Unavailable', 'EVConnected', false],
  // authorization
  ['authorized with a vehicle plugged in', plugged, { type: 'Authorized' }, 'Occupied', 'Charging', true],
  ['authorized without a vehicle', idle, { type: 'Authorized' }, 'Available', 'Idle', false],
  ['authorization ends while charging', charging, { type: 'AuthorizationEnded' }, 'Occupied', 'EVConnected', false],
  ['authorization ends while the EV paused', suspendedEv, { type: 'AuthorizationEnded' }, 'Occupied', 'EVConnected', false],
  // the EV
  ['EV suspends while charging', charging, { type: 'EvSuspended' }, 'Occupied', 'SuspendedEV', true],
  ['EV resumes', suspendedEv, { type: 'EvReady' }, 'Occupied', 'Charging', true],
  ['EV suspend without a vehicle is ignored', idle, { type: 'EvSuspended' }, 'Available', 'Idle', false],
  // faults
  ['emergency stop while charging', charging, { type: 'FaultRaised', fault: 'emergency-stop' }, 'Faulted', 'SuspendedEVSE', false],
  ['fault at an idle connector', idle, { type: 'FaultRaised', fault: 'rcd-trip' }, 'Faulted', 'Idle', false],
  ['fault clears while authorized', { ...charging, faults: ['emergency-stop'] }, { type: 'FaultCleared', fault: 'emergency-stop' }, 'Occupied', 'Charging', true],
  ['one of two faults clears', { ...charging, faults: ['emergency-stop', 'rcd-trip'] }, { type: 'FaultCleared', fault: 'rcd-trip' }, 'Faulted', 'SuspendedEVSE', false],
  ['fault at an inoperative connector', { ...idle, operative: false }, { type: 'FaultRaised', fault: 'overcurrent' }, 'Faulted', 'Idle', false],
  // availability
  ['inoperative while charging', charging, { type: 'AvailabilityChanged', operative: false }, 'Unavailable', 'SuspendedEVSE', false],
  ['inoperative when idle', idle, { type: 'AvailabilityChanged', operative: false }, 'Unavailable', 'Idle', false],
  ['operative again', { ...idle, operative: false }, { type: 'AvailabilityChanged', operative: true }, 'Available', 'Idle', false],
  ['operative again with a vehicle waiting, authorized', { ...charging, operative: false }, { type: 'AvailabilityChanged', operative: true }, 'Occupied', 'Charging', true],
  // reservation
  ['reservation placed', idle, { type: 'ReservationPlaced' }, 'Reserved', 'Idle', false],
  ['reservation ended', { ...idle, reserved: true }, { type: 'ReservationEnded' }, 'Available', 'Idle', false],
  // 2.0.1 G01.FR.09 (errata 2.28): a plug-in alone does not change a Reserved connector.
  ['G01.FR.09 reserved connector, a vehicle plugs in', { ...idle, reserved: true }, { type: 'Plugged' }, 'Reserved', 'EVConnected', false],
  ['G01.FR.09 reserved connector with a vehicle, an authorization reaches it', { ...plugged, reserved: true }, { type: 'Authorized' }, 'Occupied', 'Charging', true],
  // meter
  ['meter fails while charging', charging, { type: 'MeterFailed' }, 'Faulted', 'SuspendedEVSE', false],
  ['meter recovers', { ...charging, meter: 'failed' }, { type: 'MeterRecovered' }, 'Occupied', 'Charging', true],
  ['no energy before the first reading', { ...charging, meter: 'unknown' }, { type: 'EvReady' }, 'Occupied', 'SuspendedEVSE', false],
  ['the first reading arrives', { ...charging, meter: 'unknown' }, { type: 'MeterRecovered' }, 'Occupied', 'Charging', true],
  // current limit
  ['current limit to zero', charging, { type: 'CurrentLimitChanged', amps: 0 }, 'Occupied', 'SuspendedEVSE', false],
  ['current limit back', { ...charging, currentLimitA: 0 }, { type: 'CurrentLimitChanged', amps: 16 }, 'Occupied', 'Charging', true],
  // the other connector of the EVSE
  ['sibling in use while idle', idle, { type: 'SiblingInUse', inUse: true }, 'Unavailable', 'Idle', false],
  ['sibling in use while plugged and authorized', charging, { type: 'SiblingInUse', inUse: true }, 'Occupied', 'SuspendedEVSE', false],
  ['sibling done', { ...idle, siblingInUse: true }, { type: 'SiblingInUse', inUse: false }, 'Available', 'Idle', false],
  // a cable lock that reports back: no energy until it holds
  ['lock not yet holding', { ...charging, cableLocked: false }, { type: 'EvReady' }, 'Occupied', 'SuspendedEVSE', false],
  ['lock reports holding', { ...charging, cableLocked: false }, { type: 'LockFeedback', locked: true }, 'Occupied', 'Charging', true],
  // with a control pilot (IEC 61851-1): the relay closes only in state C
  ['pilot: vehicle in B, authorized', pilotB, { type: 'Authorized' }, 'Occupied', 'SuspendedEV', false],
  ['pilot: vehicle goes to C', pilotB, { type: 'EvReady' }, 'Occupied', 'Charging', true],
  ['pilot: vehicle back to B', { ...pilotB, evSuspended: false }, { type: 'EvSuspended' }, 'Occupied', 'SuspendedEV', false],
  ['pilot: limit below 6 A pauses', { ...pilotB, evSuspended: false }, { type: 'CurrentLimitChanged', amps: 5 }, 'Occupied', 'SuspendedEVSE', false],
];

/** With a pilot, what is offered: the lowest of limit and cable rating, none below 6 A or while the EVSE is not ready. */
const offers: Array<[name: string, inputs: ConnectorInputs, amps: number]> = [
  ['the EVSE limit', pilotB, 32],
  ['the cable rating below it', { ...pilotB, cableRatingA: 13 }, 13],
  ['a lower limit', { ...pilotB, cableRatingA: 20, currentLimitA: 16 }, 16],
  ['below 6 A: none', { ...pilotB, currentLimitA: 5.9 }, 0],
  ['not authorized: none', { ...pilotB, authorized: false }, 0],
  ['a fault: none', { ...pilotB, faults: ['vehicle'] }, 0],
  ['without a pilot a low limit is still offered', { ...charging, currentLimitA: 5 }, 5],
];

describe('connector state machine (pure reducer)', () => {
  for (const [name, from, event, status, chargingState, relay] of rows) {
    it(`${name}: ${event.type} -> ${status} / ${chargingState} / relay ${relay ? 'closed' : 'open'}`, () => {
      const before = JSON.stringify(from);
      const next = reduceConnector(from, event);
      assert.equal(JSON.stringify(from), before, 'the reducer must not mutate its input');
      const view = deriveConnector(next);
      assert.deepEqual({ status: view.status, chargingState: view.chargingState, relayClosed: view.relayClosed }, { status, chargingState, relayClosed: relay });
    });
  }
  for (const [name, inputs, amps] of offers) {
    it(`offered current: ${name} -> ${amps} A`, () => {
      assert.equal(deriveConnector(inputs).offeredCurrentA, amps);
    });
  }

  it('returns the same object when an event changes nothing (no spurious notifications)', () => {
    for (const e of [{ type: 'Unplugged' }, { type: 'AuthorizationEnded' }, { type: 'EvReady' }, { type: 'ReservationEnded' }] as ConnectorEvent[]) {
      assert.equal(reduceConnector(idle, e), idle, e.type);
    }
    assert.equal(reduceConnector(charging, { type: 'Authorized' }), charging);
    assert.equal(reduceConnector({ ...idle, faults: ['rcd-trip'] }, { type: 'FaultRaised', fault: 'rcd-trip' }).faults.length, 1);
  });

  it('closes the relay only when every condition holds, whatever the order of events', () => {
    // All permutations of the five enabling events: the relay closes only after the last one.
    const enabling: ConnectorEvent[] = [
      { type: 'Plugged' },
      { type: 'Authorized' },
      { type: 'MeterRecovered' },
      { type: 'AvailabilityChanged', operative: true },
      { type: 'CurrentLimitChanged', amps: 16 },
    ];
    const start: ConnectorInputs = { ...initialConnectorInputs(0, false) };
    const permute = (xs: ConnectorEvent[]): ConnectorEvent[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permute([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    let count = 0;
    for (const order of permute(enabling)) {
      let s = start;
      order.forEach((e, i) => {
        s = reduceConnector(s, e);
        assert.equal(deriveConnector(s).relayClosed, i === order.length - 1, `${order.map((o) => o.type).join(',')} at ${i}`);
      });
      // And any single disabling event opens it again.
      for (const off of [
        { type: 'Unplugged' },
        { type: 'AuthorizationEnded' },
        { type: 'MeterFailed' },
        { type: 'AvailabilityChanged', operative: false },
        { type: 'CurrentLimitChanged', amps: 0 },
        { type: 'FaultRaised', fault: 'contactor-welded' },
        { type: 'SiblingInUse', inUse: true },
      ] as ConnectorEvent[]) {
        assert.equal(deriveConnector(reduceConnector(s, off)).relayClosed, false, off.type);
      }
      count++;
    }
    assert.equal(count, 120);
  });
});
