import type { CancelReservationRequest, CancelReservationResponse } from 'ocpp-messages/v1.6/index.js';
import type { ReserveNowRequest, ReserveNowResponse } from 'ocpp-messages/v1.6/index.js';
import { idTokenOf, type V16Context } from '../context.js';

/**
 * 5.13 ReserveNow: the connector is kept for the idTag (and its parent's group) until expiryDate.
 * Connector 0 (any connector) is not supported (ReserveConnectorZeroSupported is false): Rejected.
 */
export const reserveNow = (ctx: V16Context) => (payload: unknown): ReserveNowResponse => {
  const request = payload as ReserveNowRequest;
  const target = ctx.numbering.fromOcpp16(request.connectorId);
  if (!target) return { status: 'Rejected' };
  const evse = ctx.station.evse(target.evseId);
  const expiresAt = new Date(request.expiryDate);
  if (!evse || !(expiresAt.getTime() > ctx.clock.now().getTime())) return { status: 'Rejected' };
  // 5.13: a reservationId the station holds is replaced by the new reservation, wherever it was.
  // The core replaces one on the same EVSE; one on another EVSE ends once the new one is taken.
  const previous = ctx.station.evses.find((e) => e.id !== target.evseId && e.reservedFor?.id === request.reservationId);
  const status = ctx.station.reserve(target.evseId, {
    id: request.reservationId,
    idToken: idTokenOf(request.idTag),
    ...(request.parentIdTag ? { groupIdToken: idTokenOf(request.parentIdTag) } : {}),
    // The CSMS' time is the clock that counts: expiry is kept on the agent's clock.
    expiresAt: new Date(expiresAt.getTime() - ctx.clock.offset),
    ...(evse.connectors.length > 1 ? { connectorId: target.connectorId } : {}),
  });
  if (status === 'Accepted') previous?.endReservation('Cancelled');
  return { status };
};

/** 5.1 CancelReservation. */
export const cancelReservation = (ctx: V16Context) => (payload: unknown): CancelReservationResponse => {
  const request = payload as CancelReservationRequest;
  return { status: ctx.station.cancelReservation(request.reservationId) ? 'Accepted' : 'Rejected' };
};
