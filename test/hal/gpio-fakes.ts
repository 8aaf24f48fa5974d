import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import type { OnoffFactory, OnoffLikeGpio } from '../../src/hal/drivers/sysfs/sysfs-gpio.js';
import type { Level } from '../../src/hal/gpio/gpio.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Fakes for the GPIO tests: sysfs trees of real boards, a recording onoff, a captured CLI io. */


export interface ChipSpec {
  label: string;
  base: number;
  ngpio: number;
}

/** A /sys/class/gpio as the kernel lays it out: gpiochipN folders with label, base and ngpio. */
export function fakeSysfs(chips: ChipSpec[]): string {
  const root = path.join(makeTempDir('evse-gpio-sysfs'), 'gpio');
  mkdirSync(root);
  writeFileSync(path.join(root, 'export'), '');
  writeFileSync(path.join(root, 'unexport'), '');
  for (const c of chips) {
    const dir = path.join(root, `gpiochip${c.base}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'label'), `${c.label}\n`);
    writeFileSync(path.join(dir, 'base'), `${c.base}\n`);
    writeFileSync(path.join(dir, 'ngpio'), `${c.ngpio}\n`);
  }
  return root;
}

export const PI4_KERNEL_66: ChipSpec[] = [
  { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];
export const PI4_OLD_KERNEL: ChipSpec[] = [
  { label: 'pinctrl-bcm2711', base: 0, ngpio: 58 },
  { label: 'raspberrypi-exp-gpio', base: 504, ngpio: 8 },
];
// A Pi 5: the SoC's own controllers sit below the RP1, whose lines are the 40-pin header.
export const PI5: ChipSpec[] = [
  { label: 'pinctrl-bcm2712', base: 512, ngpio: 32 },
  { label: 'gpio-brcmstb@107d508520', base: 544, ngpio: 4 },
  { label: 'gpio-brcmstb@107d517c00', base: 548, ngpio: 17 },
  { label: 'gpio-brcmstb@107d517c20', base: 565, ngpio: 6 },
  { label: 'pinctrl-rp1', base: 571, ngpio: 54 },
];
export const PI3_KERNEL_66: ChipSpec[] = [
  { label: 'pinctrl-bcm2835', base: 512, ngpio: 54 },
  { label: 'raspberrypi-exp-gpio', base: 566, ngpio: 8 },
];

export interface FakeOnoffPin extends OnoffLikeGpio {
  number: number;
  direction: 'in' | 'high' | 'low';
  edge: 'both' | undefined;
  writes: Level[];
  value: number;
  watchers: Array<(err: Error | null | undefined, value: number) => void>;
  unexported: boolean;
}

/** An OnoffFactory that records what the driver asks of sysfs and hands out fake pins. */
export function recordingFactory(): { open: OnoffFactory; pins: FakeOnoffPin[]; pin(n: number): FakeOnoffPin } {
  const pins: FakeOnoffPin[] = [];
  const open: OnoffFactory = (number, direction, edge) => {
    const pin: FakeOnoffPin = {
      number,
      direction,
      edge,
      writes: [],
      value: direction === 'high' ? 1 : 0,
      watchers: [],
      unexported: false,
      readSync() {
        return this.value;
      },
      writeSync(v) {
        this.writes.push(v);
        this.value = v;
      },
      watch(cb) {
        this.watchers.push(cb);
      },
      unwatchAll() {
        this.watchers = [];
      },
      unexport() {
        this.unexported = true;
      },
    };
    pins.push(pin);
    return pin;
  };
  return {
    open,
    pins,
    pin(n) {
      const p = pins.find((x) => x.number === n);
      assert.ok(p, `sysfs gpio${n} was never opened (opened: ${pins.map((x) => x.number).join(', ')})`);
      return p;
    },
  };
}

export function captureIo(stop: AbortSignal = AbortSignal.abort()): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stop,
    out: () => out,
    err: () => err,
  };
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---------------------------------------------------------------------------------------------
