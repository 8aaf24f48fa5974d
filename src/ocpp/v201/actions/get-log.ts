import type { GetLogRequest, GetLogResponse } from 'ocpp-messages/v2.0/index.js';
import { startGetLog } from '../../../services/diagnostics/get-log-protocol.js';
import type { LogRequests } from '../../../services/diagnostics/log-requests.js';

/**
 * N01 GetLog: both log types are kept, so a request is Accepted with the file's name (N01.FR.01)
 * and uploaded (N01.FR.02-04); one still running is canceled, AcceptedCanceled (N01.FR.12).
 * The upload's statuses go out as LogStatusNotification (log-status.ts).
 */
export const getLog =
  (logs: LogRequests) =>
  (payload: unknown): GetLogResponse =>
    startGetLog(logs, payload as GetLogRequest);
