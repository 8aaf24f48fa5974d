import type { CancelReservationRequest, CancelReservationResponse } from 'ocpp-messages/v2.0/index.js';
import type { V201Context } from '../context.js';

/**
 * H02 CancelReservation: Accepted and cancelled when the station holds it (H02.FR.02), its EVSEs
 * free again (H02.FR.03-06, errata); Rejected when it does not (H02.FR.01). No
 * ReservationStatusUpdate follows: the CSMS asked for it.
 */
export const cancelReservation = (ctx: V201Context) => (payload: unknown): CancelReservationResponse => {
  const request = payload as CancelReservationRequest;
  return { status: ctx.station.cancelReservation(request.reservationId) ? 'Accepted' : 'Rejected' };
};
