import { SerialPort } from 'serialport';
import {
  ACK_FRAME,
  ERROR_FRAME,
  Pn532Command,
  TFI_HOST_TO_PN532,
  encodeResponse,
  parseFrames,
  type Pn532Frame,
} from '../pn532/pn532-frame.js';

/**
 * The PN532 side of the host link on a serial device (e.g. one end of a socat pty pair), so the
 * real PN532 driver runs against it unchanged. It follows NXP's PN532 User Manual (UM0701-02):
 * each good command is acknowledged (ACK frame) and then answered; a frame with a bad checksum is
 * not acknowledged; an unknown command gets the error frame. The card "held" to it is settable.
 */
export class SimulatedPn532 {
  private serial: SerialPort | undefined;
  private pending: Buffer = Buffer.alloc(0);
  private held: Buffer | undefined;
  private answering = true;
  private corruptNext = false;
  /** The last answer sent, sent again when the host asks with a NACK. */
  private lastAnswer: Buffer | undefined;
  private readonly counts = new Map<number, number>();
  /** The first commands received, by code, in order (kept short: a reader polls forever). */
  readonly received: number[] = [];
  /** NACKs received from the host. */
  nacks = 0;

  /** GetFirmwareVersion's answer: IC 0x32 (PN532), version 1.6, all card kinds supported. */
  static readonly FIRMWARE: readonly number[] = [0x32, 0x01, 0x06, 0x07];

  /** Holds a card with this UID (4, 7 or 10 bytes, hex) to the reader; undefined takes it away. */
  holdCard(uidHex: string | undefined): void {
    if (uidHex === undefined) {
      this.held = undefined;
      return;
    }
    const uid = Buffer.from(uidHex, 'hex');
    if (![4, 7, 10].includes(uid.length) || uid.toString('hex') !== uidHex.toLowerCase()) {
      throw new Error(`a card UID is 4, 7 or 10 bytes of hex, not "${uidHex}"`);
    }
    this.held = uid;
  }

  /** Stops answering (a reader hung or unpowered) while the line stays open; resume() answers again. */
  mute(): void {
    this.answering = false;
  }

  resume(): void {
    this.answering = true;
  }

  /** Flips a bit of the next answer's checksum, as noise on the line would. */
  corruptNextAnswer(): void {
    this.corruptNext = true;
  }

  /** How many times the command `code` was received. */
  commandCount(code: number): number {
    return this.counts.get(code) ?? 0;
  }

  get isOpen(): boolean {
    return this.serial?.isOpen === true;
  }

  async openSerial(path: string, baudRate = 115200): Promise<void> {
    const port = new SerialPort({ path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('error', () => undefined);
    port.on('data', (chunk: Buffer) => this.feed(chunk, (bytes) => port.write(bytes)));
    this.pending = Buffer.alloc(0);
    this.serial = port;
  }

  async close(): Promise<void> {
    const serial = this.serial;
    this.serial = undefined;
    if (serial?.isOpen) await new Promise<void>((resolve) => serial.close(() => resolve()));
  }

  /** Bytes from the host in; what the PN532 would send back goes out through `send`. */
  feed(chunk: Buffer, send: (bytes: Buffer) => void): void {
    const { frames, rest } = parseFrames(Buffer.concat([this.pending, chunk]));
    this.pending = rest;
    if (!this.answering) return;
    for (const frame of frames) {
      const answer = this.answer(frame);
      if (answer) send(answer);
    }
  }

  private answer(frame: Pn532Frame): Buffer | undefined {
    // A NACK asks for the last answer again (UM0701-02 chapter 6); an ACK or a broken frame needs no answer.
    if (frame.kind === 'nack') {
      this.nacks++;
      return this.lastAnswer;
    }
    if (frame.kind !== 'info' || frame.tfi !== TFI_HOST_TO_PN532 || frame.data.length === 0) return undefined;
    const code = frame.data.readUInt8(0);
    if (this.received.length < 64) this.received.push(code);
    this.counts.set(code, this.commandCount(code) + 1);
    const reply = this.reply(code, frame.data.subarray(1)) ?? ERROR_FRAME;
    this.lastAnswer = reply;
    if (!this.corruptNext) return Buffer.concat([ACK_FRAME, reply]);
    this.corruptNext = false;
    const broken = Buffer.from(reply);
    const dcs = broken.length - 2;
    broken.writeUInt8(broken.readUInt8(dcs) ^ 0x01, dcs);
    return Buffer.concat([ACK_FRAME, broken]);
  }

  private reply(code: number, params: Buffer): Buffer | undefined {
    switch (code) {
      case Pn532Command.GetFirmwareVersion:
        return encodeResponse(code, [...SimulatedPn532.FIRMWARE]);
      case Pn532Command.SAMConfiguration:
      case Pn532Command.RFConfiguration:
        return encodeResponse(code);
      case Pn532Command.InListPassiveTarget: {
        // Only 106 kbps type A (BrTy 0x00) is simulated; MaxTg is at most 2, one card is held at most.
        if (params.length < 2 || params.readUInt8(1) !== 0x00) return undefined;
        const uid = this.held;
        if (!uid) return encodeResponse(code, [0x00]);
        // SENS_RES 0x0044 and SEL_RES 0x00: what a MIFARE Ultralight (7-byte UID) answers; 0x0004/0x08 for a Classic.
        const [sensRes, selRes] = uid.length === 4 ? [[0x00, 0x04], 0x08] : [[0x00, 0x44], 0x00];
        return encodeResponse(code, [0x01, 0x01, ...sensRes, selRes, uid.length, ...uid]);
      }
      default:
        return undefined;
    }
  }
}
