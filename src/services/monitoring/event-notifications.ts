import type { Observable } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import type { Clock } from '../../station/clock.js';
import { eventQueue, type EventStore, type TransactionMessageQueue } from '../transactions/transaction-queue.js';

/**
 * The station's events for the CSMS (2.0.1 NotifyEvent), from monitors and from the firmware's own
 * fault monitors. Each gets an eventId, unique within a run and, counted from the start time,
 * unlikely to repeat an earlier run's. Online, an event goes at once and touches no disk. Offline
 * (or behind events still waiting), an event whose severity number is at or under
 * OfflineQueuingSeverity waits (N07.FR.04, N08.FR.03): written to its own journal first, so it
 * outlives a restart, and sent in order once the boot is accepted again; the others are dropped, as
 * N07's remark says they are. At most maxQueued wait; past that the newest are dropped, said once.
 */

export const MAX_QUEUED_EVENTS = 1000;
const ACTION = 'NotifyEvent';

export interface EventNotificationsOptions {
  /** Sends a message at once on an accepted connection; rejects when there is none. */
  send(action: string, payload: object): Promise<unknown>;
  /** Connected and accepted at boot. */
  ready$: Observable<boolean>;
  online(): boolean;
  /** MonitoringCtrlr.OfflineQueuingSeverity. */
  offlineQueuingSeverity(): number;
  /** Where waiting events are kept; without it, in memory only. */
  store?: EventStore;
  attempts(): number;
  retryIntervalS(): number;
  clock: Clock;
  log: Logger;
  maxQueued?: number;
}

export class EventNotifications {
  readonly queue: TransactionMessageQueue;
  #nextEventId: number;
  readonly #inFlight = new Set<Promise<unknown>>();
  #dropping = false;

  constructor(private readonly options: EventNotificationsOptions) {
    this.#nextEventId = Math.floor(options.clock.nowMs() / 1000) % 1_000_000_000;
    const { send, store, ready$, attempts, retryIntervalS, log, clock } = options;
    this.queue = eventQueue({ send, store, ready$, attempts, retryIntervalS, log, clock });
  }

  /** Events waiting for the CSMS. */
  get waiting(): number {
    return this.queue.length;
  }

  /** An event of that severity: made with its eventId, then sent, queued or dropped. */
  notify(severity: number, make: (eventId: number) => object): void {
    const payload = make(this.#nextEventId++);
    if (this.options.online() && this.queue.length === 0) {
      const sending = this.options.send(ACTION, payload).catch((err: unknown) => {
        // Lost on the way (the connection went): it waits like one raised offline would.
        this.options.log.debug(`NotifyEvent not delivered now (${(err as Error).message})`);
        this.#queueIfItMust(severity, payload);
      });
      this.#inFlight.add(sending);
      void sending.finally(() => this.#inFlight.delete(sending));
      return;
    }
    this.#queueIfItMust(severity, payload);
  }

  #queueIfItMust(severity: number, payload: object): void {
    if (severity > this.options.offlineQueuingSeverity()) {
      this.options.log.debug(`NotifyEvent of severity ${severity} dropped while offline (OfflineQueuingSeverity ${this.options.offlineQueuingSeverity()})`);
      return;
    }
    const max = this.options.maxQueued ?? MAX_QUEUED_EVENTS;
    if (this.queue.length >= max) {
      if (!this.#dropping) this.options.log.warning(`${this.queue.length} events wait for the CSMS, the most kept: newer ones are dropped until they have gone`);
      this.#dropping = true;
      return;
    }
    this.#dropping = false;
    this.queue.enqueue(ACTION, payload, '', 'event');
  }

  /** Resolves when no event is on its way and none that can go now waits. */
  async idle(): Promise<void> {
    await Promise.all([...this.#inFlight]);
    if (this.options.online()) await this.queue.idle();
  }

  stop(): void {
    this.queue.stop();
  }
}

