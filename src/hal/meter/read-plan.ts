import { decodeRegisters, isMaxValue } from './codec.js';
import { REGISTER_WORDS, type MeterProfile, type ModbusReadFunction, type RegisterSpec } from './profile.js';
import { type MeterValueName } from '../../station/meter-reading.js';

/** One Modbus read request of a poll, and which values sit where in its answer. */
export interface ReadRequest {
  function: ModbusReadFunction;
  start: number;
  count: number;
  values: Array<{ name: MeterValueName; offset: number; spec: RegisterSpec }>;
}

/** The most registers one read may ask for, by the Modbus spec (FC 3/4). */
export const MODBUS_MAX_READ_REGISTERS = 125;

/**
 * Plans a poll with the fewest requests: values of one function code whose registers are contiguous,
 * or separated by at most limits.maxGapRegisters unused registers, share a request of at most
 * limits.maxRegistersPerRequest registers. Reading a short gap costs less wire time than another
 * request's header, CRC and inter-frame silence.
 */
export function planReads(profile: MeterProfile): ReadRequest[] {
  const maxCount = Math.min(profile.limits.maxRegistersPerRequest, MODBUS_MAX_READ_REGISTERS);
  const maxGap = profile.limits.maxGapRegisters;
  const entries = (Object.entries(profile.values) as Array<[MeterValueName, RegisterSpec]>).sort(
    ([, a], [, b]) => a.function - b.function || a.register - b.register,
  );
  const plan: ReadRequest[] = [];
  let current: ReadRequest | undefined;
  for (const [name, spec] of entries) {
    const words = REGISTER_WORDS[spec.type];
    if (current) {
      const end = current.start + current.count;
      const gap = spec.register - end;
      const newCount = spec.register + words - current.start;
      if (current.function === spec.function && gap <= maxGap && newCount <= maxCount) {
        current.count = Math.max(current.count, newCount);
        current.values.push({ name, offset: spec.register - current.start, spec });
        continue;
      }
    }
    current = { function: spec.function, start: spec.register, count: words, values: [{ name, offset: 0, spec }] };
    plan.push(current);
  }
  return plan;
}

/** Decodes one request's answer into its values. */
export function decodeAnswer(
  request: ReadRequest,
  registers: readonly number[],
  notAvailableIsMax = false,
): Partial<Record<MeterValueName, number>> {
  if (registers.length < request.count) {
    throw new RangeError(`expected ${request.count} registers from ${request.start}, got ${registers.length}`);
  }
  const out: Partial<Record<MeterValueName, number>> = {};
  for (const v of request.values) {
    const words = registers.slice(v.offset, v.offset + REGISTER_WORDS[v.spec.type]);
    if (notAvailableIsMax && isMaxValue(words, v.spec)) continue;
    out[v.name] = decodeRegisters(words, v.spec);
  }
  return out;
}
