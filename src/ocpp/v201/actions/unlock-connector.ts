import type { UnlockConnectorRequest, UnlockConnectorResponse } from 'ocpp-messages/v2.0/index.js';
import type { V201Context } from '../context.js';

/** F05 UnlockConnector. */
export const unlockConnector = (ctx: V201Context) => async (payload: unknown): Promise<UnlockConnectorResponse> => {
  const request = payload as UnlockConnectorRequest;
  const result = await ctx.station.unlockConnector(request.evseId, request.connectorId);
  if (result === 'FixedCable') return { status: 'UnlockFailed', statusInfo: { reasonCode: 'FixedCable' } };
  return { status: result };
};
