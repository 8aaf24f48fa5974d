import type { MeterFaultKind } from '../../station/meter-reading.js';

/** How a register meter reaches its registers: Modbus (drivers/modbus) or the simulated device (drivers/simulated). */

/** An error of one register read, classified so that health can count it. */
export class RegisterReadError extends Error {
  constructor(
    readonly kind: Exclude<MeterFaultKind, 'energy-backwards' | 'invalid-value'>,
    message: string,
    readonly exceptionCode?: number,
  ) {
    super(message);
    this.name = 'RegisterReadError';
  }
}

/** Reads registers from one meter: one Modbus request per call. Drivers implement this. */
export interface RegisterReader {
  readonly description: string;
  readRegisters(fn: 3 | 4, start: number, count: number): Promise<number[]>;
  close(): Promise<void>;
}
