import assert from 'node:assert/strict';
import { isTrippingFault, mayAuthorize, nextTripLatch, NOT_TRIPPED, TRIP_STOP_REASONS, type ResumeAfterTrip, type TripEvent, type TripLatch } from '../../src/station/trip-latch.js';
import type { FaultKind } from '../../src/station/types.js';

/** After a safety trip energy comes back only after a deliberate act: the pure rules. */

const run = (events: TripEvent[], from: TripLatch = NOT_TRIPPED, rule?: ResumeAfterTrip): TripLatch => events.reduce((l, e) => nextTripLatch(l, e, rule), from);
const TRIPPING: FaultKind[] = ['emergency-stop', 'rcd-trip', 'overcurrent', 'contactor-failed', 'contactor-welded'];

describe('trip latch (pure rules)', () => {
  it('every fault that ends the transaction at once latches; the meter fault does not', () => {
    for (const fault of TRIPPING) {
      assert.ok(isTrippingFault(fault), fault);
      assert.deepEqual(run([{ type: 'FaultRaised', fault }]), { tripped: true, cause: fault });
    }
    assert.equal(isTrippingFault('meter'), false);
    assert.deepEqual(run([{ type: 'FaultRaised', fault: 'meter' }]), NOT_TRIPPED);
    assert.deepEqual(Object.keys(TRIP_STOP_REASONS).sort(), [...TRIPPING].sort());
  });

  it('releasing the input is no act: nothing but an unplug or a new authorization unlatches', () => {
    const tripped = run([{ type: 'FaultRaised', fault: 'emergency-stop' }]);
    // The input's release is not an event of the latch at all: still tripped.
    assert.equal(tripped.tripped, true);
    assert.equal(run([{ type: 'VehicleLeft', trippingFaultActive: false }], tripped).tripped, false);
    assert.equal(run([{ type: 'Authorized', by: 'token', trippingFaultActive: false }], tripped).tripped, false);
    assert.equal(run([{ type: 'Authorized', by: 'remote', trippingFaultActive: false }], tripped).tripped, false);
  });

  it('free charging\'s automatic authorization is no deliberate act: only the unplug unlatches in free mode', () => {
    const tripped = run([{ type: 'FaultRaised', fault: 'rcd-trip' }]);
    assert.equal(run([{ type: 'Authorized', by: 'free', trippingFaultActive: false }], tripped).tripped, true);
    assert.equal(mayAuthorize(tripped, 'free', false), false);
    assert.equal(mayAuthorize(NOT_TRIPPED, 'free', false), true);
  });

  it('an act while the tripping fault is still active does not count: it must come after the release', () => {
    const tripped = run([{ type: 'FaultRaised', fault: 'emergency-stop' }]);
    assert.equal(run([{ type: 'VehicleLeft', trippingFaultActive: true }], tripped).tripped, true);
    assert.equal(run([{ type: 'VehicleArrived', trippingFaultActive: true }], tripped).tripped, true);
    assert.equal(run([{ type: 'Authorized', by: 'token', trippingFaultActive: true }], tripped).tripped, true);
    for (const by of ['token', 'remote', 'free'] as const) assert.equal(mayAuthorize(NOT_TRIPPED, by, true), false, by);
  });

  it('safety.resumeAfterTrip "replug": only the unplug unlatches; no authorization is granted while latched', () => {
    const tripped = run([{ type: 'FaultRaised', fault: 'emergency-stop' }], NOT_TRIPPED, 'replug');
    for (const by of ['token', 'remote', 'free'] as const) {
      assert.equal(mayAuthorize(tripped, by, false, 'replug'), false, by);
      assert.equal(run([{ type: 'Authorized', by, trippingFaultActive: false }], tripped, 'replug').tripped, true, by);
    }
    const left = run([{ type: 'VehicleLeft', trippingFaultActive: false }], tripped, 'replug');
    assert.equal(left.tripped, false);
    assert.equal(mayAuthorize(left, 'token', false, 'replug'), true);
  });

  it('a vehicle plugged in after the release (it had left while the stop was pressed) unlatches: unplug and plug in again, in that order', () => {
    const tripped = run([{ type: 'FaultRaised', fault: 'emergency-stop' }, { type: 'VehicleLeft', trippingFaultActive: true }]);
    assert.equal(tripped.tripped, true);
    assert.equal(run([{ type: 'VehicleArrived', trippingFaultActive: false }], tripped).tripped, false);
    assert.equal(run([{ type: 'VehicleArrived', trippingFaultActive: false }], tripped, 'replug').tripped, false);
  });

  it('a driver\'s token or a remote start may authorize a tripped EVSE once the fault is gone', () => {
    const tripped = run([{ type: 'FaultRaised', fault: 'overcurrent' }]);
    assert.equal(mayAuthorize(tripped, 'token', false), true);
    assert.equal(mayAuthorize(tripped, 'remote', false), true);
  });
});
