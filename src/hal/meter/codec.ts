import { REGISTER_WORDS, type RegisterSpec } from './profile.js';

/**
 * Register values <-> physical values, per a profile's type, word order and scale.
 * Modbus sends each 16-bit register big-endian; only the order of the words varies by maker.
 */

/** Puts a value's words in high-first order, whatever order the meter uses. */
function toHighFirst(words: readonly number[], spec: RegisterSpec): number[] {
  return spec.wordOrder === 'low-first' ? [...words].reverse() : [...words];
}

/** Decodes the words of one value (as read, in register order) into the physical value in spec.unit. */
export function decodeRegisters(words: readonly number[], spec: RegisterSpec): number {
  const n = REGISTER_WORDS[spec.type];
  if (words.length !== n) throw new RangeError(`${spec.type} needs ${n} registers, got ${words.length}`);
  const buf = Buffer.alloc(n * 2);
  toHighFirst(words, spec).forEach((w, i) => buf.writeUInt16BE(w & 0xffff, i * 2));
  let raw: number;
  switch (spec.type) {
    case 'uint16':
      raw = buf.readUInt16BE(0);
      break;
    case 'int16':
      raw = buf.readInt16BE(0);
      break;
    case 'uint32':
      raw = buf.readUInt32BE(0);
      break;
    case 'int32':
      raw = buf.readInt32BE(0);
      break;
    case 'float32':
      raw = buf.readFloatBE(0);
      break;
    case 'uint64':
      raw = Number(buf.readBigUInt64BE(0));
      break;
    case 'int64':
      raw = Number(buf.readBigInt64BE(0));
      break;
  }
  return raw * spec.scale;
}

/** Encodes a physical value into the registers a meter of this profile would hold (used by meter-sim). */
export function encodeRegisters(value: number, spec: RegisterSpec): number[] {
  const n = REGISTER_WORDS[spec.type];
  const buf = Buffer.alloc(n * 2);
  const raw = value / spec.scale;
  const int = (min: number, max: number): number => Math.min(max, Math.max(min, Math.round(raw)));
  switch (spec.type) {
    case 'uint16':
      buf.writeUInt16BE(int(0, 0xffff), 0);
      break;
    case 'int16':
      buf.writeInt16BE(int(-0x8000, 0x7fff), 0);
      break;
    case 'uint32':
      buf.writeUInt32BE(int(0, 0xffffffff), 0);
      break;
    case 'int32':
      buf.writeInt32BE(int(-0x80000000, 0x7fffffff), 0);
      break;
    case 'float32':
      buf.writeFloatBE(raw, 0);
      break;
    case 'uint64':
      buf.writeBigUInt64BE(BigInt(int(0, Number.MAX_SAFE_INTEGER)), 0);
      break;
    case 'int64':
      buf.writeBigInt64BE(BigInt(int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)), 0);
      break;
  }
  const words: number[] = [];
  for (let i = 0; i < n; i++) words.push(buf.readUInt16BE(i * 2));
  return spec.wordOrder === 'low-first' ? words.reverse() : words;
}

/** Whether the words hold the type's largest value, which some meters answer for a quantity they lack. */
export function isMaxValue(words: readonly number[], spec: RegisterSpec): boolean {
  const hi = toHighFirst(words, spec);
  const signed = spec.type.startsWith('int');
  return hi.every((w, i) => w === (i === 0 && signed ? 0x7fff : 0xffff)) && spec.type !== 'float32';
}
