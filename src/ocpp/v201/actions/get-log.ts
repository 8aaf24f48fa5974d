import type { GetLogRequest, GetLogResponse } from 'ocpp-messages/v2.0/index.js';
import type { LogRequests } from '../../../services/diagnostics/log-requests.js';

/**
 * N01 GetLog: both log types are kept, so a request is Accepted with the file's name (N01.FR.01)
 * and uploaded (N01.FR.02-04); one still running is canceled, AcceptedCanceled (N01.FR.12).
 * The upload's statuses go out as LogStatusNotification (log-status.ts).
 */
export const getLog =
  (logs: LogRequests) =>
  (payload: unknown): GetLogResponse => {
    const request = payload as GetLogRequest;
    const { status, fileName } = logs.start({
      kind: request.logType,
      remoteLocation: request.log.remoteLocation,
      from: request.log.oldestTimestamp === undefined ? undefined : new Date(request.log.oldestTimestamp),
      to: request.log.latestTimestamp === undefined ? undefined : new Date(request.log.latestTimestamp),
      retries: request.retries,
      retryIntervalS: request.retryInterval,
      requestId: request.requestId,
    });
    return { status, filename: fileName };
  };
