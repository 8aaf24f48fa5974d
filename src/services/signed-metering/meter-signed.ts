import type { SignedDataSpec } from '../../hal/meter/profile.js';
import { identificationOf } from './ocmf-identification.js';
import { OCMF_FORMAT_VERSION, OcmfFormatError, type OcmfTransactionReason } from './ocmf-types.js';
import { verifyOcmf } from './ocmf.js';
import { bytesToRegisters, canonicalDerSignature, registersToBytes } from './register-bytes.js';

/**
 * The station's side of a meter that signs OCMF itself over Modbus (the Eichrecht way; the register
 * interface of the profile's "signedData", as the Iskra WM3M4C manual chapter 6.5 describes it): the
 * station sets the meter's time, writes the billing dataset (gateway and user identification), sends
 * a transaction command; the meter adds its reading, time, identity and pagination, signs, and the
 * station reads the signed dataset and the signature back and joins them into an OCMF text.
 */

/** Holding registers of one meter (function 3 to read, 16 to write). */
export interface SignedDataPort {
  readHolding(start: number, count: number): Promise<number[]>;
  writeHolding(start: number, values: number[]): Promise<void>;
}

/** What the station puts in the billing dataset (OCMF-en.md Tables 1, 4, 6); the meter adds the rest. */
export interface MeterSignedInput {
  gatewayId: string;
  gatewayIdentification?: string;
  gatewayVersion?: string;
  idToken?: { value: string; type: string };
  authorizedBy?: string;
  chargePoint?: { type: 'EVSEID' | 'CBIDC'; id: string };
  tariffText?: string;
}

/** A command of the meter: OCMF's TX letters, and r: end with begin and end in one document (manual 6.5.8). */
export type MeterCommand = OcmfTransactionReason | 'r';

export class MeterSigningError extends Error {
  override readonly name = 'MeterSigningError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface MeterOcmfSignerOptions {
  now?: () => Date;
  /** Whether the station's clock is synchronised (NTP, the CSMS): the meter then marks TM with S. */
  timeSynchronized?: () => boolean;
  sleep?: (ms: number) => Promise<void>;
  /** How often the status is asked while the meter signs (it takes "up to 1 second", manual 6.5.9). */
  pollIntervalMs?: number;
  timeoutMs?: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class MeterOcmfSigner {
  private publicKey: string | undefined;

  constructor(
    private readonly port: SignedDataPort,
    private readonly spec: SignedDataSpec,
    private readonly options: MeterOcmfSignerOptions = {},
  ) {}

  /** The meter's key as hex of the DER SubjectPublicKeyInfo (read once: it lives in the meter's crypto chip). */
  async publicKeyHex(): Promise<string> {
    if (this.publicKey === undefined) {
      const point = registersToBytes(await this.port.readHolding(this.spec.registers.publicKey, 32), 64);
      // RFC 5480 SubjectPublicKeyInfo of a P-256 key, uncompressed point 04 || X || Y.
      this.publicKey = `3059301306072A8648CE3D020106082A8648CE3D03010703420004${point.toString('hex').toUpperCase()}`;
    }
    return this.publicKey;
  }

  /** 0 when no transaction is open in the meter. */
  async state(): Promise<number> {
    return (await this.port.readHolding(this.spec.registers.state, 1))[0]!;
  }

  /** Opens the meter's transaction: its signed begin reading (TX B). */
  async begin(input: MeterSignedInput): Promise<string> {
    await this.writeTime();
    await this.writeDataset(input);
    return this.command('B');
  }

  /** Ends it: E (or L, R, A, P), or r for one document with begin and end. */
  end(reason: 'E' | 'L' | 'R' | 'A' | 'P' | 'r' = 'E'): Promise<string> {
    return this.command(reason);
  }

  /** A signed reading within the transaction: C, T (tariff change), S (suspended), X (exception). */
  intermediate(type: 'C' | 'T' | 'S' | 'X' = 'C'): Promise<string> {
    return this.command(type);
  }

  private async writeTime(): Promise<void> {
    const { registers } = this.spec;
    const seconds = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    if (registers.timeZoneMinutes !== undefined) await this.port.writeHolding(registers.timeZoneMinutes, [0]);
    await this.port.writeHolding(registers.unixTime, [Math.floor(seconds / 0x10000) & 0xffff, seconds & 0xffff]);
    const synced = this.options.timeSynchronized?.() ?? false;
    if (registers.timeSync !== undefined && this.spec.timeSynchronizedValue !== undefined && synced) {
      await this.port.writeHolding(registers.timeSync, [this.spec.timeSynchronizedValue]);
    }
  }

  private async writeDataset(input: MeterSignedInput): Promise<void> {
    const identification = identificationOf(input.idToken, input.authorizedBy);
    const dataset = {
      FV: OCMF_FORMAT_VERSION,
      GI: input.gatewayIdentification,
      GS: input.gatewayId,
      GV: input.gatewayVersion,
      ...identification,
      TT: input.tariffText?.slice(0, 250),
      CT: input.chargePoint?.type,
      CI: input.chargePoint?.id,
    };
    // A "|" would split the finished document's sections: JSON's \u escape keeps it inside its string.
    const bytes = Buffer.from(JSON.stringify(dataset).replaceAll('|', '\\u007c'), 'utf8');
    if (bytes.length > this.spec.inputMaxBytes) {
      throw new MeterSigningError(`billing dataset of ${bytes.length} bytes exceeds the meter's ${this.spec.inputMaxBytes}`);
    }
    const registers = bytesToRegisters(bytes);
    for (let i = 0; i < registers.length; i += this.spec.maxRegistersPerTransfer) {
      await this.port.writeHolding(this.spec.registers.input + i, registers.slice(i, i + this.spec.maxRegistersPerTransfer));
    }
    await this.port.writeHolding(this.spec.registers.inputLength, [bytes.length]);
  }

  private async command(letter: MeterCommand): Promise<string> {
    await this.port.writeHolding(this.spec.registers.command, [letter.charCodeAt(0) << 8]);
    await this.waitForSignature(letter);
    const payload = (await this.readBytes(this.spec.registers.outputLength, this.spec.registers.output)).toString('utf8');
    const signature = canonicalDerSignature(await this.readBytes(this.spec.registers.signatureLength, this.spec.registers.signature));
    const text = `OCMF|${payload}|${JSON.stringify({ SA: this.spec.signatureMethod, SD: signature.toString('hex').toUpperCase() })}`;
    // A document that does not verify is of no use to anyone checking a bill: refuse it here.
    if (!verifyOcmf(text, await this.publicKeyHex())) throw new MeterSigningError(`the meter's ${letter} document does not verify with its public key`);
    return text;
  }

  private async waitForSignature(letter: MeterCommand): Promise<void> {
    const sleep = this.options.sleep ?? realSleep;
    const pollMs = this.options.pollIntervalMs ?? 100;
    const deadline = (this.options.timeoutMs ?? 5000) / pollMs;
    for (let attempt = 0; ; attempt++) {
      const status = (await this.port.readHolding(this.spec.registers.status, 1))[0]!;
      if (status === this.spec.statusOk) return;
      if (!this.spec.statusBusy.includes(status)) throw new MeterSigningError(`meter refused command ${letter}: status ${status}`, status);
      if (attempt >= deadline) throw new MeterSigningError(`meter did not sign ${letter} in time (status ${status})`, status);
      await sleep(pollMs);
    }
  }

  /** A byte string whose length is in one register and whose bytes start at another. */
  private async readBytes(lengthRegister: number, start: number): Promise<Buffer> {
    const length = (await this.port.readHolding(lengthRegister, 1))[0]!;
    if (length === 0) throw new OcmfFormatError(`meter register ${lengthRegister} says the data is empty`);
    const count = Math.ceil(length / 2);
    const registers: number[] = [];
    for (let i = 0; i < count; i += this.spec.maxRegistersPerTransfer) {
      registers.push(...(await this.port.readHolding(start + i, Math.min(this.spec.maxRegistersPerTransfer, count - i))));
    }
    return registersToBytes(registers, length);
  }
}
