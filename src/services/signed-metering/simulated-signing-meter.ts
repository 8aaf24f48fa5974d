import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { SignedDataSpec } from '../../hal/meter/profile.js';
import { ModbusException, ModbusExceptionError } from '../../hal/drivers/simulated/simulated-meter-device.js';
import type { SlaveDevice } from '../../hal/drivers/simulated/modbus-slave.js';
import { OBIS_ACTIVE_ENERGY_IMPORT } from './ocmf.js';
import { formatOcmfTime, serializeOcmfPayload } from './ocmf-text.js';
import type { OcmfPayload, OcmfPayloadReading, OcmfTransactionReason } from './ocmf-types.js';
import { bytesToRegisters, registersToBytes } from './register-bytes.js';

/**
 * A simulated meter that signs OCMF like the Iskra WM3M4C's manual (chapter 6.5) describes, on the
 * registers of a profile's "signedData", with its own P-256 key: the station writes time, billing
 * dataset and a command; the meter completes the dataset (MV, MM, MS, MF, PG, RD with its reading),
 * signs it, and reports "in progress" on the first status read after a command, then OK, as a real
 * meter's crypto chip takes a moment. Served over Modbus by ModbusSlave (RTU or TCP).
 *
 * It is a simulator, not the meter: no register outside signedData and the energy counter exists,
 * and faults (power loss mid-transaction) are not modelled.
 */

export const SIMULATED_SIGNING_METER = { vendor: 'evse-agent', model: 'simulated signing meter (WM3M4C registers)', firmware: '1.0' };

/** Status values of the WM3M4C (manual 6.5.9): 15 signature OK, 2 in progress, 131 invalid state, 130 invalid command. */
const STATUS = { idle: 1, inProgress: 2, ok: 15, invalidCommand: 130, invalidState: 131 } as const;

export interface SimulatedSigningMeterOptions {
  unitId: number;
  spec: SignedDataSpec;
  serial: string;
  /** The register the meter counts energy in (input registers, int32 Wh, high word first). */
  energyRegister: number;
  energyWh: () => number;
  now?: () => number;
  /** Write r and s with superfluous leading zeros, as some meter firmware is reported to (canonical DER otherwise). */
  zeroPaddedSignature?: boolean;
}

export class SimulatedSigningMeter implements SlaveDevice {
  readonly unitId: number;
  readonly fault = { mode: 'none' };
  readonly publicKeyHex: string;
  private readonly privateKey: KeyObject;
  private readonly holding = new Map<number, number>();
  private page = 0;
  private timeSetAt = { unixSeconds: 0, atMs: 0 };
  private begin: OcmfPayloadReading | undefined;
  private busyReads = 0;
  private readyAtMs = 0;
  /** How long signing takes, ms: the status says "in progress" until then (a slow crypto chip, for tests of the wait's bound). */
  signingDelayMs = 0;

  constructor(private readonly options: SimulatedSigningMeterOptions) {
    this.unitId = options.unitId;
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = pair.privateKey;
    const spki = createPublicKey(pair.privateKey).export({ format: 'der', type: 'spki' });
    this.publicKeyHex = spki.toString('hex').toUpperCase();
    const r = options.spec.registers;
    // The last 64 bytes of a P-256 SPKI are the point's X and Y (manual 6.3.2: readable over Modbus).
    this.setRegisters(r.publicKey, bytesToRegisters(spki.subarray(spki.length - 64)));
    this.setRegisters(r.state, [0]);
    this.setRegisters(r.status, [STATUS.idle]);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private setRegisters(start: number, values: readonly number[]): void {
    values.forEach((v, i) => this.holding.set(start + i, v & 0xffff));
  }

  private get(address: number): number {
    return this.holding.get(address) ?? 0;
  }

  readRegisters(fn: number, start: number, count: number): number[] {
    if (fn === 4) {
      const wh = Math.round(this.options.energyWh());
      const words = new Map([[this.options.energyRegister, Math.floor(wh / 0x10000) & 0xffff], [this.options.energyRegister + 1, wh & 0xffff]]);
      return Array.from({ length: count }, (_, i) => words.get(start + i) ?? 0);
    }
    if (fn !== 3) throw new ModbusExceptionError(ModbusException.IllegalFunction);
    if (start === this.options.spec.registers.status && (this.busyReads > 0 || this.now() < this.readyAtMs)) {
      if (this.busyReads > 0) this.busyReads--;
      return [STATUS.inProgress];
    }
    return Array.from({ length: count }, (_, i) => this.get(start + i));
  }

  writeRegisters(_fn: number, start: number, values: number[]): void {
    const r = this.options.spec.registers;
    this.setRegisters(start, values);
    if (start === r.unixTime || start === r.unixTime + 1) {
      this.timeSetAt = { unixSeconds: this.get(r.unixTime) * 0x10000 + this.get(r.unixTime + 1), atMs: this.now() };
    }
    if (start === r.command) this.execute(String.fromCharCode(values[0]! >> 8));
  }

  /** The meter's clock: the time the station last wrote, run on since. */
  private meterTime(): Date {
    return new Date(this.timeSetAt.unixSeconds * 1000 + (this.now() - this.timeSetAt.atMs));
  }

  private reading(type: OcmfTransactionReason): OcmfPayloadReading {
    const r = this.options.spec.registers;
    const synced = r.timeSync !== undefined && this.get(r.timeSync) === this.options.spec.timeSynchronizedValue;
    return {
      TM: formatOcmfTime(this.meterTime(), synced ? 'S' : 'U'),
      TX: type,
      RV: Math.round(this.options.energyWh()) / 1000,
      RI: OBIS_ACTIVE_ENERGY_IMPORT,
      RU: 'kWh',
      ST: 'G',
    };
  }

  private execute(letter: string): void {
    const r = this.options.spec.registers;
    const active = this.get(r.state) !== 0;
    const valid = 'BCXELRAPSTr'.includes(letter);
    if (!valid) return this.setRegisters(r.status, [STATUS.invalidCommand]);
    if ((letter === 'B') === active) return this.setRegisters(r.status, [STATUS.invalidState]);
    let readings: OcmfPayloadReading[];
    if (letter === 'B') {
      this.begin = this.reading('B');
      readings = [this.begin];
    } else if (letter === 'r') {
      readings = [this.begin!, this.reading('E')];
    } else {
      readings = [this.reading(letter as OcmfTransactionReason)];
    }
    this.setRegisters(r.state, [letter === 'B' || 'CXST'.includes(letter) ? 1 : 0]);
    this.signAndPublish(readings);
  }

  private signAndPublish(readings: OcmfPayloadReading[]): void {
    const r = this.options.spec.registers;
    const input = registersToBytes(
      Array.from({ length: Math.ceil(this.get(r.inputLength) / 2) }, (_, i) => this.get(r.input + i)),
      this.get(r.inputLength),
    ).toString('utf8');
    const dataset = JSON.parse(input) as Partial<OcmfPayload>;
    this.page++;
    const payload: OcmfPayload = {
      FV: dataset.FV, GI: dataset.GI, GS: dataset.GS, GV: dataset.GV,
      PG: `T${this.page}`,
      MV: SIMULATED_SIGNING_METER.vendor, MM: SIMULATED_SIGNING_METER.model, MS: this.options.serial, MF: SIMULATED_SIGNING_METER.firmware,
      IS: dataset.IS, IL: dataset.IL, IF: dataset.IF, IT: dataset.IT, ID: dataset.ID, TT: dataset.TT, CT: dataset.CT, CI: dataset.CI,
      RD: readings,
    };
    const text = Buffer.from(serializeOcmfPayload(payload), 'utf8');
    let signature: Buffer = sign('sha256', text, this.privateKey);
    if (this.options.zeroPaddedSignature) signature = zeroPaddedSignature(signature);
    this.setRegisters(r.outputLength, [text.length]);
    this.setRegisters(r.output, bytesToRegisters(text));
    this.setRegisters(r.signatureLength, [signature.length]);
    this.setRegisters(r.signature, bytesToRegisters(signature));
    this.setRegisters(r.status, [STATUS.ok]);
    this.busyReads = 1;
    this.readyAtMs = this.now() + this.signingDelayMs;
  }
}

/** r and s each with a superfluous zero byte in front: the same numbers, not minimal DER (X.690 8.3.2). */
export function zeroPaddedSignature(der: Buffer): Buffer {
  const rLength = der[3]!;
  const r = der.subarray(4, 4 + rLength);
  const s = der.subarray(6 + rLength, 6 + rLength + der[5 + rLength]!);
  const body = Buffer.concat([r, s].flatMap((n) => [Buffer.from([0x02, n.length + 1, 0x00]), n]));
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
