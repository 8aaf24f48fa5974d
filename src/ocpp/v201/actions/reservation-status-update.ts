import type { ReservationStatusUpdateRequest } from 'ocpp-messages/v2.0/index.js';
import type { ReservationEnded } from '../../../station/events.js';

/**
 * H04.FR.01 Expired, H01.FR.16/17 Removed: the CSMS hears of a reservation that ended without being
 * used or cancelled by it. One that was used is reported in the TransactionEvent (H01.FR.15), one
 * the CSMS cancelled not at all (H02 remark).
 */
export function reservationStatusUpdateRequest(e: ReservationEnded): ReservationStatusUpdateRequest | undefined {
  if (e.reason !== 'Expired' && e.reason !== 'Removed') return undefined;
  return { reservationId: e.reservationId, reservationUpdateStatus: e.reason };
}

/** More than this waiting (a long outage): the oldest goes. */
export const MAX_PENDING_RESERVATION_UPDATES = 100;
