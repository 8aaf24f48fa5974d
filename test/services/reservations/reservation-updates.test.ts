import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { NotConnected } from '../../../src/ocpp/rpc/rpc-errors.js';
import { silentLogger } from '../../../src/process/logger.js';
import { MAX_PENDING_RESERVATION_UPDATES, RESERVATION_UPDATES_KEY, ReservationUpdates, reservationUpdateFor, type ReservationUpdate } from '../../../src/services/reservations/reservation-updates.js';
import type { ReservationEnded, StationEvent } from '../../../src/station/events.js';
import type { StateStore } from '../../../src/station/ports.js';

/** The reservations service: the ends of reservations the CSMS must hear of (2.0.1 H04.FR.01, H01.FR.16/17), waiting for it across outages and restarts. */

class MemoryStore implements StateStore {
  readonly values = new Map<string, unknown>();
  read<T>(name: string): T | undefined {
    return this.values.get(name) as T | undefined;
  }
  write(name: string, value: unknown): void {
    this.values.set(name, JSON.parse(JSON.stringify(value)));
  }
}

const ended = (reservationId: number, reason: ReservationEnded['reason']): ReservationEnded => ({ type: 'ReservationEnded', reservationId, reason, evseId: 1, timestamp: new Date(0) });

describe('reservations: reservation updates', () => {
  it('H04.FR.01, H01.FR.16/17: Expired and Removed are reported; Used (with its transaction, H01.FR.15) and Cancelled (by the CSMS, H02) are not', () => {
    assert.deepEqual(reservationUpdateFor(ended(1, 'Expired')), { reservationId: 1, reservationUpdateStatus: 'Expired' });
    assert.deepEqual(reservationUpdateFor(ended(2, 'Removed')), { reservationId: 2, reservationUpdateStatus: 'Removed' });
    assert.equal(reservationUpdateFor(ended(3, 'Used')), undefined);
    assert.equal(reservationUpdateFor(ended(4, 'Cancelled')), undefined);
  });

  it('an expiry during an outage waits, on disk, and reaches the CSMS after a restart, in order', async () => {
    const store = new MemoryStore();
    let online = false;
    const sent: ReservationUpdate[] = [];
    const send = async (u: ReservationUpdate): Promise<void> => {
      if (!online) throw new NotConnected('ReservationStatusUpdate');
      sent.push(u);
    };
    const before = new ReservationUpdates({ log: silentLogger, store, send });
    before.ended(ended(1, 'Expired'));
    before.ended(ended(2, 'Used'));
    before.ended(ended(3, 'Removed'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sent.length, 0, 'offline: nothing sent');
    assert.equal(store.read<ReservationUpdate[]>(RESERVATION_UPDATES_KEY)?.length, 2);

    const after = new ReservationUpdates({ log: silentLogger, store, send });
    online = true;
    await after.flush();
    assert.deepEqual(sent.map((u) => `${u.reservationId} ${u.reservationUpdateStatus}`), ['1 Expired', '3 Removed']);
    assert.deepEqual(store.read(RESERVATION_UPDATES_KEY), []);
  });

  it('a long outage keeps the latest MAX_PENDING_RESERVATION_UPDATES', async () => {
    const store = new MemoryStore();
    const updates = new ReservationUpdates({ log: silentLogger, store, send: async () => Promise.reject(new NotConnected('x')) });
    for (let id = 1; id <= MAX_PENDING_RESERVATION_UPDATES + 5; id++) updates.ended(ended(id, 'Expired'));
    await new Promise((resolve) => setImmediate(resolve));
    const kept = store.read<ReservationUpdate[]>(RESERVATION_UPDATES_KEY)!;
    assert.equal(kept.length, MAX_PENDING_RESERVATION_UPDATES);
    assert.equal(kept[0]!.reservationId, 6, 'the oldest went first');
  });

  it("follows the core's events: only the reservations' ends are taken in", async () => {
    const sent: ReservationUpdate[] = [];
    const updates = new ReservationUpdates({ log: silentLogger, send: async (u) => void sent.push(u) });
    const events$ = new Subject<StationEvent>();
    const subscription = updates.follow(events$);
    events$.next({ type: 'ConnectorStatusChanged', evseId: 1, connectorId: 1, status: 'Available', timestamp: new Date(0) });
    events$.next(ended(7, 'Expired'));
    subscription.unsubscribe();
    events$.next(ended(8, 'Expired'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sent, [{ reservationId: 7, reservationUpdateStatus: 'Expired' }]);
  });
});
