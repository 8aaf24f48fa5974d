import type { RequestStartTransactionRequest, RequestStartTransactionResponse } from 'ocpp-messages/v2.0/index.js';
import type { V201Context } from '../context.js';

/** F01/F02 RequestStartTransaction. While Pending it is Rejected (B02.FR.05); a chargingProfile is ignored (F01.FR.12: no smart charging). */
export const requestStartTransaction = (ctx: V201Context) => async (payload: unknown): Promise<RequestStartTransactionResponse> => {
  const request = payload as RequestStartTransactionRequest;
  if (ctx.bootState() !== 'Accepted') return { status: 'Rejected', statusInfo: { reasonCode: 'CSNotAccepted' } };
  const result = await ctx.station.requestStart({
    evseId: request.evseId,
    idToken: { idToken: request.idToken.idToken, type: request.idToken.type },
    groupIdToken: request.groupIdToken ? { idToken: request.groupIdToken.idToken, type: request.groupIdToken.type } : undefined,
    remoteStartId: request.remoteStartId,
    authorizeFirst: ctx.deviceModel.getBool('AuthCtrlr', 'AuthorizeRemoteStart'),
  });
  if (result.status === 'Rejected') {
    return { status: 'Rejected', statusInfo: { reasonCode: result.reason } };
  }
  return { status: 'Accepted', transactionId: result.transactionId || undefined };
};
