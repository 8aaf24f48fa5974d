import type { Logger } from '../../process/logger.js';
import type { StateStore } from '../../station/ports.js';
import { CallTimeout, NotConnected } from '../../ocpp/rpc/rpc-errors.js';
import { NotAccepted } from '../registration/registration.js';

/**
 * Messages that need no durable queue but must not be lost to a short outage (fault events,
 * reservation updates): sent in order, one at a time; while the station is offline or not yet
 * accepted they wait in memory, at most `maxPending` (the oldest go first), and go out at the next
 * (re)connection (flush). Kept on disk when given a store; otherwise after a restart the statuses
 * tell the CSMS what is true now.
 */
export class OfflineOutbox<T> {
  private readonly pending: T[] = [];
  /** The send in progress, if any: a stop waits for its answer (idle) so that it is not sent twice. */
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly options: {
      /** What the message is, for the log. */
      name: string;
      maxPending: number;
      send(message: T): Promise<unknown>;
      log: Logger;
      describe?(message: T): string;
      /** Where what waits is kept, so that a restart does not lose it either (a key in storage.dir). */
      keep?: { store: StateStore; key: string };
    },
  ) {
    const kept = options.keep?.store.read<T[]>(options.keep.key);
    if (Array.isArray(kept)) this.pending.push(...kept.slice(-options.maxPending));
  }

  private save(): void {
    this.options.keep?.store.write(this.options.keep.key, this.pending);
  }

  add(message: T): void {
    this.pending.push(message);
    if (this.pending.length > this.options.maxPending) {
      this.pending.shift();
      this.options.log.warning(`more than ${this.options.maxPending} ${this.options.name} messages waiting for the CSMS; the oldest was dropped`);
    }
    this.save();
    void this.flush();
  }

  /** Sends what waits, oldest first; stops at the first that cannot go now and keeps it. */
  flush(): Promise<void> {
    this.flushing ??= this.sendWaiting().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Resolves when no send is in flight (what cannot go now stays kept). */
  async idle(): Promise<void> {
    await this.flushing;
  }

  private async sendWaiting(): Promise<void> {
    {
      while (this.pending.length > 0) {
        const message = this.pending[0]!;
        try {
          await this.options.send(message);
        } catch (err) {
          // Not sent, or lost on the way: again on the next (re)connection or message.
          if (err instanceof NotConnected || err instanceof NotAccepted || err instanceof CallTimeout) return;
          // The CSMS refused or could not take this one: another try would not do better.
          const what = this.options.describe ? ` ${this.options.describe(message)}` : '';
          this.options.log.warning(`${this.options.name}${what} failed: ${(err as Error).message}`);
        }
        this.pending.shift();
        this.save();
      }
    }
  }
}
