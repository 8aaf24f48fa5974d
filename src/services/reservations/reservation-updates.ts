import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import { OfflineOutbox } from '../outbox/offline-outbox.js';
import type { ReservationEnded, StationEvent } from '../../station/events.js';
import type { StateStore } from '../../station/ports.js';

/**
 * A reservation's end the CSMS must hear of: expired (2.0.1 H04.FR.01) or removed because its EVSE
 * became unusable (H01.FR.16/17). Kept in this shape on disk (the key below) since the first release.
 */
export interface ReservationUpdate {
  reservationId: number;
  reservationUpdateStatus: 'Expired' | 'Removed';
}

/** More than this waiting (a long outage): the oldest goes. */
export const MAX_PENDING_RESERVATION_UPDATES = 100;

/** Where the updates waiting for the CSMS are kept (a key in storage.dir). */
export const RESERVATION_UPDATES_KEY = 'reservation-status-updates';

/**
 * The update the CSMS is to get for a reservation that ended, if any: one that was used is reported
 * with its transaction (H01.FR.15), one the CSMS cancelled not at all (H02 remark).
 */
export function reservationUpdateFor(e: ReservationEnded): ReservationUpdate | undefined {
  if (e.reason !== 'Expired' && e.reason !== 'Removed') return undefined;
  return { reservationId: e.reservationId, reservationUpdateStatus: e.reason };
}

export interface ReservationUpdatesOptions {
  log: Logger;
  /** Sends one update (the version's message); rejects when it could not go. */
  send(update: ReservationUpdate): Promise<unknown>;
  /** Where what waits is kept; without it, in memory only. */
  store?: StateStore;
}

/**
 * Reservations as the CSMS hears of them: the ends it did not cause wait, in order and on disk, for
 * the CSMS, so that a reservation that expired during an outage does not stay reserved at the CSMS
 * for ever (H04.FR.01), even across a restart.
 */
export class ReservationUpdates {
  private readonly outbox: OfflineOutbox<ReservationUpdate>;

  constructor(options: ReservationUpdatesOptions) {
    this.outbox = new OfflineOutbox({
      name: 'ReservationStatusUpdate',
      maxPending: MAX_PENDING_RESERVATION_UPDATES,
      send: options.send,
      describe: (u) => `${u.reservationId} ${u.reservationUpdateStatus}`,
      log: options.log,
      keep: options.store ? { store: options.store, key: RESERVATION_UPDATES_KEY } : undefined,
    });
  }

  /** Follows the core's events: each reservation that ends is taken in. */
  follow(events$: Observable<StationEvent>): Subscription {
    return events$.subscribe((e) => {
      if (e.type === 'ReservationEnded') this.ended(e);
    });
  }

  /** A reservation ended (the core's event): its update, if the CSMS is to get one, goes now or waits. */
  ended(e: ReservationEnded): void {
    const update = reservationUpdateFor(e);
    if (update) this.outbox.add(update);
  }

  /** Sends what waits: once the boot is accepted, and after each reconnection. */
  /** Resolves when no update is on its way to the CSMS. */
  idle(): Promise<void> {
    return this.outbox.idle();
  }

  flush(): Promise<void> {
    return this.outbox.flush();
  }
}
