import { OcmfFormatError } from './ocmf-types.js';

/**
 * Byte strings in 16-bit registers, two bytes a register, high byte first (WM3M4C manual 6.5.7,
 * 6.5.11: datasets and signatures), and DER ECDSA signatures made canonical.
 */

export function bytesToRegisters(bytes: Uint8Array): number[] {
  const registers: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) registers.push((bytes[i]! << 8) | (bytes[i + 1] ?? 0));
  return registers;
}

export function registersToBytes(registers: readonly number[], length: number): Buffer {
  const bytes = Buffer.alloc(registers.length * 2);
  registers.forEach((r, i) => bytes.writeUInt16BE(r & 0xffff, i * 2));
  return bytes.subarray(0, length);
}

/** An INTEGER's content with the fewest bytes DER allows (X.690 8.3.2): a 00 only before a byte of 0x80 or more. */
function minimalInteger(content: Buffer): Buffer {
  let start = 0;
  while (start < content.length - 1 && content[start] === 0 && content[start + 1]! < 0x80) start++;
  const trimmed = content.subarray(start);
  return trimmed[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
}

const derLength = (n: number): Buffer => (n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]));

/**
 * An ECDSA-Sig-Value (SEQUENCE of INTEGER r, s) re-encoded in canonical DER. Meters have been
 * reported writing r and s at a fixed width with superfluous leading zeros, which OpenSSL's verify
 * rejects; the numbers, and so the signature, stay the same.
 */
export function canonicalDerSignature(der: Uint8Array): Buffer {
  const buf = Buffer.from(der);
  let at = 0;
  const readLength = (): number => {
    const first = buf[at++]!;
    if (first < 0x80) return first;
    if (first === 0x81) return buf[at++]!;
    throw new OcmfFormatError('signature: DER length form not expected for ECDSA');
  };
  if (buf[at++] !== 0x30) throw new OcmfFormatError('signature is not a DER SEQUENCE');
  const seqLength = readLength();
  if (at + seqLength !== buf.length) throw new OcmfFormatError('signature: SEQUENCE length does not match');
  const integers: Buffer[] = [];
  for (let i = 0; i < 2; i++) {
    if (buf[at++] !== 0x02) throw new OcmfFormatError('signature: r and s must be INTEGERs');
    const len = readLength();
    if (len === 0 || at + len > buf.length) throw new OcmfFormatError('signature: INTEGER length out of range');
    integers.push(minimalInteger(buf.subarray(at, at + len)));
    at += len;
  }
  if (at !== buf.length) throw new OcmfFormatError('signature: bytes after s');
  const body = Buffer.concat(integers.flatMap((int) => [Buffer.from([0x02]), derLength(int.length), int]));
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}
