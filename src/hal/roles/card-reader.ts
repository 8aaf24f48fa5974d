import type { Observable } from 'rxjs';
import type { IdTokenKind } from '../../station/types.js';

/**
 * The card reader role: a reader at the charger that reports the id of a card held to it. USB
 * readers that type the UID as a keyboard (evdev), a PN532 board on a UART and the simulated
 * reader play it; the station maps a reader to an EVSE (config) and authorizes there.
 */

/** One card presented, as OCPP carries it: the UID in upper-case hex for ISO14443 cards. */
export interface CardPresented {
  idToken: string;
  type: IdTokenKind;
}

export interface CardReaderHealth {
  /** unknown until the reader was first opened; failed while it cannot be read (gone, refused); ok otherwise. */
  state: 'unknown' | 'ok' | 'failed';
  /** Why it failed last, for the log and the status page. */
  lastError?: string;
}

export interface CardReader {
  /** A name for logs, e.g. "reader 1 (pn532 on /dev/ttyAMA0)". */
  readonly name: string;
  /** Each card as it is presented (a card held still is reported once until it is taken away). */
  readonly cards$: Observable<CardPresented>;
  /** The current health; replays the latest to a new subscriber. */
  readonly health$: Observable<CardReaderHealth>;
  /** Starts reading; a reader that fails or vanishes is retried until close(). */
  start(): void;
  close(): Promise<void>;
}
