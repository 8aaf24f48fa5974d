import type { ChangeAvailabilityRequest, ChangeAvailabilityResponse } from 'ocpp-messages/v2.0/index.js';
import type { V201Context } from '../context.js';

/**
 * G03/G04 ChangeAvailability for the station, an EVSE or a connector. Going Inoperative during a
 * transaction is Scheduled and applied when it ends; the new statuses follow as StatusNotifications.
 */
export const changeAvailability = (ctx: V201Context) => (payload: unknown): ChangeAvailabilityResponse => {
  const request = payload as ChangeAvailabilityRequest;
  const operative = request.operationalStatus === 'Operative';
  const target = request.evse && request.evse.id !== 0 ? { evseId: request.evse.id, connectorId: request.evse.connectorId } : {};
  const result = ctx.station.changeAvailability(target, operative);
  if (result === 'UnknownTarget') return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } };
  return { status: result };
};
