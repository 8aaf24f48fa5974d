import type { RemoteStartTransactionRequest, RemoteStartTransactionResponse } from 'ocpp-messages/v1.6/index.js';
import { idTokenOf, type V16Context } from '../context.js';

/**
 * 5.11 RemoteStartTransaction: Accepted when the station will try to start; the transaction then
 * starts as if the tag were presented locally, after Authorize when AuthorizeRemoteTxRequests is
 * true (5.11, 9.1.3). A charging profile is ignored: no smart charging here.
 */
export const remoteStartTransaction = (ctx: V16Context) => async (payload: unknown): Promise<RemoteStartTransactionResponse> => {
  const request = payload as RemoteStartTransactionRequest;
  if (ctx.bootState() !== 'Accepted') return { status: 'Rejected' };
  let target: { evseId: number; connectorId: number } | undefined;
  if (request.connectorId !== undefined) {
    target = ctx.numbering.fromOcpp16(request.connectorId);
    if (!target) return { status: 'Rejected' }; // connector 0 or an unknown one
  }
  const result = await ctx.station.requestStart({
    // The connector asked for, not only its EVSE: on an EVSE with two connectors the vehicle at
    // the other one must not get the transaction (6.33 connectorId).
    evseId: target?.evseId,
    connectorId: target?.connectorId,
    idToken: idTokenOf(request.idTag),
    authorizeFirst: ctx.configuration.getBool('AuthorizeRemoteTxRequests'),
  });
  return { status: result.status };
};
