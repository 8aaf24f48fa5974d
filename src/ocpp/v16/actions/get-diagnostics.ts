import type { Subscription } from 'rxjs';
import type { DiagnosticsStatusNotificationRequest, GetDiagnosticsRequest, GetDiagnosticsResponse } from 'ocpp-messages/v1.6/index.js';
import type { Logger } from '../../../process/logger.js';
import type { LogRequests, LogStatusReport } from '../../../services/diagnostics/log-requests.js';

type DiagnosticsStatus = DiagnosticsStatusNotificationRequest['status'];

/**
 * 6.19 GetDiagnostics: the diagnostics file's name in the answer, then the upload to `location`
 * with `retries` and `retryInterval` (5.9). A request while one runs replaces it (1.6 does not
 * say; 2.0.1 N01.FR.12 cancels, as here).
 */
export const getDiagnostics16 =
  (logs: LogRequests) =>
  (payload: unknown): GetDiagnosticsResponse => {
    const request = payload as GetDiagnosticsRequest;
    const { fileName } = logs.start({
      kind: 'DiagnosticsLog',
      remoteLocation: request.location,
      from: request.startTime === undefined ? undefined : new Date(request.startTime),
      to: request.stopTime === undefined ? undefined : new Date(request.stopTime),
      retries: request.retries,
      retryIntervalS: request.retryInterval,
    });
    return { fileName };
  };

/** 1.6 has four statuses: every failure is UploadFailed; a canceled upload tells nothing (a new one follows at once). */
export function diagnosticsStatusOf(report: LogStatusReport): DiagnosticsStatus | undefined {
  // A GetLog's upload (it has a requestId) is told by LogStatusNotification (get-log.ts).
  if (report.requestId !== undefined) return undefined;
  switch (report.status) {
    case 'Idle':
    case 'Uploading':
    case 'Uploaded':
      return report.status;
    case 'AcceptedCanceled':
      return undefined;
    default:
      return 'UploadFailed';
  }
}

/** 4.4 DiagnosticsStatusNotification for each status of an upload, in order. */
export function followDiagnosticsStatuses(logs: LogRequests, send: (payload: DiagnosticsStatusNotificationRequest) => Promise<unknown>, log: Logger): Subscription {
  let previous: Promise<unknown> = Promise.resolve();
  return logs.status$.subscribe((report) => {
    const status = diagnosticsStatusOf(report);
    if (status === undefined) return;
    previous = previous.then(() => send({ status })).catch((err: Error) => log.warning(`DiagnosticsStatusNotification ${status} not delivered: ${err.message}`));
  });
}
