import type { ReservationStatusUpdateRequest } from 'ocpp-messages/v2.0/index.js';
import type { Logger } from '../../../service/logger.js';
import type { ReservationEnded } from '../../../station/events.js';
import { NotAccepted } from '../../common/registration.js';
import { CallTimeout, NotConnected } from '../../rpc/rpc-errors.js';

/**
 * H04.FR.01 Expired, H01.FR.16/17 Removed: the CSMS hears of a reservation that ended without being
 * used or cancelled by it. One that was used is reported in the TransactionEvent (H01.FR.15), one
 * the CSMS cancelled not at all (H02 remark).
 */
export function reservationStatusUpdateRequest(e: ReservationEnded): ReservationStatusUpdateRequest | undefined {
  if (e.reason !== 'Expired' && e.reason !== 'Removed') return undefined;
  return { reservationId: e.reservationId, reservationUpdateStatus: e.reason };
}

/** More than this waiting (a long outage): the oldest goes. */
const MAX_PENDING = 100;

/**
 * The ReservationStatusUpdates the CSMS has not had yet: sent in order, kept while the station is
 * offline or not accepted, and sent after the next (re)connection (flush), so that a reservation
 * that expired during an outage is not reserved at the CSMS for ever. In memory: after a restart
 * the CSMS learns from the statuses that the EVSE is free.
 */
export class ReservationStatusUpdates {
  private readonly pending: ReservationStatusUpdateRequest[] = [];
  private flushing = false;

  constructor(
    private readonly send: (request: ReservationStatusUpdateRequest) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  /** A reservation ended: queued and sent when the CSMS needs to hear of it. */
  add(e: ReservationEnded): void {
    const request = reservationStatusUpdateRequest(e);
    if (!request) return;
    this.pending.push(request);
    if (this.pending.length > MAX_PENDING) this.pending.shift();
    void this.flush();
  }

  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const request = this.pending[0]!;
        try {
          await this.send(request);
        } catch (err) {
          // Not sent, or lost on the way: again at the next (re)connection or update.
          if (err instanceof NotConnected || err instanceof NotAccepted || err instanceof CallTimeout) return;
          this.log.warning(`ReservationStatusUpdate ${request.reservationId} ${request.reservationUpdateStatus} failed: ${(err as Error).message}`);
        }
        this.pending.shift();
      }
    } finally {
      this.flushing = false;
    }
  }
}
