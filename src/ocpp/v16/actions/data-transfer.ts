import type { DataTransferRequest, DataTransferResponse } from 'ocpp-messages/v1.6/index.js';
import type { V16Context } from '../context.js';

/** 5.6 DataTransfer: UnknownVendorId unless a handler is registered for the vendor. */
export const dataTransfer16 = (ctx: V16Context) => async (payload: unknown): Promise<DataTransferResponse> => {
  const request = payload as DataTransferRequest;
  const handler = ctx.dataTransferHandlers.get(request.vendorId);
  if (!handler) return { status: 'UnknownVendorId' };
  try {
    const answer = await handler(request.messageId, request.data);
    return { status: answer.status, data: answer.data };
  } catch (err) {
    ctx.log.warning(`DataTransfer handler of ${request.vendorId} failed: ${(err as Error).message}`);
    return { status: 'Rejected' };
  }
};
