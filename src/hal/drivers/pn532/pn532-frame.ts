/**
 * The PN532 host link framing, as NXP's PN532 User Manual (UM0701-02, chapter 6 "Host controller
 * communication protocol") describes it: a normal information frame is
 * preamble 0x00, start code 0x00 0xFF, LEN, LCS (LEN + LCS = 0 mod 256), TFI (0xD4 host to PN532,
 * 0xD5 back), the data, DCS (TFI + data + DCS = 0 mod 256), postamble 0x00. ACK is LEN 0x00 LCS 0xFF,
 * NACK LEN 0xFF LCS 0x00, and the "syntax error" frame carries the single byte 0x7F. Pure functions:
 * the caller keeps the unparsed rest and hands it back with the next bytes.
 */

export const TFI_HOST_TO_PN532 = 0xd4;
export const TFI_PN532_TO_HOST = 0xd5;
const ERROR_TFI = 0x7f;

export const ACK_FRAME: Buffer = Buffer.from([0x00, 0x00, 0xff, 0x00, 0xff, 0x00]);
export const NACK_FRAME: Buffer = Buffer.from([0x00, 0x00, 0xff, 0xff, 0x00, 0x00]);
export const ERROR_FRAME: Buffer = Buffer.from([0x00, 0x00, 0xff, 0x01, 0xff, ERROR_TFI, 0x81, 0x00]);

/**
 * The HSU wake-up (UM0701-02, the HSU wake-up condition in its host interface chapter): 0x55 then dummy bytes long
 * enough for the PN532 to wake before the first command; libnfc's pn532_uart sends the same shape.
 */
export const HSU_WAKEUP: Buffer = Buffer.from([0x55, 0x55, ...new Array<number>(14).fill(0x00)]);

/** Command codes used here (UM0701-02 section 7); the answer's code is the command's plus one. */
export const Pn532Command = {
  GetFirmwareVersion: 0x02,
  SAMConfiguration: 0x14,
  RFConfiguration: 0x32,
  InListPassiveTarget: 0x4a,
} as const;

export type Pn532Frame =
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'error' }
  /** A normal information frame: `data` is what follows the TFI (command or answer code first). */
  | { kind: 'info'; tfi: number; data: Buffer }
  /** Bytes that looked like a frame but whose checksums failed; they were skipped. */
  | { kind: 'corrupt'; reason: string };

export interface ParseResult {
  frames: Pn532Frame[];
  /** The bytes of a frame not complete yet: pass them back in front of the next bytes. */
  rest: Buffer;
}

function sum(bytes: Buffer): number {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  return s;
}

/** A normal information frame with `tfi` and `data` (command code first). Data is at most 254 bytes (no extended frames). */
export function encodeFrame(tfi: number, data: Uint8Array): Buffer {
  if (data.length > 254) throw new RangeError(`PN532 frame data too long (${data.length} bytes, at most 254)`);
  const body = Buffer.from([tfi, ...data]);
  const len = body.length;
  return Buffer.concat([
    Buffer.from([0x00, 0x00, 0xff, len, (0x100 - len) & 0xff]),
    body,
    Buffer.from([(0x100 - sum(body)) & 0xff, 0x00]),
  ]);
}

/** A command from the host: code and parameters. */
export function encodeCommand(code: number, params: readonly number[] = []): Buffer {
  return encodeFrame(TFI_HOST_TO_PN532, Buffer.from([code, ...params]));
}

/** An answer from the PN532: the command's code plus one, then the answer's data. */
export function encodeResponse(command: number, data: readonly number[] = []): Buffer {
  return encodeFrame(TFI_PN532_TO_HOST, Buffer.from([(command + 1) & 0xff, ...data]));
}

/**
 * Splits `input` into the frames it holds. Bytes before a start code (preambles, postambles, the
 * HSU wake-up, noise) are skipped; a frame whose LCS or DCS fails is reported `corrupt` and skipped
 * from its start code on, so a later good frame is still found. An unfinished frame is returned as `rest`.
 */
export function parseFrames(input: Buffer): ParseResult {
  const frames: Pn532Frame[] = [];
  let i = 0;
  for (;;) {
    const start = findStartCode(input, i);
    if (start < 0) {
      // Keep a trailing 0x00: it may be the first byte of a start code.
      const rest = input.length > i && input.readUInt8(input.length - 1) === 0x00 ? input.subarray(input.length - 1) : Buffer.alloc(0);
      return { frames, rest: Buffer.from(rest) };
    }
    if (input.length < start + 4) return { frames, rest: Buffer.from(input.subarray(start)) };
    const len = input.readUInt8(start + 2);
    const lcs = input.readUInt8(start + 3);
    if (len === 0x00 && lcs === 0xff) {
      frames.push({ kind: 'ack' });
      i = start + 4;
      continue;
    }
    if (len === 0xff && lcs === 0x00) {
      frames.push({ kind: 'nack' });
      i = start + 4;
      continue;
    }
    if (((len + lcs) & 0xff) !== 0) {
      frames.push({ kind: 'corrupt', reason: len === 0xff && lcs === 0xff ? 'extended frame not supported' : 'length checksum (LCS) wrong' });
      i = start + 2;
      continue;
    }
    const end = start + 4 + len; // index of DCS
    if (input.length < end + 1) return { frames, rest: Buffer.from(input.subarray(start)) };
    const body = input.subarray(start + 4, end);
    if (((sum(body) + input.readUInt8(end)) & 0xff) !== 0) {
      frames.push({ kind: 'corrupt', reason: 'data checksum (DCS) wrong' });
      i = start + 2;
      continue;
    }
    if (len === 1 && body.readUInt8(0) === ERROR_TFI) frames.push({ kind: 'error' });
    else frames.push({ kind: 'info', tfi: body.readUInt8(0), data: Buffer.from(body.subarray(1)) });
    i = end + 1;
  }
}

function findStartCode(input: Buffer, from: number): number {
  for (let k = from; k + 1 < input.length; k++) {
    if (input.readUInt8(k) === 0x00 && input.readUInt8(k + 1) === 0xff) return k;
  }
  return -1;
}

/** One target of an InListPassiveTarget answer at 106 kbps type A (UM0701-02, InListPassiveTarget). */
export interface TypeATarget {
  tg: number;
  sensRes: number;
  selRes: number;
  /** NFCID1: 4, 7 or 10 bytes. */
  uid: Buffer;
}

/**
 * The targets in an InListPassiveTarget answer's data (after the answer code): NbTg, then per
 * target Tg, SENS_RES (2), SEL_RES (1), NFCIDLength, NFCID1, and ATS when the card has one.
 */
export function parseTypeATargets(data: Buffer): TypeATarget[] {
  if (data.length < 1) throw new Error('InListPassiveTarget answer without NbTg');
  const count = data.readUInt8(0);
  const targets: TypeATarget[] = [];
  let p = 1;
  for (let n = 0; n < count; n++) {
    if (data.length < p + 5) throw new Error('InListPassiveTarget answer too short');
    const tg = data.readUInt8(p);
    const sensRes = data.readUInt16BE(p + 1);
    const selRes = data.readUInt8(p + 3);
    const uidLength = data.readUInt8(p + 4);
    if (![4, 7, 10].includes(uidLength)) throw new Error(`NFCID1 of ${uidLength} bytes (4, 7 or 10 expected)`);
    if (data.length < p + 5 + uidLength) throw new Error('InListPassiveTarget answer cut in the NFCID1');
    const uid = Buffer.from(data.subarray(p + 5, p + 5 + uidLength));
    p += 5 + uidLength;
    // ATS is present when SEL_RES says ISO/IEC 14443-4 (bit 6); its first byte is its length.
    if (selRes & 0x20 && p < data.length) p += data.readUInt8(p);
    targets.push({ tg, sensRes, selRes, uid });
  }
  return targets;
}

/** A UID as OCPP carries ISO14443 ids: upper-case hex, no separators. */
export function uidToHex(uid: Uint8Array): string {
  return Buffer.from(uid).toString('hex').toUpperCase();
}
