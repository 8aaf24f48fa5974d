import { createReadStream, type ReadStream } from 'node:fs';
import { BehaviorSubject, distinctUntilChanged, Subject, type Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../../station/clock.js';
import type { IdTokenKind } from '../../../station/types.js';
import type { CardPresented, CardReader, CardReaderHealth } from '../../roles/card-reader.js';
import { DEFAULT_CARD_FORMAT, typedToUid, TypedCardAssembler, type CardFormat } from './card-keys.js';
import { InputEventDecoder, inputEventSizeFor, type InputEventSize } from './input-event.js';

/**
 * A USB card reader that types the UID as a keyboard ("keyboard wedge"), read from its Linux input
 * device, e.g. /dev/input/by-id/usb-...-event-kbd (the by-id link survives re-enumeration, so a
 * replugged reader comes back under the same name).
 *
 * Read with a plain node:fs stream, no native addon. Two consequences:
 * - The device cannot be grabbed (the EVIOCGRAB ioctl needs an addon), so the reader's keys also
 *   reach a console or X session on the same machine. A headless charger has none; where it has,
 *   the reader should be kept away from it (a udev rule, or no getty on that VT).
 * - A read of a quiet device blocks one thread of libuv's pool (4 by default) until a key comes;
 *   one reader per charger is fine, many readers need a larger UV_THREADPOOL_SIZE.
 *
 * A device that is missing, refused, unplugged (ENODEV on read) or ends is reported failed in
 * health$ and opened again on a backoff until it is back, until close().
 */

export interface EvdevCardReaderOptions {
  /** The input device, e.g. /dev/input/by-id/usb-XXXX-event-kbd. */
  device: string;
  clock: Clock;
  /** For logs; defaults to "evdev reader on <device>". */
  name?: string;
  format?: CardFormat;
  /** struct input_event's size: derived from process.arch unless given (a 32-bit build reads 16 bytes). */
  eventSize?: InputEventSize;
  /** A gap between keys longer than this discards a partial card. */
  interKeyTimeoutMs?: number;
  /** The first wait before opening a failed device again; it doubles up to retryMaxMs. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /**
   * The same card typed again within this long of its last typing is not a new presentation: some
   * readers type a card again every second or so while it is held. 0 reports every typing.
   */
  repeatHoldOffMs?: number;
  /** The OCPP id token type of the cards read; ISO14443 for the usual 13.56 MHz readers. */
  tokenType?: IdTokenKind;
  /** A line for the log: a card typed that is not a UID, a partial card thrown away, a reopen. */
  log?: (message: string) => void;
}

export const DEFAULT_INTER_KEY_TIMEOUT_MS = 100;
export const DEFAULT_RETRY_INITIAL_MS = 1000;
export const DEFAULT_RETRY_MAX_MS = 30_000;
export const DEFAULT_REPEAT_HOLD_OFF_MS = 2000;

export class EvdevCardReader implements CardReader {
  readonly name: string;
  private readonly cards = new Subject<CardPresented>();
  private readonly health = new BehaviorSubject<CardReaderHealth>({ state: 'unknown' });
  private readonly decoder: InputEventDecoder;
  private readonly assembler: TypedCardAssembler;
  private readonly format: CardFormat;
  private readonly log: (message: string) => void;
  private stream: ReadStream | undefined;
  private retryTimer: TimerHandle | undefined;
  private retryMs: number;
  private last: { uid: string; atMs: number } | undefined;
  private started = false;
  private closed = false;

  constructor(private readonly options: EvdevCardReaderOptions) {
    this.name = options.name ?? `evdev reader on ${options.device}`;
    this.format = options.format ?? DEFAULT_CARD_FORMAT;
    this.log = options.log ?? (() => undefined);
    this.decoder = new InputEventDecoder(options.eventSize ?? inputEventSizeFor(process.arch));
    this.retryMs = this.retryInitialMs;
    this.assembler = new TypedCardAssembler(
      options.clock,
      options.interKeyTimeoutMs ?? DEFAULT_INTER_KEY_TIMEOUT_MS,
      (typed) => this.typed(typed),
      (partial) => this.log(`${this.name}: partial card "${partial}" discarded (no Enter: a key came too late, or the device went away)`),
    );
  }

  get cards$(): Observable<CardPresented> {
    return this.cards.asObservable();
  }

  get health$(): Observable<CardReaderHealth> {
    return this.health.pipe(distinctUntilChanged((a, b) => a.state === b.state && a.lastError === b.lastError));
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.open();
  }

  /**
   * Stops reading. The file is closed by its stream once a read that is waiting on the device
   * returns (Node does not close an fd under a pending read), so this does not wait for that.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.assembler.discard();
    this.drop();
    this.cards.complete();
    this.health.complete();
    return Promise.resolve();
  }

  private get retryInitialMs(): number {
    return this.options.retryInitialMs ?? DEFAULT_RETRY_INITIAL_MS;
  }

  private open(): void {
    this.decoder.reset();
    const stream = createReadStream(this.options.device, { highWaterMark: this.decoder.size * 64 });
    this.stream = stream;
    stream.on('open', () => {
      if (this.stream !== stream) return;
      this.retryMs = this.retryInitialMs;
      this.health.next({ state: 'ok' });
    });
    stream.on('data', (chunk) => {
      if (this.stream !== stream) return;
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (const event of this.decoder.push(buf)) this.assembler.handle(event);
    });
    stream.on('error', (err: NodeJS.ErrnoException) => this.failed(stream, errorText(err)));
    // A FIFO or a file ends; a real input device does not (it fails with ENODEV when unplugged).
    stream.on('end', () => this.failed(stream, 'device closed (end of stream)'));
  }

  private failed(stream: ReadStream, why: string): void {
    if (this.stream !== stream || this.closed) return;
    this.drop();
    this.assembler.discard();
    this.health.next({ state: 'failed', lastError: why });
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS);
    this.log(`${this.name}: ${why}; opening again in ${wait} ms`);
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) this.open();
    }, wait);
  }

  /** Lets go of the current stream; its late events (a last error, the close) are ignored. */
  private drop(): void {
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return;
    stream.on('error', () => undefined);
    stream.destroy();
  }

  private typed(typed: string): void {
    const uid = typedToUid(typed, this.format);
    if (uid instanceof Error) {
      this.log(`${this.name}: typed "${typed}" is not a card: ${uid.message}`);
      return;
    }
    // The role reports a card held still once: a repeat inside the hold-off extends it, not reported.
    const now = this.options.clock.nowMs();
    const holdOff = this.options.repeatHoldOffMs ?? DEFAULT_REPEAT_HOLD_OFF_MS;
    const repeat = this.last !== undefined && this.last.uid === uid && now - this.last.atMs < holdOff;
    this.last = { uid, atMs: now };
    if (repeat) return;
    this.cards.next({ idToken: uid, type: this.options.tokenType ?? 'ISO14443' });
  }
}

function errorText(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return `no device at ${err.path ?? '?'} (ENOENT: unplugged?)`;
  if (err.code === 'ENODEV') return 'the device went away (ENODEV: unplugged)';
  if (err.code === 'EACCES') return `not allowed to read ${err.path ?? 'the device'} (EACCES: is the agent in the input group?)`;
  return err.message;
}
