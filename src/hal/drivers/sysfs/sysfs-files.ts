import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OnoffFactory, OnoffLikeGpio } from './sysfs-gpio.js';

/**
 * Output lines written straight to sysfs files under a given root, without onoff (which always
 * uses /sys/class/gpio and needs its native addon). For `failsafe`, which must open the relays
 * with as little as possible between it and the kernel, and honours gpio.sysfsRoot.
 */

/** After an export, udev takes a moment to hand the new files to the gpio group. */
const READY_WITHIN_MS = 1000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function writeWhenReady(file: string, text: string): void {
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    try {
      writeFileSync(file, text);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'EACCES') || Date.now() >= deadline) throw err;
      sleepSync(10);
    }
  }
}

/** An OnoffFactory for SysfsGpio that claims outputs by writing root/gpioN/direction itself. */
export function sysfsFileOutputs(root: string): OnoffFactory {
  return (n, direction) => {
    if (direction === 'in') throw new Error('sysfs file lines are outputs only');
    const dir = path.join(root, `gpio${n}`);
    // The agent leaves its relay lines exported and driven; export only a line that is not.
    if (!existsSync(dir)) writeFileSync(path.join(root, 'export'), String(n));
    // "high"/"low" make the line an output at that raw level in one write.
    writeWhenReady(path.join(dir, 'direction'), direction);
    const value = path.join(dir, 'value');
    const line: OnoffLikeGpio = {
      writeSync: (v) => writeFileSync(value, String(v)),
      readSync: () => (readFileSync(value, 'utf8').trim() === '1' ? 1 : 0),
      watch: () => {
        throw new Error('sysfs file lines are outputs only');
      },
      unwatchAll: () => undefined,
      // Left exported and driven: unexporting would float the line.
      unexport: () => undefined,
    };
    return line;
  };
}
