import type { LedColour } from '../../../config/station-config.js';
import type { DigitalOutput } from '../../gpio/gpio.js';
import type { StatusIndicator } from '../../roles/status-indicator.js';

/** An EVSE's status lights on GPIO lines, one output per colour. */
export class GpioStatusIndicator implements StatusIndicator {
  readonly colours: readonly LedColour[];

  constructor(readonly lines: Partial<Record<LedColour, DigitalOutput>>) {
    this.colours = Object.keys(lines) as LedColour[];
  }

  light(colours: readonly LedColour[]): void {
    for (const colour of this.colours) {
      const led = this.lines[colour]!;
      const on = colours.includes(colour);
      if (led.active !== on) led.set(on);
    }
  }

  get lit(): readonly LedColour[] {
    return this.colours.filter((c) => this.lines[c]!.active);
  }

  async close(): Promise<void> {
    for (const led of Object.values(this.lines)) await led.close();
  }
}
