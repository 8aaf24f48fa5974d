import type { Observable } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import { systemClock, type Clock } from '../../station/clock.js';
import type { SecurityLog } from '../../store/security-log.js';
import type { TransactionJournal } from '../../store/transaction-journal.js';
import { eventQueue, type TransactionMessageQueue } from '../transactions/transaction-queue.js';
import { SECURITY_EVENT_CATALOGUES, type RecordedSecurityEvent, type SecurityEvent, type SecurityEventCatalogue, type SecurityEventPort } from './security-event-types.js';

/** A security event as the version's message: the adapter's encoding (SecurityEventNotification, 2.0.1 or the 1.6 whitepaper's). */
export interface EncodedSecurityEvent {
  action: string;
  payload: object;
}

export interface SecurityEventsOptions {
  send(action: string, payload: object): Promise<unknown>;
  /** The message a critical event is sent as; its type already the version's name. */
  encode(event: RecordedSecurityEvent, name: string): EncodedSecurityEvent;
  /** The version's names and critical events; 2.0.1's by default. */
  catalogue?: SecurityEventCatalogue;
  /** Connected and accepted at boot. */
  ready$: Observable<boolean>;
  /** Where critical events wait for the CSMS, on disk; without it, in memory only. */
  store?: TransactionJournal;
  /** The local security log; without it, events are only logged. */
  securityLog?: SecurityLog;
  attempts(): number;
  retryIntervalS(): number;
  /** An instant as the CSMS' clock tells it. */
  timestamp(at: Date): string;
  /** When an event without its own time happened; the system clock by default. */
  clock?: Pick<Clock, 'now'>;
  log: Logger;
}

/**
 * A04: every security event goes into the local security log (A04.FR.04); a critical one is also
 * sent to the CSMS (A04.FR.01) through the same durable queue as transaction messages, on its own
 * journal file: on disk before it is sent, off only when the CSMS answered (A04.FR.03), so it
 * survives an outage and a restart (A04.FR.02), and it goes only once the boot is accepted.
 */
export class SecurityEvents implements SecurityEventPort {
  readonly queue: TransactionMessageQueue;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #catalogue: SecurityEventCatalogue;
  readonly #stopWatchingLog: () => void;

  constructor(private readonly options: SecurityEventsOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#catalogue = options.catalogue ?? SECURITY_EVENT_CATALOGUES['2.0.1'];
    const { send, store, ready$, attempts, retryIntervalS, log } = options;
    this.queue = eventQueue({ send, store, ready$, attempts, retryIntervalS, log });
    // The security log dropping its oldest events (its rotation) is clearing it in part: said in the log itself.
    this.#stopWatchingLog = options.securityLog?.onCleared((techInfo) => this.raise({ type: 'SecurityLogWasCleared', techInfo })) ?? (() => undefined);
  }

  raise(event: SecurityEvent, at: Date = this.#clock.now()): void {
    const timestamp = this.options.timestamp(at);
    const { type, techInfo } = event;
    const name = this.#catalogue.nameOf(type);
    if (name === undefined) {
      this.options.log.warning(`security event ${type} does not exist in this OCPP version: not raised`);
      return;
    }
    this.options.log.notice(`security event ${name}${techInfo ? ` (${techInfo})` : ''}`);
    const recorded: RecordedSecurityEvent = { timestamp, type };
    if (techInfo !== undefined) recorded.techInfo = techInfo;
    try {
      this.options.securityLog?.append({ ...recorded, type: name });
    } catch (err) {
      this.options.log.error(`cannot write the security log: ${(err as Error).message}`);
    }
    if (!this.#catalogue.critical(type)) return;
    const { action, payload } = this.options.encode(recorded, name);
    this.queue.enqueue(action, payload, '', 'event');
  }

  stop(): void {
    this.#stopWatchingLog();
    this.queue.stop();
  }
}
