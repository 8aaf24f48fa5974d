import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CURRENT_LINK, currentVersion, pointLink } from './layout.js';

/**
 * `<state>/pending-install.json`: a release activated but not yet confirmed (issue 15). Written by
 * activateRelease; the launcher counts starts in it and goes back to `previous` when the new
 * release crashed `maxFailedStarts` times or did not confirm within `confirmTimeoutS`, writing
 * `rolledBack`; the new release writes `confirmedAt` once its BootNotification is Accepted
 * (confirmPendingInstall), then reports Installed (OCPP 2.0.1 L01.FR.08 / 1.6 "Installed"); the old
 * one, finding `rolledBack`, reports InstallationFailed and a security event, then clears the file.
 * Node builtins only: the launcher reads it before choosing which release to load.
 */
export interface PendingInstall {
  version: string;
  /** The release to go back to; null: the program installed in /opt/evse-agent (no `current` link). */
  previous: string | null;
  /** The UpdateFirmware's requestId, for the FirmwareStatusNotifications after the restart. */
  requestId?: number;
  /** When the new release was activated (ISO 8601). */
  startedAt: string;
  maxFailedStarts: number;
  confirmTimeoutS: number;
  /** Starts of the new release so far (the launcher counts them). */
  starts: number;
  confirmedAt?: string;
  rolledBack?: { from: string; to: string | null; reason: string; at: string };
}

export const PENDING_INSTALL_FILE = 'pending-install.json';

export function pendingInstallPath(root: string): string {
  return path.join(root, PENDING_INSTALL_FILE);
}

function isPendingInstall(value: unknown): value is PendingInstall {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p.version === 'string' && (typeof p.previous === 'string' || p.previous === null) && typeof p.startedAt === 'string'
    && typeof p.maxFailedStarts === 'number' && typeof p.confirmTimeoutS === 'number' && typeof p.starts === 'number';
}

/** The pending install, if there is a readable one; a broken file counts as none (and is left for inspection). */
export function readPendingInstall(root: string): PendingInstall | undefined {
  let text: string;
  try {
    text = readFileSync(pendingInstallPath(root), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return isPendingInstall(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Written beside and renamed over: a crash leaves the old file or the new one. */
export function writePendingInstall(root: string, pending: PendingInstall): void {
  const file = pendingInstallPath(root);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(pending, null, 2)}\n`, { mode: 0o640 });
  renameSync(temporary, file);
}

export function clearPendingInstall(root: string): void {
  rmSync(pendingInstallPath(root), { force: true });
}

/** A pending install neither confirmed nor rolled back. */
export type AwaitingConfirmation = PendingInstall & { confirmedAt?: undefined; rolledBack?: undefined };

/** Still waiting for the new release to confirm (and, when false, a PendingInstall stays one: not narrowed away). */
export function isAwaitingConfirmation(pending: PendingInstall | undefined): pending is AwaitingConfirmation {
  return pending !== undefined && pending.confirmedAt === undefined && pending.rolledBack === undefined;
}

/**
 * The running release confirms its install (its BootNotification was Accepted): writes
 * `confirmedAt`, which stops the launcher from going back. Returns the pending install when this
 * call confirmed it (the caller then reports Installed), undefined when there was none to confirm.
 */
export function confirmPendingInstall(root: string, now: Date = new Date()): PendingInstall | undefined {
  const pending = readPendingInstall(root);
  if (!isAwaitingConfirmation(pending)) return undefined;
  const confirmed = { ...pending, confirmedAt: now.toISOString() };
  writePendingInstall(root, confirmed);
  return confirmed;
}

/**
 * Goes back to the previous release: `rolledBack` written, then `current` switched (or removed: the
 * installed program). In that order, so a crash between the two leaves a record the launcher
 * finishes from (finishRollBack) rather than a switched link nobody explains.
 */
export function rollBackPendingInstall(root: string, pending: PendingInstall, reason: string, now: Date = new Date()): PendingInstall {
  const rolledBack = { ...pending, rolledBack: { from: pending.version, to: pending.previous, reason, at: now.toISOString() } };
  writePendingInstall(root, rolledBack);
  finishRollBack(root, rolledBack);
  return rolledBack;
}

/** Points `current` back where a rollback wants it, if it still names the release rolled back from. */
export function finishRollBack(root: string, pending: PendingInstall): void {
  if (pending.rolledBack === undefined || currentVersion(root) !== pending.rolledBack.from) return;
  pointLink(root, CURRENT_LINK, pending.rolledBack.to ?? undefined);
}
