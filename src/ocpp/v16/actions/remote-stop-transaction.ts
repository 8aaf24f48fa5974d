import type { RemoteStopTransactionRequest, RemoteStopTransactionResponse } from 'ocpp-messages/v1.6/index.js';
import type { V16Context } from '../context.js';

/** 5.12 RemoteStopTransaction: Accepted for a transaction running here, by the id the CSMS gave it. */
export const remoteStopTransaction = (ctx: V16Context) => (payload: unknown): RemoteStopTransactionResponse => {
  const request = payload as RemoteStopTransactionRequest;
  // 4.2: not allowed while Pending, as RemoteStartTransaction is not (a triggered BootNotification
  // answered Pending can find a transaction running).
  if (ctx.bootState() !== 'Accepted') return { status: 'Rejected' };
  const local = ctx.localTransactionId(request.transactionId);
  if (local === undefined) return { status: 'Rejected' };
  return { status: ctx.station.requestStop(local) };
};
