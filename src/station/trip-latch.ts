import type { FaultKind, StopReason } from './types.js';

/**
 * After a safety trip, energy must not come back by itself. These are the rules, as pure
 * functions; each EVSE keeps one latch and applies them.
 *
 * A trip latches the EVSE. Releasing the input (or clearing the fault) does not unlatch it; only a
 * deliberate act done once no tripping fault is active does: the vehicle leaving (unplugged), or,
 * unless the installer chose `replug` (safety.resumeAfterTrip), a new authorization by someone (a
 * card, from the CSMS or the local list or cache; a remote start). Free charging's automatic
 * authorization is never such an act: in free mode only unplugging and plugging in again brings
 * energy back.
 */

/** What counts as the deliberate act: a new authorization or an unplug, or only an unplug. */
export type ResumeAfterTrip = 'authorization' | 'replug';

/** Faults that end the transaction at once, whatever the stop points, and latch the EVSE: the reason each ends it with. */
export const TRIP_STOP_REASONS: Readonly<Partial<Record<FaultKind, StopReason>>> = {
  'emergency-stop': 'EmergencyStop',
  'rcd-trip': 'GroundFault',
  overcurrent: 'OvercurrentFault',
  'contactor-welded': 'Other',
  'contactor-failed': 'Other',
};

export const isTrippingFault = (fault: FaultKind): boolean => TRIP_STOP_REASONS[fault] !== undefined;

/** Who authorized: a driver's token (CSMS, local list, cache), a remote start, or free charging (automatic). */
export type AuthorizingAct = 'token' | 'remote' | 'free';

export interface TripLatch {
  readonly tripped: boolean;
  /** The fault that latched it last. */
  readonly cause?: FaultKind;
}

export const NOT_TRIPPED: TripLatch = { tripped: false };

export type TripEvent =
  | { type: 'FaultRaised'; fault: FaultKind }
  /** No connector of the EVSE has a vehicle plugged in any more. */
  | { type: 'VehicleLeft'; trippingFaultActive: boolean }
  /** A vehicle was plugged into an EVSE that had none plugged in. */
  | { type: 'VehicleArrived'; trippingFaultActive: boolean }
  | { type: 'Authorized'; by: AuthorizingAct; trippingFaultActive: boolean };

/** Whether an authorization is a deliberate act that releases the latch: never free charging's, and none under `replug`. */
const releases = (by: AuthorizingAct, rule: ResumeAfterTrip): boolean => by !== 'free' && rule === 'authorization';

export function nextTripLatch(latch: TripLatch, event: TripEvent, rule: ResumeAfterTrip = 'authorization'): TripLatch {
  switch (event.type) {
    case 'FaultRaised':
      return isTrippingFault(event.fault) ? { tripped: true, cause: event.fault } : latch;
    case 'VehicleLeft':
      // Leaving while the stop is still pressed is no act after the trip: it must come after release.
      return latch.tripped && !event.trippingFaultActive ? NOT_TRIPPED : latch;
    case 'VehicleArrived':
      // Plugging in after the release (the vehicle had left while the stop was pressed) is the
      // "plug in again" half of unplug-and-replug: without it such a driver would have to do it twice.
      return latch.tripped && !event.trippingFaultActive ? NOT_TRIPPED : latch;
    case 'Authorized':
      return latch.tripped && !event.trippingFaultActive && releases(event.by, rule) ? NOT_TRIPPED : latch;
  }
}

/**
 * Whether an authorization may be granted now. None while a tripping fault is active (it would
 * close the relay the moment the input is released); while latched, none by free charging, and
 * under `replug` none at all.
 */
export function mayAuthorize(latch: TripLatch, by: AuthorizingAct, trippingFaultActive: boolean, rule: ResumeAfterTrip = 'authorization'): boolean {
  if (trippingFaultActive) return false;
  if (!latch.tripped) return true;
  return releases(by, rule);
}
