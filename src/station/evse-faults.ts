import { dispatchAll, emit, updateTripLatch, type Draft } from './evse-draft.js';
import { forceStop } from './evse-session.js';
import type { EvseState } from './evse-state.js';
import { evaluate } from './evse-step.js';
import type { MeterReading } from './meter-reading.js';
import { contactorFault, LATCHED_FAULTS, SESSION_FAULTS, watchOvercurrent } from './supervision.js';
import { TRIP_STOP_REASONS } from './trip-latch.js';
import type { FaultKind } from './types.js';

/** Faults raised and cleared, the ones this EVSE finds itself (contactor, overcurrent, meter), and the local "clear faults" action. */

/** A fault from outside (an input, the station) or found here: the relay opens; a tripping fault ends the transaction and latches. */
export function raiseFault(d: Draft, fault: FaultKind): void {
  if (d.s.faults.includes(fault)) return;
  d.s.faults.push(fault);
  dispatchAll(d, { type: 'FaultRaised', fault });
  const reason = TRIP_STOP_REASONS[fault];
  if (reason) forceStop(d, { trigger: 'AbnormalCondition', stopReason: reason });
  evaluate(d, { trigger: 'AbnormalCondition' });
  // After the relay opened (evaluate): the latch is saved (Station writes it to disk before the
  // next turn of the event loop). Nothing can authorize in between, since the fault is already active.
  updateTripLatch(d, { type: 'FaultRaised', fault });
}

export function clearFault(d: Draft, fault: FaultKind): void {
  if (!d.s.faults.includes(fault)) return;
  d.s.faults = d.s.faults.filter((f) => f !== fault);
  dispatchAll(d, { type: 'FaultCleared', fault });
  evaluate(d, { trigger: 'ChargingStateChanged' });
}

function tellFault(d: Draft, fault: FaultKind, active: boolean, detail: string): void {
  emit(d, { type: 'FaultChanged', evseId: d.s.config.evseId, fault, active, detail, timestamp: d.now });
}

/** A fault this EVSE found itself (contactor, overcurrent): raised, and told as an event. */
function raiseOwnFault(d: Draft, fault: FaultKind, detail: string): void {
  if (d.s.faults.includes(fault)) return;
  raiseFault(d, fault);
  tellFault(d, fault, true, detail);
}

function clearOwnFault(d: Draft, fault: FaultKind, detail: string): void {
  if (!d.s.faults.includes(fault)) return;
  clearFault(d, fault);
  tellFault(d, fault, false, detail);
}

/** A fault that follows a condition found here: raised with the detail while there is one, cleared once there is none. */
export function setOwnFault(d: Draft, fault: FaultKind, detail: string | undefined): void {
  if (detail !== undefined) raiseOwnFault(d, fault, detail);
  else clearOwnFault(d, fault, 'cleared');
}

/** Why a contactor fault cannot be cleared yet: its feedback still disagrees with the coil. */
function contactorFaultBlocker(s: EvseState, fault: FaultKind): string | undefined {
  if (fault !== 'contactor-welded' && fault !== 'contactor-failed') return undefined;
  const i = s.contactors.findIndex((k) => k.contact !== undefined && contactorFault(k.coil, k.contact) === fault);
  return i >= 0 ? `connector ${s.config.connectorIds[i]}: the feedback contact still disagrees with the coil` : undefined;
}

/** The vehicle left: the faults of its session (a contactor that did not close, overcurrent) go with it. */
export function endSessionFaults(d: Draft, detail: string): void {
  for (const fault of SESSION_FAULTS) if (!contactorFaultBlocker(d.s, fault)) clearOwnFault(d, fault, detail);
}

export interface FaultClearingOutcome {
  cleared: FaultKind[];
  remaining: Array<{ fault: FaultKind; reason: string }>;
}

/**
 * What the local "clear faults" action (an installer on site, after a check) clears: the faults
 * that do not clear by themselves. A contactor fault stays while its feedback still disagrees;
 * faults of inputs (emergency stop, RCD) and of the meter follow their source and are not touched.
 */
export function faultClearing(s: EvseState): FaultClearingOutcome {
  const cleared: FaultKind[] = [];
  const remaining: Array<{ fault: FaultKind; reason: string }> = [];
  for (const fault of s.faults) {
    if (!LATCHED_FAULTS.has(fault) && !SESSION_FAULTS.has(fault)) {
      remaining.push({ fault, reason: 'follows its input; it clears when the input is released' });
      continue;
    }
    const blocker = contactorFaultBlocker(s, fault);
    if (blocker) remaining.push({ fault, reason: blocker });
    else cleared.push(fault);
  }
  return { cleared, remaining };
}

export function clearLatchedFaults(d: Draft): void {
  for (const fault of faultClearing(d.s).cleared) clearOwnFault(d, fault, 'cleared by the local action');
}

/** The contactor's feedback had its time to follow the coil (timer contactor-N) and still disagrees: a fault. */
export function contactorTimeUp(d: Draft, index: number): void {
  const k = d.s.contactors[index]!;
  k.timing = false;
  const fault = k.contact === undefined ? undefined : contactorFault(k.coil, k.contact);
  if (!fault) return;
  const connectorId = d.s.config.connectorIds[index];
  const ms = d.env.safety.contactorFeedbackTimeoutMs;
  const detail =
    fault === 'contactor-welded'
      ? `connector ${connectorId}: contactor welded (its feedback reports it closed ${ms} ms after it was released)`
      : `connector ${connectorId}: contactor failed to close (its feedback reports it open ${ms} ms after it was energised)`;
  raiseOwnFault(d, fault, detail);
}

/** Overcurrent (see watchOvercurrent): the relay opens and the session ends (OvercurrentFault). */
export function superviseCurrent(d: Draft, r: MeterReading): void {
  const { maxCurrentA } = d.s.config;
  const safety = d.env.safety;
  const verdict = watchOvercurrent(d.s.overcurrentWatch, r, maxCurrentA, safety);
  d.s.overcurrentWatch = verdict.watch;
  const trip = verdict.trip;
  if (!trip || d.s.faults.includes('overcurrent')) return;
  raiseOwnFault(
    d,
    'overcurrent',
    `${trip.amps.toFixed(1)} A for ${trip.forS.toFixed(1)} s, above ${trip.thresholdA.toFixed(1)} A (maxCurrentA ${maxCurrentA} A + ${safety.overcurrentMarginPercent}%)`,
  );
}

export const meterFailed = (s: EvseState): boolean => s.connectors.some((c) => c.meter === 'failed');

/** The meter stopped answering: no energy it cannot measure; per onMeterFailure the transaction is suspended or stopped. */
export function onMeterFailed(d: Draft, why: string): void {
  const fresh = !meterFailed(d.s);
  dispatchAll(d, { type: 'MeterFailed' });
  if (d.env.settings.onMeterFailure === 'stop') forceStop(d, { trigger: 'AbnormalCondition', stopReason: 'Other' });
  evaluate(d, { trigger: 'AbnormalCondition' });
  // Told after the relays opened (evaluate), so telling cannot delay them.
  if (fresh) tellFault(d, 'meter', true, why);
}

/** A good reading after a failure: the meter's fault is over. */
export function onMeterAnswers(d: Draft): void {
  tellFault(d, 'meter', false, 'the meter answers again');
}
