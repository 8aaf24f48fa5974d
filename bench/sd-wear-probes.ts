/**
 * What bench/sd-wear reads from Linux: a process's I/O counters, the sectors a block device has
 * written, and the size and modification time of every file in a folder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ProcessIo {
  /** Bytes the process caused to be sent to the block layer (page-cache pages dirtied). */
  writeBytes: number;
  /** Bytes passed to write(2) and the like, sockets and pipes included. */
  wchar: number;
  /** Write-like system calls. */
  syscw: number;
  /** Dirtied bytes that never reached the device (the file truncated or removed first). */
  cancelledWriteBytes: number;
}

/** /proc/PID/io (proc(5)): the whole process, every thread. */
export function ioOf(pid: number): ProcessIo {
  const fields = new Map(
    readFileSync(`/proc/${pid}/io`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [key, value] = line.split(':');
        return [key!.trim(), Number(value)] as const;
      }),
  );
  return { writeBytes: fields.get('write_bytes') ?? 0, wchar: fields.get('wchar') ?? 0, syscw: fields.get('syscw') ?? 0, cancelledWriteBytes: fields.get('cancelled_write_bytes') ?? 0 };
}

/**
 * The whole-disk block device (e.g. "vda", "mmcblk0") holding `file`, from its st_dev through
 * /sys/dev/block/MAJ:MIN (a partition's parent is the disk); undefined when there is none (tmpfs, overlay).
 */
export function blockDeviceOf(file: string): string | undefined {
  const dev = statSync(file).dev;
  // Linux's new_encode_dev: minor's low 8 bits, major, then minor's high bits.
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  const link = `/sys/dev/block/${major}:${minor}`;
  if (!existsSync(link)) return undefined;
  const real = realpathSync(link);
  return existsSync(path.join(real, 'partition')) ? path.basename(path.dirname(real)) : path.basename(real);
}

/** Sectors (512 bytes, whatever the device's own size) the device has written since boot: /sys/block/DEV/stat field 7. */
export function sectorsWritten(device: string): number | undefined {
  try {
    return Number(readFileSync(`/sys/block/${device}/stat`, 'utf8').trim().split(/\s+/)[6]);
  } catch {
    return undefined;
  }
}

export interface FileState {
  size: number;
  mtimeMs: number;
}

/** Every file under `dir` (relative path) with its size and modification time. */
export function filesUnder(dir: string): Map<string, FileState> {
  const files = new Map<string, FileState>();
  const walk = (at: string): void => {
    let names: string[];
    try {
      names = readdirSync(at);
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(at, name);
      try {
        const st = statSync(full);
        if (st.isDirectory()) walk(full);
        else files.set(path.relative(dir, full), { size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // gone between the listing and the stat (a temporary file renamed)
      }
    }
  };
  walk(dir);
  return files;
}

/** What one save of a simulated register file costs: the process's write_bytes, the device's bytes (when it has one). */
export interface SaveCost {
  writeBytes: number;
  deviceBytes: number | undefined;
}

/**
 * One save of a simulated meter's register file (hal/drivers/simulated: a small JSON written to a
 * temporary file renamed over the old one, every 5 s while the register moves), measured in this
 * process in `dir` on `device`: the part of a simulated station's writes that real hardware does
 * not make. `saves` saves `everyMs` apart, as the agent makes them.
 */
export async function registerSaveCost(dir: string, device: string | undefined, saves: number, everyMs: number): Promise<SaveCost> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'simulated-meter-evse-1.json');
  const before = ioOf(process.pid);
  const sectorsBefore = device ? sectorsWritten(device) : undefined;
  for (let i = 1; i <= saves; i++) {
    writeFileSync(`${file}.tmp`, JSON.stringify({ energyImportWh: i * 15.3 }));
    renameSync(`${file}.tmp`, file);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const after = ioOf(process.pid);
  const sectorsAfter = device ? sectorsWritten(device) : undefined;
  return {
    writeBytes: (after.writeBytes - before.writeBytes - (after.cancelledWriteBytes - before.cancelledWriteBytes)) / saves,
    deviceBytes: sectorsBefore !== undefined && sectorsAfter !== undefined ? ((sectorsAfter - sectorsBefore) * 512) / saves : undefined,
  };
}
