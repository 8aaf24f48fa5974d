import type { DataTransferRequest, DataTransferResponse } from 'ocpp-messages/v2.0/index.js';
import type { V201Context } from '../context.js';

/** P01 DataTransfer: UnknownVendorId unless a handler is registered for the vendor (P01.FR.06). */
export const dataTransfer = (ctx: V201Context) => async (payload: unknown): Promise<DataTransferResponse> => {
  const request = payload as DataTransferRequest;
  const handler = ctx.dataTransferHandlers.get(request.vendorId);
  if (!handler) return { status: 'UnknownVendorId' };
  try {
    const answer = await handler(request.messageId, request.data);
    // The schema allows any JSON as data; the generated type is narrower than the schema.
    return { status: answer.status, data: answer.data as DataTransferResponse['data'] };
  } catch (err) {
    ctx.log.warning(`DataTransfer handler of ${request.vendorId} failed: ${(err as Error).message}`);
    return { status: 'Rejected' };
  }
};
