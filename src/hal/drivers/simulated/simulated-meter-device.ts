import { encodeRegisters } from '../../meter/codec.js';
import { RegisterReadError, type RegisterReader } from '../../meter/register-reader.js';
import { REGISTER_WORDS, type MeterProfile, type RegisterSpec } from '../../meter/profile.js';
import { type MeterValueName } from '../../../station/meter-reading.js';
import { MODBUS_MAX_READ_REGISTERS } from '../../meter/read-plan.js';
import type { MeterPhysics } from './meter-physics.js';

/** Faults a simulated meter can be told to show, to exercise the driver's fault handling. */
export type SimulatedMeterFault =
  | { mode: 'none' }
  /** No answer at all, as a meter with a broken wire. */
  | { mode: 'silent' }
  /** Answers whose CRC is wrong, as on a noisy line. */
  | { mode: 'crc' }
  /** A Modbus exception response with this code (e.g. 4, slave device failure). */
  | { mode: 'exception'; code: number }
  /** The energy register reads this many Wh lower than the physics say, as a swapped or reset meter. */
  | { mode: 'energy-backwards'; byWh: number };

/** Modbus exception codes a meter answers with. */
export const ModbusException = {
  IllegalFunction: 1,
  IllegalDataAddress: 2,
  IllegalDataValue: 3,
  SlaveDeviceFailure: 4,
} as const;

export class ModbusExceptionError extends Error {
  constructor(readonly code: number) {
    super(`Modbus exception ${code}`);
  }
}

/**
 * A simulated meter as its registers: answers reads exactly as the profile's meter would (same
 * addresses, types, word order, limits), with values from the physics. Address rules follow
 * real meters: a read may cover gaps between defined registers only where the profile says the
 * meter allows it; outside the defined block, or too long, it gets an exception.
 */
export class SimulatedMeterDevice {
  fault: SimulatedMeterFault = { mode: 'none' };
  private readonly defined = new Map<number, Map<number, { name: MeterValueName; spec: RegisterSpec; word: number }>>();

  constructor(
    readonly profile: MeterProfile,
    readonly physics: MeterPhysics,
    readonly unitId = profile.serialDefaults?.unitId ?? 1,
  ) {
    for (const [name, spec] of Object.entries(profile.values) as Array<[MeterValueName, RegisterSpec]>) {
      let table = this.defined.get(spec.function);
      if (!table) this.defined.set(spec.function, (table = new Map()));
      for (let w = 0; w < REGISTER_WORDS[spec.type]; w++) table.set(spec.register + w, { name, spec, word: w });
    }
  }

  /** The registers of one read request, or a ModbusExceptionError, as the meter would answer. */
  readRegisters(fn: number, start: number, count: number): number[] {
    if (this.fault.mode === 'exception') throw new ModbusExceptionError(this.fault.code);
    const table = this.defined.get(fn);
    if (!table) throw new ModbusExceptionError(ModbusException.IllegalFunction);
    if (count < 1 || count > Math.min(this.profile.limits.maxRegistersPerRequest, MODBUS_MAX_READ_REGISTERS)) {
      throw new ModbusExceptionError(ModbusException.IllegalDataValue);
    }
    const addresses = [...table.keys()];
    const lo = Math.min(...addresses);
    const hi = Math.max(...addresses);
    const allowGaps = this.profile.limits.maxGapRegisters > 0;
    for (let r = start; r < start + count; r++) {
      const inBlock = r >= lo && r <= hi;
      if (!inBlock || (!allowGaps && !table.has(r))) throw new ModbusExceptionError(ModbusException.IllegalDataAddress);
    }
    const values = this.physics.values();
    if (this.fault.mode === 'energy-backwards') values.energyImportWh = Math.max(0, values.energyImportWh - this.fault.byWh);
    const encoded = new Map<MeterValueName, number[]>();
    const out: number[] = [];
    for (let r = start; r < start + count; r++) {
      const def = table.get(r);
      if (!def) {
        out.push(0);
        continue;
      }
      let words = encoded.get(def.name);
      if (!words) {
        words = encodeRegisters(values[def.name] ?? 0, def.spec);
        encoded.set(def.name, words);
      }
      out.push(words[def.word]!);
    }
    return out;
  }
}

/**
 * The in-process simulated meter's register reader: the device without a wire. A silent meter
 * makes the read wait out the timeout, as on a real line.
 */
export class SimulatedRegisterReader implements RegisterReader {
  constructor(
    readonly device: SimulatedMeterDevice,
    private readonly timeoutMs: number,
  ) {}

  get description(): string {
    return `simulated ${this.device.profile.id} unit ${this.device.unitId}`;
  }

  async readRegisters(fn: 3 | 4, start: number, count: number): Promise<number[]> {
    const fault = this.device.fault;
    if (fault.mode === 'silent') {
      await new Promise((r) => setTimeout(r, this.timeoutMs));
      throw new RegisterReadError('timeout', 'no answer (timed out)');
    }
    if (fault.mode === 'crc') throw new RegisterReadError('crc', 'CRC error');
    try {
      return this.device.readRegisters(fn, start, count);
    } catch (err) {
      if (err instanceof ModbusExceptionError) throw new RegisterReadError('exception', err.message, err.code);
      throw err;
    }
  }

  async close(): Promise<void> {}
}
