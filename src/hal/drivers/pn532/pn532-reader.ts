import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../../station/clock.js';
import { openSerialPortLink, type OpenSerialLink, type SerialLink } from '../serial-link.js';
import type { CardPresented, CardReader, CardReaderHealth } from '../../roles/card-reader.js';
import {
  HSU_WAKEUP,
  NACK_FRAME,
  Pn532Command,
  TFI_PN532_TO_HOST,
  encodeCommand,
  parseFrames,
  parseTypeATargets,
  uidToHex,
} from './pn532-frame.js';

/**
 * The card reader role played by a PN532 on a UART (HSU), after NXP's PN532 User Manual
 * (UM0701-02): wake the chip (HSU wake-up), SAMConfiguration in normal mode, check the firmware,
 * bound the passive activation retries (RFConfiguration item 5) so a poll returns when no card is
 * there, then poll InListPassiveTarget at 106 kbps type A for one target. Libraries such as libnfc
 * (pn532_uart) and Adafruit-PN532 go through the same steps. Every command waits for the ACK and
 * the answer; one that does not come in time, an error frame, or the port going away fails the
 * reader, which is then re-opened on a growing backoff until close().
 */

// The serial line lives in ../serial-link.ts (shared with the OpenEVSE driver); re-exported for existing importers.
export { openSerialPortLink, type OpenSerialLink, type SerialLink } from '../serial-link.js';

export interface Pn532ReaderOptions {
  path: string;
  clock: Clock;
  name?: string;
  /** HSU runs at 115200 baud after power-up (UM0701-02, HSU). */
  baudRate?: number;
  /** Pause between two polls. */
  pollIntervalMs?: number;
  /** How long a command may take from sending to its answer. */
  answerTimeoutMs?: number;
  /** Waits before each re-open after a failure; the last one repeats. */
  backoffMs?: readonly number[];
  openLink?: OpenSerialLink;
}

/** SAMConfiguration: normal mode (0x01), virtual card timeout 1 s (0x14 x 50 ms), IRQ pin used (0x01). */
const SAM_NORMAL_MODE = [0x01, 0x14, 0x01];
/** RFConfiguration item 5 (MaxRetries): MxRtyATR 0xFF, MxRtyPSL 0x01, MxRtyPassiveActivation 2, so a poll ends. */
const MAX_RETRIES = [0x05, 0xff, 0x01, 0x02];
/** InListPassiveTarget: MaxTg 1, BrTy 0x00 (106 kbps type A). */
const POLL_TYPE_A = [0x01, 0x00];
/** GetFirmwareVersion's IC byte for a PN532. */
const IC_PN532 = 0x32;

interface PendingCommand {
  code: number;
  resolve: (data: Buffer) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
  /** A NACK was sent for a broken answer already; a second broken one fails the command. */
  nacked: boolean;
}

export class Pn532CardReader implements CardReader {
  readonly name: string;
  private readonly cardsSubject = new Subject<CardPresented>();
  private readonly healthSubject = new BehaviorSubject<CardReaderHealth>({ state: 'unknown' });
  readonly cards$: Observable<CardPresented> = this.cardsSubject.asObservable();
  readonly health$: Observable<CardReaderHealth> = this.healthSubject.asObservable();

  private readonly baudRate: number;
  private readonly pollIntervalMs: number;
  private readonly answerTimeoutMs: number;
  private readonly backoffMs: readonly number[];
  private readonly openLink: OpenSerialLink;

  /** Bumped at each open and each failure, so callbacks of an earlier attempt do nothing. */
  private generation = 0;
  private started = false;
  private closed = false;
  private link: SerialLink | undefined;
  private pending: PendingCommand | undefined;
  private unparsed: Buffer = Buffer.alloc(0);
  private timer: TimerHandle | undefined;
  /** Ends the pause between polls at once (on failure or close). */
  private endPause: (() => void) | undefined;
  private failures = 0;
  /** The card seen at the last poll; kept over a re-open so a flaky line does not report it twice. */
  private lastUid: string | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: Pn532ReaderOptions) {
    this.name = options.name ?? `pn532 on ${options.path}`;
    this.baudRate = options.baudRate ?? 115200;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 1000;
    this.backoffMs = options.backoffMs ?? [1000, 2000, 5000, 10000, 30000];
    this.openLink = options.openLink ?? openSerialPortLink;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.attempt();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.timer?.cancel();
    this.endPause?.();
    this.rejectPending(new Error('reader closed'));
    await this.running.catch(() => undefined);
    await this.dropLink();
    this.cardsSubject.complete();
    this.healthSubject.complete();
  }

  private attempt(): void {
    const gen = ++this.generation;
    this.running = this.run(gen).catch((err: unknown) => this.fail(gen, err));
  }

  private async run(gen: number): Promise<void> {
    const link = await this.openLink(this.options.path, this.baudRate);
    if (gen !== this.generation) {
      await link.close().catch(() => undefined);
      return;
    }
    this.link = link;
    this.unparsed = Buffer.alloc(0);
    link.onData((chunk) => this.onBytes(gen, chunk));
    link.onGone((err) => void this.fail(gen, err));

    await this.command(gen, Pn532Command.SAMConfiguration, SAM_NORMAL_MODE, HSU_WAKEUP);
    const firmware = await this.command(gen, Pn532Command.GetFirmwareVersion);
    if (firmware.length < 4 || firmware.readUInt8(0) !== IC_PN532) {
      throw new Error(`not a PN532 (GetFirmwareVersion answered ${firmware.toString('hex')})`);
    }
    await this.command(gen, Pn532Command.RFConfiguration, MAX_RETRIES);
    this.failures = 0;
    this.setHealth({ state: 'ok' });

    while (gen === this.generation) {
      const targets = parseTypeATargets(await this.command(gen, Pn532Command.InListPassiveTarget, POLL_TYPE_A));
      if (gen !== this.generation) return;
      const first = targets[0];
      if (!first) this.lastUid = undefined;
      else {
        const uid = uidToHex(first.uid);
        if (uid !== this.lastUid) this.cardsSubject.next({ idToken: uid, type: 'ISO14443' });
        this.lastUid = uid;
      }
      await new Promise<void>((resolve) => {
        this.endPause = resolve;
        this.timer = this.options.clock.setTimeout(resolve, this.pollIntervalMs);
      });
      this.endPause = undefined;
    }
  }

  /** Sends a command (after `prefix`, e.g. the wake-up) and resolves with the answer's data after its code. */
  private command(gen: number, code: number, params: readonly number[] = [], prefix?: Buffer): Promise<Buffer> {
    const link = this.link;
    if (gen !== this.generation || !link) return Promise.reject(new Error('reader re-opened'));
    return new Promise<Buffer>((resolve, reject) => {
      const timer = this.options.clock.setTimeout(() => {
        if (this.pending?.timer === timer) this.pending = undefined;
        reject(new Error(`no answer to command 0x${code.toString(16)} within ${this.answerTimeoutMs} ms`));
      }, this.answerTimeoutMs);
      this.pending = { code, resolve, reject, timer, nacked: false };
      const frame = encodeCommand(code, params);
      link.write(prefix ? Buffer.concat([prefix, frame]) : frame);
    });
  }

  private onBytes(gen: number, chunk: Buffer): void {
    if (gen !== this.generation) return;
    const { frames, rest } = parseFrames(Buffer.concat([this.unparsed, chunk]));
    this.unparsed = rest;
    for (const frame of frames) {
      const pending = this.pending;
      if (!pending) continue;
      // The ACK only says the command arrived; the answer follows (UM0701-02 section 6.2).
      if (frame.kind === 'ack') continue;
      if (frame.kind === 'info' && frame.tfi === TFI_PN532_TO_HOST && frame.data.length > 0 && frame.data.readUInt8(0) === pending.code + 1) {
        this.settle(pending);
        pending.resolve(Buffer.from(frame.data.subarray(1)));
      } else if (frame.kind === 'corrupt' && !pending.nacked) {
        // A NACK asks the PN532 to send its last answer again (UM0701-02 chapter 6), once per command.
        pending.nacked = true;
        this.link?.write(NACK_FRAME);
      } else if (frame.kind === 'error' || frame.kind === 'corrupt' || frame.kind === 'nack') {
        this.settle(pending);
        pending.reject(new Error(frame.kind === 'corrupt' ? `bad frame from the PN532: ${frame.reason}` : `PN532 sent ${frame.kind === 'error' ? 'an error frame' : 'a NACK'}`));
      }
    }
  }

  private settle(pending: PendingCommand): void {
    pending.timer.cancel();
    if (this.pending === pending) this.pending = undefined;
  }

  private rejectPending(err: Error): void {
    const pending = this.pending;
    if (!pending) return;
    this.settle(pending);
    pending.reject(err);
  }

  private async fail(gen: number, err: unknown): Promise<void> {
    if (gen !== this.generation || this.closed) return;
    this.generation++;
    this.timer?.cancel();
    this.endPause?.();
    const message = err instanceof Error ? err.message : String(err);
    this.rejectPending(new Error(message));
    this.setHealth({ state: 'failed', lastError: message });
    await this.dropLink();
    if (this.closed) return;
    const wait = this.backoffMs[Math.min(this.failures, this.backoffMs.length - 1)] ?? 1000;
    this.failures++;
    this.timer = this.options.clock.setTimeout(() => {
      if (!this.closed) this.attempt();
    }, wait);
  }

  private async dropLink(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    if (link) await link.close().catch(() => undefined);
  }

  private setHealth(next: CardReaderHealth): void {
    const now = this.healthSubject.getValue();
    if (now.state === next.state && now.lastError === next.lastError) return;
    this.healthSubject.next(next);
  }
}
