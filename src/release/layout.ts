import { mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Where releases live on the station (issue 15, "Installing on the Pi"), under the state directory
 * (/var/lib/evse-agent, writable under the unit's sandbox: StateDirectory=):
 *   releases/<version>/      one unpacked release each, side by side
 *   current -> releases/<v>  the one the launcher starts (none: the one installed in /opt/evse-agent)
 *   previous -> releases/<v> the one before it, to go back to
 *   pending-install.json     an activation not yet confirmed (pending-install.ts)
 * Node builtins only: the launcher imports this before choosing which release to load.
 */

export const DEFAULT_STATE_DIR = '/var/lib/evse-agent';
export const RELEASES_DIR = 'releases';
export const CURRENT_LINK = 'current';
export const PREVIOUS_LINK = 'previous';
/** Releases kept under releases/ (the current and previous ones always among them): firmware.keepReleases. */
export const DEFAULT_KEEP_RELEASES = 3;
/** Starts of a new release without its boot accepted before the launcher goes back: firmware.maxFailedStarts. */
export const DEFAULT_MAX_FAILED_STARTS = 3;
/** Seconds a new release has to get its BootNotification accepted: firmware.confirmTimeoutS. */
export const DEFAULT_CONFIRM_TIMEOUT_S = 600;

export function releasesDir(root: string): string {
  return path.join(root, RELEASES_DIR);
}

export function releaseDir(root: string, version: string): string {
  return path.join(root, RELEASES_DIR, version);
}

/** The agent's entry in a release (or in the installed program's folder). */
export function releaseEntry(dir: string): string {
  return path.join(dir, 'dist', 'src', 'cli', 'main.js');
}

/** The version a link (current or previous) points at; undefined when there is no such link. */
export function linkedVersion(root: string, link: string): string | undefined {
  try {
    const target = readlinkSync(path.join(root, link));
    return path.basename(target);
  } catch {
    return undefined;
  }
}

export function currentVersion(root: string): string | undefined {
  return linkedVersion(root, CURRENT_LINK);
}

/**
 * Points `link` at releases/<version> in one step: a new symlink made beside it, then renamed over
 * it (rename(2) replaces atomically, so the launcher sees the old link or the new one, never none).
 * `version` undefined removes the link (current: back to the installed program).
 */
export function pointLink(root: string, link: string, version: string | undefined): void {
  const at = path.join(root, link);
  if (version === undefined) {
    rmSync(at, { force: true });
    return;
  }
  mkdirSync(root, { recursive: true });
  const temporary = `${at}.${process.pid}.${Date.now()}.tmp`;
  symlinkSync(path.join(RELEASES_DIR, version), temporary);
  try {
    renameSync(temporary, at);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}
