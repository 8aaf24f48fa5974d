import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether this start of the agent follows a power-up of the machine or a restart of the agent on
 * a machine that kept running (a crash, `systemctl restart`, a Reset). The kernel draws a new
 * random boot id at every boot; the agent remembers the one it last ran under in `storage.dir`.
 * The same id as last time: the agent restarted. Another one, or none remembered: the machine
 * booted (or the storage is new), which for the station is a power-up.
 */

export const KERNEL_BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';
/**
 * The boot id as systemd passes it (the unit's `Environment=EVSE_AGENT_BOOT_ID=%b`): the service's
 * sandbox (ProcSubset=pid) hides /proc/sys from the agent.
 */
export const BOOT_ID_ENV = 'EVSE_AGENT_BOOT_ID';
/** In storage.dir: the kernel boot id of the agent's last start. */
export const LAST_BOOT_ID_FILE = 'last-boot-id';

export type DeviceStart = 'power-up' | 'restart';

/** One spelling for both sources: systemd's %b is 32 hex digits, the kernel's file has dashes. */
const normalized = (id: string): string | undefined => id.trim().toLowerCase().replaceAll('-', '') || undefined;

/** The kernel's boot id from systemd's variable, else from the kernel's file; undefined where there is none (not Linux). */
export function readKernelBootId(file = KERNEL_BOOT_ID_FILE, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromSystemd = normalized(env[BOOT_ID_ENV] ?? '');
  if (fromSystemd) return fromSystemd;
  try {
    return normalized(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Compares the boot id now with the remembered one, and remembers the one now. Without a boot id
 * the two cannot be told apart: that start counts as a power-up, and nothing is remembered.
 */
export function recordDeviceStart(storageDir: string, bootId: string | undefined): DeviceStart {
  if (bootId === undefined) return 'power-up';
  const file = path.join(storageDir, LAST_BOOT_ID_FILE);
  let last: string | undefined;
  try {
    last = readFileSync(file, 'utf8').trim();
  } catch {
    last = undefined;
  }
  if (last !== bootId) {
    // Replaced whole, so a power cut mid-write leaves the old id or the new one, never half of one.
    writeFileSync(`${file}.tmp`, `${bootId}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  return last === bootId ? 'restart' : 'power-up';
}

/** In storage.dir while the agent is stopped after a clean stop (SIGTERM, SIGINT, a Reset); removed at each start. */
export const CLEAN_STOP_FILE = 'clean-stop';

/** Notes that the agent stopped on purpose (at `at`), so that the next start can tell it from a crash. */
export function recordCleanStop(storageDir: string, at: Date): void {
  writeFileSync(path.join(storageDir, CLEAN_STOP_FILE), `${at.toISOString()}\n`, { mode: 0o600 });
}

/** Whether the last stop was clean; the note is consumed, so a crash after this start is not taken for one. */
export function takeCleanStop(storageDir: string): boolean {
  try {
    rmSync(path.join(storageDir, CLEAN_STOP_FILE));
    return true;
  } catch {
    return false;
  }
}

/**
 * The BootNotification reason of a start nobody asked for over OCPP (B01): after a power-up
 * PowerUp; after the agent alone restarted, LocalReset when it had been stopped on purpose (a
 * `systemctl restart` for an upgrade) and ApplicationReset when it had not (a crash, a kill).
 */
export function unrequestedBootReason(start: DeviceStart, stoppedCleanly: boolean): 'PowerUp' | 'LocalReset' | 'ApplicationReset' {
  if (start === 'power-up') return 'PowerUp';
  return stoppedCleanly ? 'LocalReset' : 'ApplicationReset';
}
