import type { ChangeAvailabilityRequest, ChangeAvailabilityResponse } from 'ocpp-messages/v1.6/index.js';
import type { V16Context } from '../context.js';

/** 5.2 ChangeAvailability: connector 0 is the whole station; Scheduled while a transaction runs there. */
export const changeAvailability16 = (ctx: V16Context) => (payload: unknown): ChangeAvailabilityResponse => {
  const request = payload as ChangeAvailabilityRequest;
  const operative = request.type === 'Operative';
  if (request.connectorId === 0) {
    const result = ctx.station.changeAvailability({}, operative);
    return { status: result === 'UnknownTarget' ? 'Rejected' : result };
  }
  const target = ctx.numbering.fromOcpp16(request.connectorId);
  if (!target) return { status: 'Rejected' };
  const evse = ctx.station.evse(target.evseId);
  // A one-connector EVSE is its connector: the availability is the EVSE's.
  const result =
    evse && evse.connectors.length === 1 ? ctx.station.changeAvailability({ evseId: target.evseId }, operative) : ctx.station.changeAvailability(target, operative);
  return { status: result === 'UnknownTarget' ? 'Rejected' : result };
};
