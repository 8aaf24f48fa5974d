import type { GetBaseReportRequest, GetBaseReportResponse, GetReportRequest, GetReportResponse, NotifyReportRequest } from 'ocpp-messages/v2.0/index.js';
import type { CallContext } from '../../rpc/rpc-endpoint.js';
import { RpcError } from '../../rpc/rpc-errors.js';
import { answerGetBaseReport, answerGetReport, isRpcErrorAnswer } from '../device-model/device-model.js';
import type { V201Context } from '../context.js';

let reporting = false;

/** Sends the NotifyReport parts after the response has gone out, as messages the CSMS asked for (B02.FR.02). */
function sendParts(ctx: V201Context, parts: readonly NotifyReportRequest[]): void {
  if (parts.length === 0) return;
  reporting = true;
  setImmediate(() => {
    void (async () => {
      try {
        for (const part of parts) await ctx.send('NotifyReport', part, { triggered: true });
      } catch (err) {
        ctx.log.warning(`NotifyReport ${parts[0]!.requestId} not delivered in full: ${(err as Error).message}`);
      } finally {
        reporting = false;
      }
    })();
  });
}

const options = (ctx: V201Context) => ({
  itemsPerMessage: ctx.deviceModel.limit('ItemsPerMessage', 'GetReport') ?? 50,
  now: () => ctx.clock.now(),
  // B07.FR.13 / B08.FR.16: one report at a time.
  busy: reporting,
});

/** B07 GetBaseReport: Accepted, then the report in NotifyReport parts of ItemsPerMessage[GetReport] each. */
export const getBaseReport = (ctx: V201Context) => (payload: unknown): GetBaseReportResponse => {
  const answer = answerGetBaseReport(ctx.deviceModel, payload as GetBaseReportRequest, options(ctx));
  sendParts(ctx, answer.notifyReports);
  return answer.response;
};

/** B08 GetReport: the same, for the components and variables asked; over the limits a CALLERROR (B08.FR.17/18), the size the frame's as received. */
export const getReport = (ctx: V201Context) => (payload: unknown, call?: CallContext): GetReportResponse => {
  const request = payload as GetReportRequest;
  const answer = answerGetReport(ctx.deviceModel, request, { ...options(ctx), requestBytes: call?.frameBytes });
  if (isRpcErrorAnswer(answer)) throw new RpcError(answer.rpcError, answer.description);
  sendParts(ctx, answer.notifyReports);
  return answer.response;
};
