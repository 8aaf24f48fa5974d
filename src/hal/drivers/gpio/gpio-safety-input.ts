import type { Observable } from 'rxjs';
import type { SafetyInputConfig, SafetyInputFunction } from '../../../config/station-config.js';
import type { DigitalInput } from '../../gpio/gpio.js';
import type { SafetyInput } from '../../roles/safety-input.js';

/** A safety input on a GPIO line, debounced and with its polarity applied (gpio/gpio.ts). */
export class GpioSafetyInput implements SafetyInput {
  readonly name: string;
  readonly function: SafetyInputFunction;
  readonly evseId?: number;

  constructor(
    config: SafetyInputConfig,
    readonly line: DigitalInput,
  ) {
    this.name = config.name;
    this.function = config.function;
    if (config.evseId !== undefined) this.evseId = config.evseId;
  }

  get active(): boolean {
    return this.line.active;
  }

  get active$(): Observable<boolean> {
    return this.line.active$;
  }

  async close(): Promise<void> {
    await this.line.close();
  }
}
