import { dispatch, type Draft } from './evse-draft.js';
import { effectiveOperative, type AvailabilityLevel, type EvseState, type ScheduledAvailability } from './evse-state.js';
import { evaluate } from './evse-step.js';

/** Availability at station, EVSE and connector level (G03/G04), as part of a decision. */

/** Whether a change to inoperative must wait for the running transaction (it concerns that session). */
function affectsSession(s: EvseState, level: AvailabilityLevel): boolean {
  return s.tx !== undefined && (typeof level === 'string' || level.connectorId === (s.tx.snapshot.connectorId ?? level.connectorId));
}

/** What setAvailability answers: inoperative waits for a running transaction to end (Scheduled); operative applies at once. */
export function availabilityOutcome(s: EvseState, level: AvailabilityLevel, operative: boolean): 'Accepted' | 'Scheduled' {
  return !operative && affectsSession(s, level) ? 'Scheduled' : 'Accepted';
}

export function setAvailability(d: Draft, change: ScheduledAvailability): void {
  if (availabilityOutcome(d.s, change.level, change.operative) === 'Scheduled') {
    d.s.scheduled.push(change);
    return;
  }
  // A change that supersedes a scheduled one at the same level must not be undone by it later.
  d.s.scheduled = [];
  applyAvailability(d, change);
  evaluate(d, { trigger: 'Trigger' });
}

/**
 * L01.FR.07: held while a firmware install waits for transactions, lifted when the update is
 * cancelled or fails. Which connectors show Unavailable follows in syncConnectors; the availability
 * levels above (the CSMS' ChangeAvailability, kept across restarts) stay as they are.
 */
export function holdForFirmware(d: Draft, held: boolean): void {
  if (d.s.heldForFirmware === held) return;
  d.s.heldForFirmware = held;
  evaluate(d, { trigger: 'Trigger' });
}

/** Sets the level and tells every connector whether it is operative now. */
export function applyAvailability(d: Draft, { level, operative }: ScheduledAvailability): void {
  const a = d.s.availability;
  if (level === 'station') d.s.availability = { ...a, station: operative };
  else if (level === 'evse') d.s.availability = { ...a, evse: operative };
  else d.s.availability = { ...a, connectors: { ...a.connectors, [level.connectorId]: operative } };
  for (const [i, connectorId] of d.s.config.connectorIds.entries()) {
    dispatch(d, i, { type: 'AvailabilityChanged', operative: effectiveOperative(d.s.availability, connectorId) });
  }
}
