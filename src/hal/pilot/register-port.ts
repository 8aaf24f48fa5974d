import type { RegisterReadError } from '../meter/register-reader.js';

/**
 * A pilot board's registers as the driver reaches them: a unit on a Modbus bus, or the simulated
 * board in the same process. Failures are RegisterReadErrors (timeout, crc, exception, io), as
 * for meters, so health counts them alike.
 */
export interface PilotRegisterPort {
  readonly description: string;
  readRegisters(fn: 3 | 4, start: number, count: number): Promise<number[]>;
  /** Writes one register (function 6, or 16 with one word). */
  writeRegister(fn: 6 | 16, address: number, value: number): Promise<void>;
}

export type { RegisterReadError };
