import type { Subscription } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import type { DiagnosticsLogKind } from './archive.js';
import type { LogRequests, LogStatusReport } from './log-requests.js';

/**
 * GetLog as both versions word it: the 1.6 security whitepaper keeps 2.0.1's use case N01 and its
 * GetLog / LogStatusNotification fields ("the same use case", whitepaper §1), so the two adapters
 * share what turns the request into a LogRequest and the statuses into notifications.
 */
export interface GetLogFields {
  logType: DiagnosticsLogKind;
  requestId: number;
  retries?: number;
  retryInterval?: number;
  log: { remoteLocation: string; oldestTimestamp?: string; latestTimestamp?: string };
}

/**
 * N01.FR.01-04: Accepted with the file's name, the upload starting after the answer; a request
 * still running is canceled, AcceptedCanceled (2.0.1 N01.FR.12, whitepaper N01.FR.11).
 */
export function startGetLog(logs: LogRequests, request: GetLogFields): { status: 'Accepted' | 'AcceptedCanceled'; filename: string } {
  const { oldestTimestamp, latestTimestamp, remoteLocation } = request.log;
  const { status, fileName } = logs.start({
    kind: request.logType,
    remoteLocation,
    from: oldestTimestamp === undefined ? undefined : new Date(oldestTimestamp),
    to: latestTimestamp === undefined ? undefined : new Date(latestTimestamp),
    retries: request.retries,
    retryIntervalS: request.retryInterval,
    requestId: request.requestId,
  });
  return { status, filename: fileName };
}

/**
 * Each status of a log upload as a notification, one after the other in the order they happened
 * (an Uploaded never overtakes its Uploading). `payloadOf` answers undefined for a status the
 * version does not tell (1.6 has no AcceptedCanceled notification).
 */
export function notifyLogStatuses<Payload>(
  logs: LogRequests,
  action: string,
  payloadOf: (report: LogStatusReport) => Payload | undefined,
  send: (payload: Payload) => Promise<unknown>,
  log: Logger,
): Subscription {
  let previous: Promise<unknown> = Promise.resolve();
  return logs.status$.subscribe((report) => {
    const payload = payloadOf(report);
    if (payload === undefined) return;
    previous = previous.then(() => send(payload)).catch((err: Error) => log.warning(`${action} ${report.status} not delivered: ${err.message}`));
  });
}
