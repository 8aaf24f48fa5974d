import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StationConfig } from '../config/station-config.js';
import type { DeviceModel } from '../ocpp/v201/device-model/device-model.js';
import type { Logger } from '../process/logger.js';
// The release modules themselves, not release/index.js: packing releases (the CLI's) is not loaded with the agent.
import { activateRelease, installRelease, pruneReleases, removeInstallLeftovers } from '../release/install.js';
import { clearPendingInstall, confirmPendingInstall, isAwaitingConfirmation, readPendingInstall } from '../release/pending-install.js';
import { readRelease } from '../release/read-release.js';
import type { CertificateStore } from '../services/certificates/index.js';
import { FirmwareUpdates, type FirmwareInstaller, type InstallOutcome } from '../services/firmware/index.js';
import type { SecurityEvent } from '../services/security-events/index.js';
import type { Clock } from '../station/clock.js';
import type { StateStore } from '../station/ports.js';
import type { Station } from '../station/station.js';

/**
 * Where the releases live: the launcher's state folder (systemd's $STATE_DIRECTORY, as the launcher
 * reads it), else storage.dir (both /var/lib/evse-agent on a station installed as documented).
 */
export function releaseRoot(config: StationConfig): string {
  return process.env['STATE_DIRECTORY']?.split(':')[0] || config.storage.dir;
}

/** src/release as the firmware service needs it, on one root, with the config's launcher settings. */
export function releaseInstaller(root: string, config: StationConfig, runningVersion: string, log: Logger): FirmwareInstaller {
  const { keepReleases, maxFailedStarts, confirmTimeoutS } = config.firmware;
  return {
    check: async (file) => ({ version: (await readRelease(file)).version }),
    install: async (file, requestId) => {
      const { version } = await installRelease(file, root);
      await activateRelease(root, version, { requestId, maxFailedStarts, confirmTimeoutS, keepReleases });
      await pruneReleases(root, keepReleases).catch((err: Error) => log.warning(`old releases not removed: ${err.message}`));
      return { version };
    },
    settle: async (): Promise<InstallOutcome | undefined> => {
      const pending = readPendingInstall(root);
      if (!pending) return undefined;
      const { version, previous, requestId } = pending;
      if (pending.rolledBack) {
        // The launcher went back to this release: told once, then the record goes.
        clearPendingInstall(root);
        return { outcome: 'rolled-back', version, previous, requestId, reason: pending.rolledBack.reason };
      }
      if (isAwaitingConfirmation(pending) && version === runningVersion && confirmPendingInstall(root)) {
        return { outcome: 'installed', version, previous, requestId };
      }
      return undefined;
    },
  };
}

/**
 * B01 BootReason of a start into a release just installed, or back after a rollback: FirmwareUpdate
 * (pending-install.json not yet settled); undefined otherwise.
 */
export function firmwareBootReason(config: StationConfig): 'FirmwareUpdate' | undefined {
  const pending = readPendingInstall(releaseRoot(config));
  return pending !== undefined && pending.confirmedAt === undefined ? 'FirmwareUpdate' : undefined;
}

export interface FirmwareParts {
  clock: Clock;
  log: Logger;
  store: StateStore;
  station: Station;
  certificates: Pick<CertificateStore, 'rootsPem' | 'caFile'>;
  deviceModel?: DeviceModel;
  runningVersion: string;
  raise: (event: SecurityEvent) => void;
  restart: () => void;
  /** Default: src/release on releaseRoot(config). */
  installer?: FirmwareInstaller;
}

/**
 * The firmware updates of one station (issue 15): files under `<storage.dir>/firmware`, trusted
 * when signed under an installed ManufacturerRootCertificate, installed as evse-agent releases; the
 * wait for running transactions holds new sessions unless AllowNewSessionsPendingFirmwareUpdate
 * (2.0.1; 1.6 has no such key, so it holds them).
 */
export function stationFirmware(config: StationConfig, parts: FirmwareParts): FirmwareUpdates {
  const { station, deviceModel } = parts;
  const updates = new FirmwareUpdates({
    clock: parts.clock,
    log: parts.log,
    dir: path.join(config.storage.dir, 'firmware'),
    store: parts.store,
    runningVersion: parts.runningVersion,
    installer: parts.installer ?? releaseInstaller(releaseRoot(config), config, parts.runningVersion, parts.log),
    manufacturerRoots: () => parts.certificates.rootsPem('ManufacturerRootCertificate'),
    raise: parts.raise,
    allowUnsigned: () => config.firmware.allowUnsigned,
    transactionsRunning: () => station.transactions().length,
    stationEvents$: station.events$,
    allowNewSessionsPending: () => deviceModel?.getBool('ChargingStation', 'AllowNewSessionsPendingFirmwareUpdate') ?? false,
    holdNewSessions: (hold) => station.holdNewSessions(hold),
    restart: parts.restart,
    // An https or ftps location may chain to the CSMS roots too, as a log upload's may (N01.FR.15).
    ca: () => {
      const file = parts.certificates.caFile() ?? config.ocpp.caFile;
      return file ? readFileSync(file) : undefined;
    },
  });
  // What a download cut off by the last stop left: no request runs yet, the CSMS hears it failed.
  void updates.removeLeftovers().catch((err: Error) => parts.log.warning(`leftover firmware files not removed: ${err.message}`));
  // A release half unpacked when the last run was killed or lost power (the CSMS hears InstallationFailed once booted).
  if (!parts.installer) void removeInstallLeftovers(releaseRoot(config)).catch((err: Error) => parts.log.warning(`leftover release files not removed: ${err.message}`));
  return updates;
}
