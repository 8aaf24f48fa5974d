import net from 'node:net';
import { SerialPort } from 'serialport';
import { crcMatches, withCrc } from '../../../util/crc16.js';
import { ModbusException, ModbusExceptionError } from './simulated-meter-device.js';

/**
 * A simulated unit on the line: a meter (registers to read) or a pilot board (registers to read and
 * write). `fault.mode` 'silent' makes it not answer, 'crc' spoils its answers' CRC.
 */
export interface SlaveDevice {
  readonly unitId: number;
  readonly fault: { mode: string };
  readRegisters(fn: number, start: number, count: number): number[];
  /** Function 6 (one register) or 16 (several); absent: the unit answers writes IllegalFunction. */
  writeRegisters?(fn: number, start: number, values: number[]): void;
}

/**
 * meter-sim's Modbus slave: answers requests on a serial line (RTU) or TCP (Modbus TCP, or RTU
 * frames on a raw socket as a transparent gateway passes them) from one or more simulated meters,
 * with the faults each meter is set to show.
 */

export interface SlaveStats {
  requests: number;
  answered: number;
  ignored: number;
  badFrames: number;
}

/** The length of an RTU request frame with this function code, given the bytes seen so far. */
function rtuRequestLength(buf: Buffer): number | undefined {
  const fn = buf[1];
  switch (fn) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      return 8;
    case 15:
    case 16:
      return buf.length >= 7 ? 9 + buf[6]! : undefined;
    default:
      return 0; // unknown function: cannot be framed, resynchronise
  }
}

export class ModbusSlave {
  readonly stats: SlaveStats = { requests: 0, answered: 0, ignored: 0, badFrames: 0 };
  private readonly devices = new Map<number, SlaveDevice>();
  private server: net.Server | undefined;
  private serial: SerialPort | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(devices: SlaveDevice[]) {
    for (const d of devices) this.devices.set(d.unitId, d);
  }

  device(unitId: number): SlaveDevice | undefined {
    return this.devices.get(unitId);
  }

  /**
   * The answer PDU (function code onward) for a request PDU, or undefined when the meter stays silent
   * (unknown unit, broadcast, or a silent fault).
   */
  private answer(unitId: number, pdu: Buffer): Buffer | undefined {
    this.stats.requests++;
    const device = this.devices.get(unitId);
    if (!device || device.fault.mode === 'silent') {
      this.stats.ignored++;
      return undefined;
    }
    const fn = pdu[0]!;
    const exception = (code: number): Buffer => Buffer.from([fn | 0x80, code]);
    this.stats.answered++;
    if (fn === 6 || fn === 16) return this.write(device, pdu, exception);
    if (fn !== 3 && fn !== 4) return exception(ModbusException.IllegalFunction);
    if (pdu.length < 5) return exception(ModbusException.IllegalDataValue);
    const start = pdu.readUInt16BE(1);
    const count = pdu.readUInt16BE(3);
    try {
      const registers = device.readRegisters(fn, start, count);
      const out = Buffer.alloc(2 + registers.length * 2);
      out[0] = fn;
      out[1] = registers.length * 2;
      registers.forEach((w, i) => out.writeUInt16BE(w, 2 + i * 2));
      return out;
    } catch (err) {
      if (err instanceof ModbusExceptionError) return exception(err.code);
      return exception(ModbusException.SlaveDeviceFailure);
    }
  }

  /**
   * A write request: function 6 (address, value) answers with the request itself; 16 (address,
   * count, byte count, values) with the address and count (Modbus Application Protocol 1.1b3, 6.6 and 6.12).
   */
  private write(device: SlaveDevice, pdu: Buffer, exception: (code: number) => Buffer): Buffer {
    const fn = pdu[0]!;
    if (!device.writeRegisters) return exception(ModbusException.IllegalFunction);
    if (pdu.length < 5) return exception(ModbusException.IllegalDataValue);
    const start = pdu.readUInt16BE(1);
    let values: number[];
    if (fn === 6) values = [pdu.readUInt16BE(3)];
    else {
      const count = pdu.readUInt16BE(3);
      if (pdu.length < 6 + count * 2 || pdu[5] !== count * 2) return exception(ModbusException.IllegalDataValue);
      values = Array.from({ length: count }, (_, i) => pdu.readUInt16BE(6 + i * 2));
    }
    try {
      device.writeRegisters(fn, start, values);
    } catch (err) {
      if (err instanceof ModbusExceptionError) return exception(err.code);
      return exception(ModbusException.SlaveDeviceFailure);
    }
    return Buffer.from(pdu.subarray(0, 5));
  }

  /** An RTU answer frame, with its CRC spoiled when the meter is set to. */
  private rtuFrame(unitId: number, pdu: Buffer): Buffer {
    const frame = withCrc(Buffer.concat([Buffer.from([unitId]), pdu]));
    if (this.devices.get(unitId)?.fault.mode === 'crc') frame[frame.length - 1]! ^= 0x5a;
    return frame;
  }

  /** Feeds RTU bytes from a stream; calls send with each answer frame. Returns the feeder. */
  private rtuFeeder(send: (frame: Buffer) => void): (chunk: Buffer) => void {
    let buf = Buffer.alloc(0);
    let staleTimer: NodeJS.Timeout | undefined;
    return (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (staleTimer) clearTimeout(staleTimer);
      for (;;) {
        if (buf.length < 2) break;
        const len = rtuRequestLength(buf);
        if (len === undefined || (len > 0 && buf.length < len)) break;
        if (len === 0 || !crcMatches(buf.subarray(0, len))) {
          // Not a frame here: drop a byte and look again, as a slave resynchronises on a noisy line.
          this.stats.badFrames++;
          buf = buf.subarray(1);
          continue;
        }
        const frame = buf.subarray(0, len);
        buf = buf.subarray(len);
        const unitId = frame[0]!;
        const pdu = frame.subarray(1, len - 2);
        const answer = unitId === 0 ? undefined : this.answer(unitId, Buffer.from(pdu));
        if (answer) send(this.rtuFrame(unitId, answer));
      }
      // A partial frame left after a silence is noise: the next request starts afresh.
      if (buf.length > 0) {
        staleTimer = setTimeout(() => {
          buf = Buffer.alloc(0);
        }, 50);
        staleTimer.unref();
      }
    };
  }

  /** Feeds Modbus TCP (MBAP) bytes from a socket. */
  private mbapFeeder(send: (frame: Buffer) => void): (chunk: Buffer) => void {
    let buf = Buffer.alloc(0);
    return (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 7) {
        const length = buf.readUInt16BE(4);
        if (buf.length < 6 + length) break;
        const tid = buf.readUInt16BE(0);
        const unitId = buf[6]!;
        const pdu = Buffer.from(buf.subarray(7, 6 + length));
        buf = buf.subarray(6 + length);
        const answer = this.answer(unitId, pdu);
        if (!answer) continue;
        const header = Buffer.alloc(7);
        header.writeUInt16BE(tid, 0);
        header.writeUInt16BE(0, 2);
        header.writeUInt16BE(answer.length + 1, 4);
        header[6] = unitId;
        send(Buffer.concat([header, answer]));
      }
    };
  }

  /** Listens on TCP; resolves with the port actually bound (useful with port 0). */
  async listenTcp(host: string, port: number, framing: 'mbap' | 'rtu'): Promise<number> {
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const send = (frame: Buffer): void => {
        if (!socket.destroyed) socket.write(frame);
      };
      socket.on('data', framing === 'mbap' ? this.mbapFeeder(send) : this.rtuFeeder(send));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** Answers on a serial device, e.g. one end of a socat pty pair. */
  async openSerial(path: string, baudRate: number, parity: 'none' | 'even' | 'odd' = 'none', stopBits: 1 | 2 = 1): Promise<void> {
    const port = new SerialPort({ path, baudRate, parity, stopBits, dataBits: 8, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('error', () => undefined);
    port.on('data', this.rtuFeeder((frame) => port.write(frame)));
    this.serial = port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    const serial = this.serial;
    this.serial = undefined;
    if (serial?.isOpen) await new Promise<void>((resolve) => serial.close(() => resolve()));
  }
}
