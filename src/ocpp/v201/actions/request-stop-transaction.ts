import type { RequestStopTransactionRequest, RequestStopTransactionResponse } from 'ocpp-messages/v2.0/index.js';
import type { V201Context } from '../context.js';

/** F03 RequestStopTransaction: Accepted for a transaction running here (F03.FR.07), else Rejected (F03.FR.08). */
export const requestStopTransaction = (ctx: V201Context) => (payload: unknown): RequestStopTransactionResponse => {
  const request = payload as RequestStopTransactionRequest;
  if (ctx.bootState() !== 'Accepted') return { status: 'Rejected', statusInfo: { reasonCode: 'CSNotAccepted' } };
  return { status: ctx.station.requestStop(request.transactionId) };
};
