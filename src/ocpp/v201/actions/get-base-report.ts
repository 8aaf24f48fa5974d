import type { GetBaseReportRequest, GetBaseReportResponse, GetReportRequest, GetReportResponse, NotifyReportRequest } from 'ocpp-messages/v2.0/index.js';
import type { CallContext } from '../../rpc/rpc-endpoint.js';
import { RpcError } from '../../rpc/rpc-errors.js';
import { answerGetBaseReport, answerGetReport, isRpcErrorAnswer } from '../device-model/device-model.js';
import type { V201Context } from '../context.js';

/**
 * B07 GetBaseReport and B08 GetReport for one station. The two share whether a report is being sent
 * (B07.FR.13 / B08.FR.16: one report at a time); that flag lives in this closure, one per station,
 * so that two stations in one process do not see each other's reports.
 */
export function reportHandlers(ctx: V201Context): {
  GetBaseReport: (payload: unknown) => GetBaseReportResponse;
  GetReport: (payload: unknown, call?: CallContext) => GetReportResponse;
} {
  let reporting = false;

  /** Sends the NotifyReport parts after the response has gone out, as messages the CSMS asked for (B02.FR.02). */
  const sendParts = (parts: readonly NotifyReportRequest[]): void => {
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
  };

  const options = () => ({
    itemsPerMessage: ctx.deviceModel.limit('ItemsPerMessage', 'GetReport') ?? 50,
    now: () => ctx.clock.now(),
    busy: reporting,
  });

  return {
    /** B07 GetBaseReport: Accepted, then the report in NotifyReport parts of ItemsPerMessage[GetReport] each. */
    GetBaseReport: (payload) => {
      const answer = answerGetBaseReport(ctx.deviceModel, payload as GetBaseReportRequest, options());
      sendParts(answer.notifyReports);
      return answer.response;
    },
    /** B08 GetReport: the same, for the components and variables asked; over the limits a CALLERROR (B08.FR.17/18), the size the frame's as received. */
    GetReport: (payload, call) => {
      const answer = answerGetReport(ctx.deviceModel, payload as GetReportRequest, { ...options(), requestBytes: call?.frameBytes });
      if (isRpcErrorAnswer(answer)) throw new RpcError(answer.rpcError, answer.description);
      sendParts(answer.notifyReports);
      return answer.response;
    },
  };
}
