import type { CancelReservationRequest, CancelReservationResponse } from 'ocpp-messages/v1.6/index.js';
import type { ReserveNowRequest, ReserveNowResponse } from 'ocpp-messages/v1.6/index.js';
import type { Reservation } from '../../../station/types.js';
import { idTokenOf, type V16Context } from '../context.js';

/**
 * 5.13 ReserveNow: the connector is kept for the idTag (and its parent's group) until expiryDate.
 * Connector 0 (ReserveConnectorZeroSupported): no connector in particular; the core keeps one free
 * for the idTag, as for a 2.0.1 reservation without evseId.
 */
export const reserveNow = (ctx: V16Context) => (payload: unknown): ReserveNowResponse => {
  const request = payload as ReserveNowRequest;
  const expiresAt = new Date(request.expiryDate);
  if (!(expiresAt.getTime() > ctx.clock.now().getTime())) return { status: 'Rejected' };
  const reservation: Reservation = {
    id: request.reservationId,
    idToken: idTokenOf(request.idTag),
    groupIdToken: request.parentIdTag ? idTokenOf(request.parentIdTag) : undefined,
    // The CSMS' time is the clock that counts: expiry is kept on the agent's clock.
    expiresAt: new Date(expiresAt.getTime() - ctx.clock.offset),
  };
  if (request.connectorId === 0) return { status: ctx.station.reserve(undefined, reservation) };
  const target = ctx.numbering.fromOcpp16(request.connectorId);
  const evse = target && ctx.station.evse(target.evseId);
  if (!target || !evse) return { status: 'Rejected' };
  // 5.13: a reservationId the station holds is replaced by the new reservation, wherever it was
  // (the core does it, Station.reserve).
  return { status: ctx.station.reserve(target.evseId, { ...reservation, connectorId: evse.connectors.length > 1 ? target.connectorId : undefined }) };
};

/** 5.1 CancelReservation. */
export const cancelReservation = (ctx: V16Context) => (payload: unknown): CancelReservationResponse => {
  const request = payload as CancelReservationRequest;
  return { status: ctx.station.cancelReservation(request.reservationId) ? 'Accepted' : 'Rejected' };
};
