import { relayMayClose } from './connector-state.js';
import { dispatch, viewOf, type Draft } from './evse-draft.js';
import { setOwnFault } from './evse-faults.js';
import { plugChanged } from './evse-plug.js';
import type { Cause, EvseState } from './evse-state.js';
import { evaluate } from './evse-step.js';
import type { PilotReport } from './types.js';

/**
 * The control pilot's side of a decision (IEC 61851-1): what the vehicle's state says about the
 * plug, the vehicle's demand and faults; the current offered; and the current reduction before
 * the contactor opens under load. The pilot serves the EVSE's one connector (index 0).
 */

const PILOT_CONNECTOR = 0;

/** The board read something new: A unplugged, B connected, C (D with ventilation) asking for energy, E/F faults. */
export function pilotChanged(d: Draft, report: PilotReport): void {
  const p = d.s.pilot;
  if (!p) return;
  const first = p.vehicleState === undefined;
  p.vehicleState = report.vehicleState;
  p.boardErrors = [...report.boardErrors];
  dispatch(d, PILOT_CONNECTOR, { type: 'CableRatingChanged', amps: report.cableRatingA });
  syncPilotFaults(d);
  const state = report.vehicleState;
  const c = d.s.connectors[PILOT_CONNECTOR]!;
  // E and F say nothing about the cable: the plug stays as last seen.
  const plugged = state === 'A' ? false : state === 'E' || state === 'F' ? c.plugged : true;
  const plugChanging = plugged !== c.plugged;
  if (plugChanging) plugChanged(d, PILOT_CONNECTOR, plugged, first);
  if (plugged && state !== 'E' && state !== 'F') {
    // State D asks for ventilation: refused (and a fault, see syncPilotFaults) unless it is fitted.
    const asks = state === 'C' || (state === 'D' && d.s.config.pilot!.ventilation);
    dispatch(d, PILOT_CONNECTOR, { type: asks ? 'EvReady' : 'EvSuspended' });
  }
  // A plug change is evaluated as its own input (PlugSettled).
  if (!plugChanging) evaluate(d, { trigger: 'ChargingStateChanged' });
}

/** The board stopped answering (failure says why) or answers again. */
export function pilotHealth(d: Draft, failure: string | undefined): void {
  const p = d.s.pilot;
  if (!p || p.failure === failure) return;
  p.failure = failure;
  syncPilotFaults(d);
}

/** The faults the pilot shows, raised and cleared as what the board reads changes. */
function syncPilotFaults(d: Draft): void {
  const p = d.s.pilot!;
  const state = p.failure === undefined ? p.vehicleState : undefined;
  const ownErrors = p.boardErrors.filter((e) => e !== 'diode-check');
  let vehicle: string | undefined;
  if (state === 'E') vehicle = 'the control pilot reads state E (no pilot voltage: shorted, or a vehicle error)';
  else if (p.failure === undefined && p.boardErrors.includes('diode-check')) vehicle = "the vehicle's diode check failed (state F)";
  else if (state === 'F' && ownErrors.length === 0) vehicle = 'the control pilot reads state F';
  setOwnFault(d, 'vehicle', vehicle);
  const board =
    p.failure !== undefined
      ? `the pilot board does not answer: ${p.failure}`
      : ownErrors.length > 0
        ? `the pilot board reports ${ownErrors.join(', ')} (state ${state ?? '?'})`
        : undefined;
  setOwnFault(d, 'pilot', board);
  const refused = state === 'D' && !d.s.config.pilot!.ventilation ? 'the vehicle asks for ventilation (state D); none is fitted' : undefined;
  setOwnFault(d, 'ventilation', refused);
}

/** Whether the relay is held closed for a current reduction (see PilotState.release). */
export const relayHeld = (s: EvseState, index: number): boolean => index === PILOT_CONNECTOR && s.pilot?.release !== undefined;

/**
 * IEC 61851-1: a stop that is no fault first takes the offer to 0 A and gives the vehicle
 * releaseTimeoutMs to stop drawing (to leave C) before the contactor opens under load. Faults, a
 * failed meter and a board that does not answer open at once. Returns the cause the rest of the
 * evaluation goes on with: the one that asked for the stop, once the hold ends.
 */
export function holdPilotRelease(d: Draft, cause: Cause): Cause {
  const s = d.s;
  const p = s.pilot;
  if (!p) return cause;
  const c = s.connectors[PILOT_CONNECTOR]!;
  const mustOpen = s.contactors[PILOT_CONNECTOR]!.coil && !relayMayClose(c);
  const drawing = c.plugged && !c.evSuspended;
  const quiet = c.faults.length === 0 && c.meter !== 'failed' && p.failure === undefined;
  const hold = mustOpen && drawing && quiet;
  const release = p.release;
  if (release) {
    if (hold && !release.expired) return cause;
    if (!release.expired) d.out.push({ type: 'CancelTimer', name: 'pilot-release' });
    p.release = undefined;
    return mustOpen ? release.cause : cause;
  }
  if (hold) {
    p.release = { cause, expired: false };
    d.out.push({ type: 'ArmTimer', name: 'pilot-release', ms: s.config.pilot!.releaseTimeoutMs });
  }
  return cause;
}

/** The vehicle did not leave C in time: the contactor opens anyway. */
export function pilotReleaseTimeUp(d: Draft): void {
  const release = d.s.pilot?.release;
  if (!release) return;
  release.expired = true;
  evaluate(d, release.cause);
}

/** Tells the board the current to offer when it changed: 0 while a reduction is held, else what the connector allows. */
export function offerCurrent(d: Draft): void {
  const p = d.s.pilot;
  if (!p || d.s.closed) return;
  const amps = p.release ? 0 : viewOf(d.s, PILOT_CONNECTOR).offeredCurrentA;
  if (amps === p.offeredA) return;
  d.out.push({ type: 'OfferCurrent', amps, lower: amps < p.offeredA });
  p.offeredA = amps;
}
