import { readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The host's health as the operating system tells it (Linux sysfs and procfs, statfs): CPU
 * temperature, free storage, free memory, the agent's uptime, the journal's size. Read at the moment
 * they are asked for (the device model's Controller variables, monitors once a second); a value
 * that cannot be read now is undefined. The paths are options, so that tests give files of their own.
 */

export const THERMAL_ZONE_TEMP = '/sys/class/thermal/thermal_zone0/temp';
export const PROC_MEMINFO = '/proc/meminfo';

export interface HostHealthOptions {
  /** The folder whose filesystem's free space is reported, and where the journal files are. */
  storageDir: string;
  /** The journal's file name in storageDir; its compaction temp file and damaged copies (`<file>.*`) count too. */
  journalFile: string;
  /** The kernel's thermal zone of the CPU, in millidegrees Celsius. */
  thermalZonePath?: string;
  meminfoPath?: string;
  /** Seconds the agent's process has run; default process.uptime(). */
  uptimeS?: () => number;
}

export class HostHealth {
  /** Whether the CPU temperature could be read when this was made: a station without the sensor has no such variable. */
  readonly hasCpuTemperature: boolean;
  readonly #options: Required<HostHealthOptions>;

  constructor(options: HostHealthOptions) {
    this.#options = { thermalZonePath: THERMAL_ZONE_TEMP, meminfoPath: PROC_MEMINFO, uptimeS: () => process.uptime(), ...options };
    this.hasCpuTemperature = this.cpuTemperatureC() !== undefined;
  }

  /** The CPU's temperature, °C (the kernel gives millidegrees). */
  cpuTemperatureC(): number | undefined {
    try {
      const text = readFileSync(this.#options.thermalZonePath, 'utf8').trim();
      const milli = Number(text);
      return text === '' || !Number.isFinite(milli) ? undefined : milli / 1000;
    } catch {
      return undefined;
    }
  }

  /** Bytes an unprivileged process can still write on the storage folder's filesystem (statfs f_bavail x f_bsize). */
  storageFreeBytes(): number | undefined {
    try {
      const fsStats = statfsSync(this.#options.storageDir);
      return fsStats.bavail * fsStats.bsize;
    } catch {
      return undefined;
    }
  }

  /**
   * Memory available for new work without swapping: the kernel's MemAvailable estimate (kB in
   * /proc/meminfo); os.freemem() where there is none, which leaves out the reclaimable page cache.
   */
  memoryFreeBytes(): number {
    try {
      const match = /^MemAvailable:\s+(\d+)\s*kB/m.exec(readFileSync(this.#options.meminfoPath, 'utf8'));
      if (match) return Number(match[1]) * 1024;
    } catch {
      // no procfs: the fallback below
    }
    return os.freemem();
  }

  /** Whole seconds since the agent's process started. */
  uptimeS(): number {
    return Math.floor(this.#options.uptimeS());
  }

  /** Bytes the journal's files take in storageDir; 0 when there are none. */
  journalBytes(): number {
    const { storageDir, journalFile } = this.#options;
    let names: string[];
    try {
      names = readdirSync(storageDir);
    } catch {
      return 0;
    }
    let total = 0;
    for (const name of names) {
      if (name !== journalFile && !name.startsWith(`${journalFile}.`)) continue;
      try {
        const stats = statSync(path.join(storageDir, name));
        if (stats.isFile()) total += stats.size;
      } catch {
        // removed between the listing and the stat (a compaction's temp file)
      }
    }
    return total;
  }
}
