import type { GetTransactionStatusRequest, GetTransactionStatusResponse } from 'ocpp-messages/v2.0/index.js';
import type { V201Context } from '../context.js';

/** E14 GetTransactionStatus: whether a transaction runs and whether messages for it still wait in the queue. */
export const getTransactionStatus =
  (ctx: V201Context, queued: (transactionId?: string) => number) =>
  (payload: unknown): GetTransactionStatusResponse => {
    const request = payload as GetTransactionStatusRequest;
    const waiting = queued(request.transactionId) > 0;
    if (request.transactionId === undefined) return { messagesInQueue: waiting };
    const ongoing = ctx.station.transactions().some((t) => t.id === request.transactionId);
    return { ongoingIndicator: ongoing, messagesInQueue: waiting };
  };
