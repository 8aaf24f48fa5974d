import { dispatch, emit, viewOf, type Draft } from './evse-draft.js';
import type { EvseState } from './evse-state.js';
import { evaluate } from './evse-step.js';
import type { Reservation, ReservationResult } from './types.js';

/** This EVSE's own reservation (1.6 ReserveNow, 2.0.1 H01 with an evseId), and being held for those of no particular EVSE. */

/** What a reservation request would get now (H01.FR.04/11/12/14). */
export function reservationOutcome(s: EvseState, reservation: Reservation): ReservationResult {
  const targets = s.config.connectorIds.flatMap((id, i) => (reservation.connectorId === undefined || id === reservation.connectorId ? [i] : []));
  if (targets.length === 0) return 'Rejected';
  if (targets.every((i) => viewOf(s, i).status === 'Faulted')) return 'Faulted';
  if (targets.every((i) => viewOf(s, i).status === 'Unavailable')) return 'Unavailable';
  const sameId = s.reservation?.id === reservation.id;
  if ((s.reservation && !sameId) || s.authorization || s.tx || targets.some((i) => s.connectors[i]!.plugged)) return 'Occupied';
  return 'Accepted';
}

/** Keeps the EVSE (or a connector) for one driver until the reservation expires, is used or cancelled. */
export function reserve(d: Draft, reservation: Reservation): void {
  if (reservationOutcome(d.s, reservation) !== 'Accepted') return;
  if (d.s.reservation?.id === reservation.id) clearReservation(d);
  d.s.reservation = reservation;
  showReserved(d);
  d.out.push({ type: 'ArmTimer', name: 'reservation', ms: reservation.expiresAt.getTime() - d.now.getTime() });
  evaluate(d, { trigger: 'Trigger' });
}

/** Forgets the reservation (no event): the connectors show what they are without it. */
export function clearReservation(d: Draft): Reservation | undefined {
  const r = d.s.reservation;
  if (!r) return undefined;
  d.s.reservation = undefined;
  d.out.push({ type: 'CancelTimer', name: 'reservation' });
  showReserved(d);
  return r;
}

/** Ends the reservation: used by its driver, expired, or cancelled by the CSMS. */
export function endReservation(d: Draft, reason: 'Used' | 'Expired' | 'Cancelled' | 'Removed'): void {
  const r = clearReservation(d);
  if (!r) return;
  // The connectors' new status first, then the end (2.0.1 H04: StatusNotification, then ReservationStatusUpdate).
  evaluate(d, { trigger: 'Trigger' });
  emit(d, { type: 'ReservationEnded', evseId: d.s.config.evseId, reservationId: r.id, reason, timestamp: d.now });
}

/** Shows the connectors Reserved while unspecified reservations need this EVSE (2.0.1 H01.FR.20/24). */
export function holdForReservations(d: Draft, held: boolean): void {
  if (d.s.heldForReservations === held) return;
  d.s.heldForReservations = held;
  showReserved(d);
  evaluate(d, { trigger: 'Trigger' });
}

/** Which connectors show Reserved: those of this EVSE's own reservation, or all while held. */
function showReserved(d: Draft): void {
  const r = d.s.reservation;
  for (const [i, connectorId] of d.s.config.connectorIds.entries()) {
    const reserved = d.s.heldForReservations || (r !== undefined && (r.connectorId === undefined || r.connectorId === connectorId));
    dispatch(d, i, { type: reserved ? 'ReservationPlaced' : 'ReservationEnded' });
  }
}
