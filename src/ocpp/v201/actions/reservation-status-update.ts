import type { ReservationStatusUpdateRequest } from 'ocpp-messages/v2.0/index.js';
import type { ReservationUpdate } from '../../../services/reservations/reservation-updates.js';

/**
 * H04.FR.01 Expired, H01.FR.16/17 Removed: the reservations service's update as 2.0.1 sends it
 * (which ends are reported is the service's rule).
 */
export function reservationStatusUpdateRequest(update: ReservationUpdate): ReservationStatusUpdateRequest {
  return { reservationId: update.reservationId, reservationUpdateStatus: update.reservationUpdateStatus };
}
