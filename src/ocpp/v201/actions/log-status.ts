import type { Subscription } from 'rxjs';
import type { LogStatusNotificationRequest } from 'ocpp-messages/v2.0/index.js';
import type { Logger } from '../../../process/logger.js';
import { notifyLogStatuses } from '../../../services/diagnostics/get-log-protocol.js';
import type { LogRequests, LogStatusReport } from '../../../services/diagnostics/log-requests.js';

export function logStatusNotificationRequest(report: LogStatusReport): LogStatusNotificationRequest {
  // N01.FR.07: the GetLog's requestId; N01.FR.13: none only for a triggered Idle.
  return report.requestId === undefined ? { status: report.status } : { status: report.status, requestId: report.requestId };
}

/**
 * N01.FR.08-10/20: each status of a log upload as a LogStatusNotification, one after the other in
 * the order they happened (an Uploaded never overtakes its Uploading).
 */
export function followLogStatuses(logs: LogRequests, send: (payload: LogStatusNotificationRequest) => Promise<unknown>, log: Logger): Subscription {
  return notifyLogStatuses(logs, 'LogStatusNotification', logStatusNotificationRequest, send, log);
}
