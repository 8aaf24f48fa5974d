import { OfflineOutbox } from '../outbox/offline-outbox.js';
import type { Logger } from '../../process/logger.js';
import type { Clock } from '../../station/clock.js';
import type { DeviceProblemChanged, FaultChanged } from '../../station/events.js';

/**
 * Hardware faults and device problems (a card reader that cannot be read) raised and cleared, as
 * events for the CSMS (2.0.1 NotifyEvent; N07.FR.04 asks the same of monitor events: the CSMS
 * learns of a fault that came and went offline). Each gets an
 * eventId, unique within a run and, counted from the start time, unlikely to repeat an earlier
 * run's. They wait in order, in memory, while the station is offline, at most maxPending (the oldest go first:
 * the connector statuses still tell the present). The version's message is made when one is sent.
 */

/** What an event reports: a hardware fault, or a device problem that is no fault. */
export type ReportedChange = FaultChanged | DeviceProblemChanged;

/** A fault event as it happened; times already on the CSMS' clock (RFC 3339). */
export interface FaultEventRecord {
  change: ReportedChange;
  eventId: number;
  /** When the fault or device problem changed. */
  timestamp: string;
  /** When the event was made. */
  generatedAt: string;
  /** The transaction running on the EVSE of the fault or device, if any. */
  transactionId?: string;
}

/** The most fault events kept while offline. */
export const MAX_PENDING_FAULT_EVENTS = 200;

export interface FaultEventsOptions {
  /** Sends one event as the version's message (2.0.1 NotifyEvent). */
  send(event: FaultEventRecord): Promise<unknown>;
  /** The local time; the start time seeds the eventIds. */
  clock: Pick<Clock, 'now' | 'nowMs'>;
  /** An instant as the CSMS' clock tells it. */
  timestamp(at: Date): string;
  log: Logger;
  maxPending?: number;
}

export class FaultEvents {
  readonly #outbox: OfflineOutbox<FaultEventRecord>;
  #nextEventId: number;

  constructor(private readonly options: FaultEventsOptions) {
    this.#nextEventId = Math.floor(options.clock.nowMs() / 1000) % 1_000_000_000;
    this.#outbox = new OfflineOutbox<FaultEventRecord>({
      name: 'NotifyEvent',
      maxPending: options.maxPending ?? MAX_PENDING_FAULT_EVENTS,
      send: (event) => options.send(event),
      log: options.log,
    });
  }

  /** A fault or device problem raised or cleared: queued, and sent at once when the station is online. */
  report(change: ReportedChange, transactionId?: string): void {
    const record: FaultEventRecord = {
      change,
      eventId: this.#nextEventId++,
      timestamp: this.options.timestamp(change.timestamp),
      generatedAt: this.options.timestamp(this.options.clock.now()),
    };
    if (transactionId) record.transactionId = transactionId;
    this.#outbox.add(record);
  }

  /** Sends what waits, oldest first (after a (re)connection). */
  /** Resolves when no fault event is on its way to the CSMS. */
  idle(): Promise<void> {
    return this.#outbox.idle();
  }

  flush(): Promise<void> {
    return this.#outbox.flush();
  }
}
