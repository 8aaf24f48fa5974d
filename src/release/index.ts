// The evse-agent release package and its lifecycle on the station (issue 15): what the firmware
// update service (src/services/firmware/) and the CLI (`evse-agent release`) use.
export { checkTarget, InvalidRelease, MANIFEST_NAME, releaseArch, thisMachine, type ReleaseArch, type ReleaseFile, type ReleaseManifest, type ReleaseTarget } from './manifest.js';
export { packRelease, type PackOptions } from './pack-release.js';
export { readRelease, walkRelease } from './read-release.js';
export { activateRelease, installedReleases, installRelease, pruneReleases, removeInstallLeftovers, type ActivateOptions, type InstallOptions } from './install.js';
export {
  clearPendingInstall, confirmPendingInstall, isAwaitingConfirmation, PENDING_INSTALL_FILE, readPendingInstall, rollBackPendingInstall, writePendingInstall,
  type AwaitingConfirmation, type PendingInstall,
} from './pending-install.js';
export {
  currentVersion, CURRENT_LINK, DEFAULT_CONFIRM_TIMEOUT_S, DEFAULT_KEEP_RELEASES, DEFAULT_MAX_FAILED_STARTS, DEFAULT_STATE_DIR, PREVIOUS_LINK, releaseDir,
  releaseEntry, RELEASES_DIR,
} from './layout.js';
export { FirmwareCertificateInvalid, FirmwareSignatureInvalid, signFirmwareFile, verifyFirmwareSignature, verifySigningCertificate } from './firmware-signature.js';
