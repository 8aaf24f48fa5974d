import { anyPlugged, dispatch, emit, publishChanged, sessionIndex, viewOf, type Draft } from './evse-draft.js';
import { relayHeld } from './evse-pilot.js';
import { firmwareHoldApplies } from './evse-state.js';
import { contactorFault } from './supervision.js';

/** The connectors' side of a decision: their inputs and statuses, the relays and the contactors' supervision. */

/** Opens the relays the connectors' states no longer allow closed (but one held for a current reduction); closes none. */
export function openRelays(d: Draft): void {
  for (let i = 0; i < d.s.connectors.length; i++) if (d.s.contactors[i]!.coil && !viewOf(d.s, i).relayClosed && !relayHeld(d.s, i)) setCoil(d, i, false);
}

/** Drives every relay as its connector's state says (one held for a current reduction stays closed). */
export function applyRelays(d: Draft): void {
  for (let i = 0; i < d.s.connectors.length; i++) setCoil(d, i, viewOf(d.s, i).relayClosed || relayHeld(d.s, i));
}

/** Drives a connector's relay, and has its contactor's feedback watched from each switch on. */
function setCoil(d: Draft, index: number, energised: boolean): void {
  d.out.push({ type: 'SetRelay', index, closed: energised });
  const k = d.s.contactors[index]!;
  if (k.coil === energised) return;
  k.coil = energised;
  superviseContactor(d, index);
}

/**
 * Compares a contactor's feedback with its coil once it had contactorFeedbackTimeoutMs to follow a
 * switch (the timer contactor-N): a lasting disagreement is a fault, welded or failed to close.
 */
export function superviseContactor(d: Draft, index: number): void {
  const k = d.s.contactors[index]!;
  if (k.contact === undefined || d.s.closed) return;
  if (!contactorFault(k.coil, k.contact)) {
    if (k.timing) d.out.push({ type: 'CancelTimer', name: `contactor-${index}` });
    k.timing = false;
    return;
  }
  if (k.timing) return;
  k.timing = true;
  d.out.push({ type: 'ArmTimer', name: `contactor-${index}`, ms: d.env.safety.contactorFeedbackTimeoutMs });
}

export function clearEvConnectionTimeout(d: Draft): void {
  if (d.s.evConnectionTimerArmed) d.out.push({ type: 'CancelTimer', name: 'ev-connection' });
  d.s.evConnectionTimerArmed = false;
}

/** E03.FR.05 / F02.FR.07: an authorization without a cable does not wait for ever. */
export function armEvConnectionTimeout(d: Draft): void {
  clearEvConnectionTimeout(d);
  if (anyPlugged(d.s)) return;
  const seconds = d.env.settings.evConnectionTimeoutS;
  if (seconds <= 0) return;
  d.s.evConnectionTimerArmed = true;
  d.out.push({ type: 'ArmTimer', name: 'ev-connection', ms: seconds * 1000 });
}

/** Brings the connectors' inputs up to date and reports status changes. */
export function syncConnectors(d: Draft): void {
  const s = d.s;
  const session = sessionIndex(s);
  // The authorization reaches the session's connector; the others wait while it is in use.
  for (let i = 0; i < s.connectors.length; i++) {
    const isSession = i === session;
    dispatch(d, i, { type: isSession && s.authorization ? 'Authorized' : 'AuthorizationEnded' });
    const inUse = session !== undefined && !isSession && (s.connectors[session]!.plugged || s.tx !== undefined);
    dispatch(d, i, { type: 'SiblingInUse', inUse });
  }
  const firmwareHold = firmwareHoldApplies(s);
  for (let i = 0; i < s.connectors.length; i++) dispatch(d, i, { type: 'FirmwareHold', held: firmwareHold });
  if (anyPlugged(s)) clearEvConnectionTimeout(d);
  publishChanged(d);
  for (const [i, connectorId] of s.config.connectorIds.entries()) {
    const shown = viewOf(s, i).status;
    // G01.FR.05: when the EV leaves a connector that is scheduled to become Unavailable once the
    // transaction ends (G03.FR.05), or held for a firmware install (L01.FR.07), it is reported
    // Unavailable, never Available in between.
    const goingUnavailable = s.scheduled.length > 0 || s.heldForFirmware;
    const status = shown === 'Available' && s.tx !== undefined && goingUnavailable ? 'Unavailable' : shown;
    if (s.lastStatus[connectorId] !== status) {
      s.lastStatus = { ...s.lastStatus, [connectorId]: status };
      emit(d, { type: 'ConnectorStatusChanged', evseId: s.config.evseId, connectorId, status, timestamp: d.now });
    }
  }
}
