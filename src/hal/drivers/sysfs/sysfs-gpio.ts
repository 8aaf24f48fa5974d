import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { GpioDriver, LineAddress, Level, RawInputPin, RawOutputPin } from '../../gpio/gpio.js';

/**
 * GPIO through the kernel's sysfs interface, with onoff. Since kernel 6.6 sysfs numbers lines from
 * the chip's base (512 for a Pi 4's pinctrl-bcm2711, 571 for a Pi 5's pinctrl-rp1), so BCM 17 is not
 * gpio17 any more: the chip is found by its label and its base added.
 */

export const DEFAULT_SYSFS_ROOT = '/sys/class/gpio';

/**
 * The labels of the controllers behind the Raspberry Pi's 40-pin header, most recent first. Not
 * pinctrl-bcm2712: on a Pi 5 that is the SoC's own GPIO, and the header is on the RP1.
 */
export const RASPBERRY_PI_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

export interface GpioChip {
  /** Folder name, e.g. gpiochip512. */
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

export function listGpioChips(root: string): GpioChip[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch (err) {
    throw new Error(`no GPIO sysfs at ${root} (${(err as NodeJS.ErrnoException).code ?? String(err)}): is this a Linux board with CONFIG_GPIO_SYSFS?`, { cause: err });
  }
  const chips: GpioChip[] = [];
  for (const name of entries.filter((e) => /^gpiochip\d+$/.test(e))) {
    const dir = path.join(root, name);
    try {
      chips.push({
        name,
        label: readFileSync(path.join(dir, 'label'), 'utf8').trim(),
        base: Number(readFileSync(path.join(dir, 'base'), 'utf8').trim()),
        ngpio: Number(readFileSync(path.join(dir, 'ngpio'), 'utf8').trim()),
      });
    } catch {
      // A chip folder without the attributes is not one we can use; skip it.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** Finds the chip a line is on: by label when given, else the Raspberry Pi's header controller. */
export function findChip(chips: GpioChip[], label?: string): GpioChip {
  const wanted = label ? [label] : RASPBERRY_PI_CHIP_LABELS;
  for (const l of wanted) {
    const chip = chips.find((c) => c.label === l);
    if (chip) return chip;
  }
  const seen = chips.map((c) => `${c.label} (base ${c.base})`).join(', ') || 'none';
  throw new Error(
    label
      ? `no GPIO chip labelled "${label}"; found: ${seen}`
      : `no Raspberry Pi GPIO chip (${RASPBERRY_PI_CHIP_LABELS.join(', ')}) found; found: ${seen}. Name the chip in gpio.chip.`,
  );
}

/** The sysfs number of a BCM line: the chip's base plus the line's offset on it. */
export function sysfsNumber(chips: GpioChip[], address: LineAddress, defaultChip?: string): { number: number; chip: GpioChip } {
  const chip = findChip(chips, address.chip ?? defaultChip);
  if (!Number.isInteger(address.line) || address.line < 0 || address.line >= chip.ngpio) {
    throw new Error(`line ${address.line} is not on ${chip.label}, which has lines 0..${chip.ngpio - 1}`);
  }
  return { number: chip.base + address.line, chip };
}

/** The part of onoff's Gpio we use: a seam so tests can see what the driver asks of sysfs. */
export interface OnoffLikeGpio {
  readSync(): number;
  writeSync(value: 0 | 1): void;
  watch(cb: (err: Error | null | undefined, value: number) => void): void;
  unwatchAll(): void;
  unexport(): void;
}
export type OnoffFactory = (
  sysfsNumber: number,
  direction: 'in' | 'high' | 'low',
  edge?: 'both',
) => OnoffLikeGpio;

type OnoffGpio = new (n: number, direction: 'in' | 'high' | 'low', edge?: 'both') => OnoffLikeGpio;

/**
 * onoff is loaded when the first line is opened, not with this module: `failsafe` (which must start
 * in about the time of a bare node) imports this file for the sysfs layout only and never opens a line
 * through onoff.
 */
const onoffFactory: OnoffFactory = (n, direction, edge) => {
  const { Gpio } = createRequire(import.meta.url)('onoff') as { Gpio: OnoffGpio };
  return edge ? new Gpio(n, direction, edge) : new Gpio(n, direction);
};

export interface SysfsGpioOptions {
  /** The chip label for lines that name none. */
  chip?: string;
  /** Where sysfs GPIO is; injectable so tests can build a fake tree. onoff itself always uses /sys/class/gpio. */
  root?: string;
  open?: OnoffFactory;
}

export class SysfsGpio implements GpioDriver {
  readonly kind = 'sysfs' as const;
  private chips: GpioChip[] | undefined;
  private readonly root: string;
  private readonly open: OnoffFactory;

  constructor(private readonly options: SysfsGpioOptions = {}) {
    this.root = options.root ?? DEFAULT_SYSFS_ROOT;
    this.open = options.open ?? onoffFactory;
  }

  private resolve(address: LineAddress): { number: number; chip: GpioChip } {
    this.chips ??= listGpioChips(this.root);
    return sysfsNumber(this.chips, address, this.options.chip);
  }

  describe(address: LineAddress): string {
    try {
      const { number, chip } = this.resolve(address);
      return `BCM ${address.line} (sysfs gpio${number} on ${chip.label})`;
    } catch {
      return `BCM ${address.line}${address.chip ? ` on ${address.chip}` : ''}`;
    }
  }

  private claim(address: LineAddress, direction: 'in' | 'high' | 'low', edge?: 'both'): OnoffLikeGpio {
    const { number, chip } = this.resolve(address);
    try {
      return this.open(number, direction, edge);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const hint = code === 'EACCES' || code === 'EPERM' ? ' (is the agent\'s user in the gpio group?)' : '';
      throw new Error(`cannot open BCM ${address.line} as sysfs gpio${number} on ${chip.label}: ${(err as Error).message}${hint}`, { cause: err });
    }
  }

  async openOutput(address: LineAddress, initialLevel: Level): Promise<RawOutputPin> {
    // "high"/"low" set the direction and the raw level in one write: the line never shows the other level.
    const gpio = this.claim(address, initialLevel === 1 ? 'high' : 'low');
    return {
      writeSync: (level) => gpio.writeSync(level),
      // Left exported and driven: unexporting would float the line and could energise a relay board.
      close: async () => undefined,
    };
  }

  async openInput(address: LineAddress): Promise<RawInputPin> {
    const gpio = this.claim(address, 'in', 'both');
    return {
      readSync: () => (gpio.readSync() ? 1 : 0),
      watch: (onEdge) =>
        gpio.watch((err, value) => {
          if (!err) onEdge(value ? 1 : 0);
        }),
      close: async () => {
        gpio.unwatchAll();
        gpio.unexport();
      },
    };
  }

  async close(): Promise<void> {}
}
