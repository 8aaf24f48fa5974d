import type { Clock, TimerHandle } from '../../../station/clock.js';
import type { OpenSerialLink, SerialLink } from '../serial-link.js';
import { RapiFrameError, RapiLineSplitter, formatFrame, isAnswer, isNotification, parseFrame, type RapiFrame } from './rapi-codec.js';

/**
 * The RAPI serial line to one OpenEVSE board: one command at a time (the firmware has one input
 * buffer and answers in order), each waiting for its `$OK` / `$NK` up to a timeout; notifications
 * (`$ST`, `$AT`, `$AB`...) may come at any time, also between a command and its answer, and go to
 * their listener. The port is opened at the first command and again after it went away.
 */

export class RapiCommandError extends Error {
  constructor(
    readonly kind: 'timeout' | 'exception' | 'io' | 'crc',
    message: string,
  ) {
    super(message);
    this.name = 'RapiCommandError';
  }
}

export interface RapiLinkOptions {
  path: string;
  baudRate: number;
  clock: Clock;
  openLink: OpenSerialLink;
  answerTimeoutMs: number;
  onNotification: (frame: RapiFrame) => void;
}

interface Pending {
  code: string;
  acceptNk: boolean;
  resolve: (frame: RapiFrame) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
}

export class RapiLink {
  private serial: SerialLink | undefined;
  private opening: Promise<SerialLink> | undefined;
  private splitter = new RapiLineSplitter();
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: RapiLinkOptions) {}

  get description(): string {
    return `${this.options.path} at ${this.options.baudRate} baud`;
  }

  /** Sends `$code args^XX` after the commands before it; resolves with the answer ($NK rejects unless acceptNk). */
  command(code: string, args: readonly (string | number)[] = [], opts: { acceptNk?: boolean } = {}): Promise<RapiFrame> {
    const run = (): Promise<RapiFrame> => this.send(code, args, opts.acceptNk ?? false);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.settle(undefined, new RapiCommandError('io', 'RAPI line closed'));
    await this.queue;
    const serial = this.serial ?? (await this.opening?.catch(() => undefined));
    this.serial = undefined;
    await serial?.close().catch(() => undefined);
  }

  private async send(code: string, args: readonly (string | number)[], acceptNk: boolean): Promise<RapiFrame> {
    if (this.closed) throw new RapiCommandError('io', 'RAPI line closed');
    let serial: SerialLink;
    try {
      serial = await this.open();
    } catch (err) {
      throw new RapiCommandError('io', `${this.description}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const frame = formatFrame(code, args);
    return new Promise<RapiFrame>((resolve, reject) => {
      const timer = this.options.clock.setTimeout(() => {
        this.settle(undefined, new RapiCommandError('timeout', `${this.description}: no answer to $${code} within ${this.options.answerTimeoutMs} ms`));
      }, this.options.answerTimeoutMs);
      this.pending = { code, acceptNk, resolve, reject, timer };
      serial.write(Buffer.from(frame, 'latin1'));
    });
  }

  private open(): Promise<SerialLink> {
    if (this.serial) return Promise.resolve(this.serial);
    this.opening ??= this.options.openLink(this.options.path, this.options.baudRate).then(
      (serial) => {
        this.opening = undefined;
        this.serial = serial;
        this.splitter = new RapiLineSplitter();
        serial.onData((chunk) => {
          if (this.serial === serial) this.onChunk(chunk);
        });
        serial.onGone((err) => {
          if (this.serial !== serial) return;
          this.serial = undefined;
          this.settle(undefined, new RapiCommandError('io', `${this.description}: ${err.message}`));
        });
        return serial;
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  private onChunk(chunk: Buffer): void {
    for (const line of this.splitter.push(chunk)) {
      let frame: RapiFrame;
      try {
        frame = parseFrame(line);
      } catch (err) {
        // A garbled answer fails the command waiting for it; a garbled notification is dropped.
        if (err instanceof RapiFrameError && err.kind === 'checksum' && this.pending) {
          this.settle(undefined, new RapiCommandError('crc', `${this.description}: ${err.message}`));
        }
        continue;
      }
      if (isNotification(frame)) this.options.onNotification(frame);
      else if (isAnswer(frame) && this.pending) {
        const p = this.pending;
        if (frame.code === 'NK' && !p.acceptNk) this.settle(undefined, new RapiCommandError('exception', `${this.description}: $${p.code} answered $NK ${frame.args.join(' ')}`.trimEnd()));
        else this.settle(frame);
      }
      // Anything else (an answer nobody waits for: late after a timeout, our own echo) is dropped.
    }
  }

  private settle(frame: RapiFrame | undefined, err?: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    p.timer.cancel();
    if (frame) p.resolve(frame);
    else p.reject(err ?? new RapiCommandError('io', 'no answer'));
  }
}
