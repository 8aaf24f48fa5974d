import { anyPlugged, dispatch, publishChanged, updateTripLatch, type Draft } from './evse-draft.js';
import { trippingFaultActive } from './evse-session.js';

/**
 * A plug changed (plug detect, or the control pilot leaving or reaching state A). The connector's
 * new state is published first and the evaluation follows as its own input (PlugSettled): free
 * charging authorizes on the status a plug causes, and that authorization is decided before the
 * plug's evaluation, as a driver's card would have been.
 */
export function plugChanged(d: Draft, index: number, plugged: boolean, initial: boolean): void {
  if (d.s.connectors[index]!.plugged === plugged) return;
  // The first reading is how the cable was found at start, not a vehicle arriving.
  if (plugged && !initial && !anyPlugged(d.s)) {
    d.s.vehicleArrivals++;
    updateTripLatch(d, { type: 'VehicleArrived', trippingFaultActive: trippingFaultActive(d.s) });
  }
  dispatch(d, index, { type: plugged ? 'Plugged' : 'Unplugged' });
  publishChanged(d);
  d.out.push({ type: 'Then', input: { type: 'PlugSettled', plugged } });
}
