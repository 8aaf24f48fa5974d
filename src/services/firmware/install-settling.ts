import type { Logger } from '../../process/logger.js';
import type { StateStore } from '../../station/ports.js';
import type { SecurityEvent } from '../security-events/index.js';
import type { FirmwareInstaller, FirmwareStatus, FirmwareStatusReport } from './firmware-types.js';

/** Kept with the store when the agent restarts into a new release: which message its Installed goes in. */
export const INSTALL_KEY = 'firmware-install';

export interface SavedInstall {
  requestId: number;
  plain16: boolean;
  version: string;
}

/** Statuses after which a request is still under way: a start that finds one was cut off. */
const UNDER_WAY: ReadonlySet<FirmwareStatus> = new Set(['DownloadScheduled', 'Downloading', 'DownloadPaused', 'Downloaded', 'SignatureVerified', 'InstallScheduled', 'Installing']);

/**
 * After a start whose boot the CSMS accepted: what the install this release was started for came
 * to (pending-install.json, through the installer), told as a status and a security event; or, when
 * there was none, the end of a request a restart cut off, so that the CSMS is not left waiting.
 */
export async function settleInstall(parts: {
  installer: FirmwareInstaller;
  store?: StateStore;
  log: Logger;
  runningVersion: string;
  last: FirmwareStatusReport;
  /** Whether a request runs already (then nothing was cut off). */
  busy: boolean;
  report: (report: FirmwareStatusReport) => void;
  raise: (event: SecurityEvent) => void;
}): Promise<void> {
  const { installer, store, log, runningVersion, last } = parts;
  const found = await installer.settle();
  const saved = store?.read<SavedInstall | null>(INSTALL_KEY) ?? undefined;
  if (!found) {
    if (!parts.busy && UNDER_WAY.has(last.status) && last.requestId !== undefined) {
      const failed: FirmwareStatus = last.status === 'Installing' || last.status === 'InstallScheduled' ? 'InstallationFailed' : 'DownloadFailed';
      parts.report({ status: failed, requestId: last.requestId, ...(last.plain16 ? { plain16: true } : {}) });
    }
    return;
  }
  const requestId = found.requestId ?? saved?.requestId;
  const base = { ...(requestId === undefined ? {} : { requestId }), ...(saved?.plain16 ? { plain16: true } : {}) };
  if (found.outcome === 'installed') {
    log.notice(`release ${runningVersion} runs and the CSMS accepted it: installed`);
    parts.report({ ...base, status: 'Installed' }); // L01.FR.28, L01.FR.32 (a)
    parts.raise({ type: 'FirmwareUpdated', techInfo: `${found.previous ?? 'installed program'} -> ${runningVersion}` }); // L01.FR.31
  } else {
    const why = found.reason ?? 'rolled back by the launcher';
    log.error(`release ${found.version} was not confirmed (${why}): back on ${runningVersion}`);
    parts.report({ ...base, status: 'InstallationFailed' });
    // No event of the appendix names a rollback; the firmware running changed again, and FirmwareUpdated says to what.
    parts.raise({ type: 'FirmwareUpdated', techInfo: `rolled back to ${runningVersion}: ${found.version} ${why}`.slice(0, 255) });
  }
  store?.write(INSTALL_KEY, null);
}
