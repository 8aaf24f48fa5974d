import type { Subscription } from 'rxjs';
import type { FirmwareStatusNotificationRequest } from 'ocpp-messages/v2.0/index.js';
import type { Observable } from 'rxjs';
import type { FirmwareStatusReport, FirmwareUpdates } from '../../../services/firmware/index.js';

export function firmwareStatusNotificationRequest(report: FirmwareStatusReport): FirmwareStatusNotificationRequest {
  // L01.FR.10/20: the UpdateFirmware's requestId, absent only for Idle.
  return report.requestId === undefined || report.status === 'Idle' ? { status: report.status } : { status: report.status, requestId: report.requestId };
}

/** L01.FR.01 / L02.FR.01: every status of an update, in order, through the service's outbox, once the boot is accepted. */
export function followFirmwareStatuses(
  firmware: FirmwareUpdates,
  ready$: Observable<boolean>,
  send: (payload: FirmwareStatusNotificationRequest) => Promise<unknown>,
): Subscription {
  return firmware.follow(ready$, (report) => send(firmwareStatusNotificationRequest(report)));
}
