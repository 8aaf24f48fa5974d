/**
 * Linux input events as read from /dev/input/eventN (the kernel's Documentation/input/input.rst,
 * "Event interface": each read returns whole events). The layout is `struct input_event` of the
 * kernel's linux/input.h: a struct timeval (seconds, microseconds), then u16 type, u16 code and
 * s32 value. The timeval is two `long`s of the *reading process*, so an event is 24 bytes for a
 * 64-bit process and 16 bytes for a 32-bit one (32-bit ARM, also on a 64-bit kernel through the
 * compat layer). A 32-bit userland built with a 64-bit time_t (Debian armhf from trixie) still reads
 * 16 bytes: linux/input.h then spells the timeval as two __kernel_ulong_t, which stay 32-bit there.
 * The kernel's byte order is the machine's: little-endian on the ARM and x86 boards
 * this agent runs on.
 */

/** EV_SYN and EV_KEY from linux/input-event-codes.h; other types (EV_MSC scan codes, EV_LED) are not keys. */
export const EV_SYN = 0x00;
export const EV_KEY = 0x01;

/** EV_KEY values: a release, a press, an autorepeat. */
export const KEY_RELEASED = 0;
export const KEY_PRESSED = 1;
export const KEY_REPEATED = 2;

export type InputEventSize = 16 | 24;

export interface InputEvent {
  /** The kernel's timestamp, in microseconds since the epoch (not used for timing: the Clock is). */
  timeUs: number;
  type: number;
  code: number;
  value: number;
}

/** The event size a process of this architecture reads: 16 bytes where `long` is 32 bits. */
export function inputEventSizeFor(arch: string): InputEventSize {
  return arch === 'arm' || arch === 'ia32' || arch === 'mips' || arch === 'mipsel' || arch === 'ppc' ? 16 : 24;
}

/** Decodes one event at `offset` of `buf` (which must hold `size` bytes from there). */
export function decodeInputEvent(buf: Buffer, offset: number, size: InputEventSize): InputEvent {
  const word = size === 24 ? 8 : 4;
  const sec = word === 8 ? Number(buf.readBigInt64LE(offset)) : buf.readInt32LE(offset);
  const usec = word === 8 ? Number(buf.readBigInt64LE(offset + 8)) : buf.readInt32LE(offset + 4);
  const at = offset + 2 * word;
  return { timeUs: sec * 1_000_000 + usec, type: buf.readUInt16LE(at), code: buf.readUInt16LE(at + 2), value: buf.readInt32LE(at + 4) };
}

/** Encodes an event as the kernel writes it: for the fake devices of tests and the commissioning tools. */
export function encodeInputEvent(event: InputEvent, size: InputEventSize): Buffer {
  const buf = Buffer.alloc(size);
  const word = size === 24 ? 8 : 4;
  const sec = Math.floor(event.timeUs / 1_000_000);
  const usec = event.timeUs - sec * 1_000_000;
  if (word === 8) {
    buf.writeBigInt64LE(BigInt(sec), 0);
    buf.writeBigInt64LE(BigInt(usec), 8);
  } else {
    // A 32-bit time_t wraps in 2038; the reader ignores the timestamp, so truncation is harmless here.
    buf.writeInt32LE(sec | 0, 0);
    buf.writeInt32LE(usec, 4);
  }
  const at = 2 * word;
  buf.writeUInt16LE(event.type, at);
  buf.writeUInt16LE(event.code, at + 2);
  buf.writeInt32LE(event.value, at + 4);
  return buf;
}

/**
 * Cuts a byte stream into events. A read of a character device returns whole events, but a stream
 * (a FIFO, a pipe, a ReadStream's chunking) may split one; the tail is kept for the next chunk.
 */
export class InputEventDecoder {
  private rest: Buffer = Buffer.alloc(0);

  constructor(readonly size: InputEventSize) {}

  /** The whole events completed by `chunk`, in order. */
  push(chunk: Buffer): InputEvent[] {
    const buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const events: InputEvent[] = [];
    let offset = 0;
    for (; offset + this.size <= buf.length; offset += this.size) events.push(decodeInputEvent(buf, offset, this.size));
    // Copy the tail so a large chunk is not kept alive by a few bytes of it.
    this.rest = Buffer.from(buf.subarray(offset));
    return events;
  }

  /** Forgets a partial event (the device was reopened: its next byte starts a new event). */
  reset(): void {
    this.rest = Buffer.alloc(0);
  }

  /** Bytes of an incomplete event waiting for the rest. */
  get pendingBytes(): number {
    return this.rest.length;
  }
}
