/**
 * A firmware update's statuses in 2.0.1's words (FirmwareStatusEnumType, which the 1.6 security
 * whitepaper's SignedFirmwareStatusNotification repeats); the 1.6 adapter maps them to 1.6's
 * FirmwareStatus for a plain UpdateFirmware.
 */
export type FirmwareStatus =
  | 'Idle'
  | 'DownloadScheduled'
  | 'Downloading'
  | 'DownloadPaused'
  | 'Downloaded'
  | 'DownloadFailed'
  | 'InvalidSignature'
  | 'SignatureVerified'
  | 'InstallScheduled'
  | 'Installing'
  | 'InstallRebooting'
  | 'Installed'
  | 'InstallationFailed'
  | 'InstallVerificationFailed';

/** A CSMS' request for new firmware: 2.0.1 UpdateFirmware, 1.6 UpdateFirmware or SignedUpdateFirmware. */
export interface FirmwareRequest {
  /** 2.0.1 and SignedUpdateFirmware's requestId; for a 1.6 UpdateFirmware, one the service picks. */
  requestId: number;
  location: string;
  retrieveAt: Date;
  installAt?: Date;
  /** Attempts after the first failed one; the service's default when not given. */
  retries?: number;
  retryIntervalS?: number;
  /** PEM; with `signature` the request is signed (L01), without both it is not (L02, 1.6 UpdateFirmware). */
  signingCertificate?: string;
  signature?: string;
  /** Whether the request came as 1.6's plain UpdateFirmware (its statuses go as 1.6 FirmwareStatusNotification). */
  plain16?: boolean;
}

/** One status, as a notification tells it. */
export interface FirmwareStatusReport {
  status: FirmwareStatus;
  /** Absent only for Idle (L01.FR.20). */
  requestId?: number;
  /** The request was 1.6's plain UpdateFirmware. */
  plain16?: boolean;
}

/** What UpdateFirmware answers (2.0.1 UpdateFirmwareStatusEnumType; the whitepaper's is the same). */
export type FirmwareRequestAnswer = 'Accepted' | 'AcceptedCanceled' | 'Rejected' | 'InvalidCertificate';

/** What this start found of an install (pending-install.json, the launcher's contract, src/release). */
export interface InstallOutcome {
  /** installed: this release is the new one and has just confirmed it; rolled-back: the launcher went back to this one. */
  outcome: 'installed' | 'rolled-back';
  /** The release installed (the one rolled back from). */
  version: string;
  previous: string | null;
  requestId?: number;
  /** Why the launcher went back. */
  reason?: string;
}

/**
 * The release side of an update (src/release): checking that a file is a release package,
 * installing it beside the running one and making it current, and what the next start finds.
 */
export interface FirmwareInstaller {
  /** The package's version; throws when the file is not a valid release package. */
  check(file: string): Promise<{ version: string }>;
  /** Unpacks, makes it current and writes pending-install.json with the requestId; the running release is not touched. */
  install(file: string, requestId: number): Promise<{ version: string }>;
  /**
   * Called once this start's BootNotification is accepted: confirms a pending install of this
   * release (the launcher then keeps it), or clears a rolled-back one; undefined when neither.
   */
  settle(): Promise<InstallOutcome | undefined>;
}

/** The wire shape 2.0.1 UpdateFirmware and the whitepaper's SignedUpdateFirmware share (L01). */
export interface SignedFirmwareMessage {
  requestId: number;
  retries?: number;
  retryInterval?: number;
  firmware: { location: string; retrieveDateTime: string; installDateTime?: string; signingCertificate?: string; signature?: string };
}

/** A signed-update message as the service's request. */
export function firmwareRequestOf(message: SignedFirmwareMessage): FirmwareRequest {
  const { location, retrieveDateTime, installDateTime, signingCertificate, signature } = message.firmware;
  const request: FirmwareRequest = { requestId: message.requestId, location, retrieveAt: new Date(retrieveDateTime) };
  if (installDateTime !== undefined) request.installAt = new Date(installDateTime);
  if (message.retries !== undefined) request.retries = message.retries;
  if (message.retryInterval !== undefined) request.retryIntervalS = message.retryInterval;
  if (signingCertificate !== undefined) request.signingCertificate = signingCertificate;
  if (signature !== undefined) request.signature = signature;
  return request;
}
