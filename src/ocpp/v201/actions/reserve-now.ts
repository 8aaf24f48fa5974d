import type { ReserveNowRequest, ReserveNowResponse } from 'ocpp-messages/v2.0/index.js';
import type { IdToken } from '../../../station/types.js';
import type { V201Context } from '../context.js';

const coreToken = (t: { idToken: string; type: IdToken['type'] }): IdToken => ({ idToken: t.idToken, type: t.type });

/**
 * H01 ReserveNow: an EVSE (evseId), or any EVSE of a connector type, or any EVSE at all, kept for an
 * id token (and its group) until expiryDateTime. The choice and the guarantees are the core's
 * (Station.reserve); this maps the request and the station's settings.
 */
export const reserveNow = (ctx: V201Context) => (payload: unknown): ReserveNowResponse => {
  const request = payload as ReserveNowRequest;
  const dm = ctx.deviceModel;
  // H01.FR.01: not configured to accept reservations.
  if (!dm.getBool('ReservationCtrlr', 'Available') || !dm.getBool('ReservationCtrlr', 'Enabled')) {
    return { status: 'Rejected', statusInfo: { reasonCode: 'NotEnabled' } };
  }
  // H01.FR.18/19: an unspecified EVSE only with NonEvseSpecific.
  if (request.evseId === undefined && !dm.getBool('ReservationCtrlr', 'NonEvseSpecific')) {
    return { status: 'Rejected', statusInfo: { reasonCode: 'NoEvseSpecified' } };
  }
  const expiresAt = new Date(request.expiryDateTime);
  if (!(expiresAt.getTime() > ctx.clock.now().getTime())) return { status: 'Rejected', statusInfo: { reasonCode: 'AlreadyExpired' } };
  if (request.evseId !== undefined && !ctx.station.evse(request.evseId)) return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } };
  const status = ctx.station.reserve(request.evseId, {
    id: request.id,
    idToken: coreToken(request.idToken),
    groupIdToken: request.groupIdToken ? coreToken(request.groupIdToken) : undefined,
    // The CSMS' time is the clock that counts: expiry is kept on the agent's clock.
    expiresAt: new Date(expiresAt.getTime() - ctx.clock.offset),
    connectorType: request.connectorType,
  });
  return { status };
};
