import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { FakeClock } from '../../src/station/clock.js';
import type { MeterHealth, MeterReading } from '../../src/station/meter-reading.js';
import type { StationEvent } from '../../src/station/events.js';
import { Evse } from '../../src/station/evse.js';
import type { ChargingSettings, EvsePort, StateStore } from '../../src/station/ports.js';
import { coverable, heldEvses, unmatched } from '../../src/station/reservation-coverage.js';
import { ReservationDesk } from '../../src/station/reservation-desk.js';
import type { Reservation } from '../../src/station/types.js';

/**
 * Reservations of no particular EVSE (2.0.1 H01 S1/S3): which EVSEs they need, who may take one,
 * expiry and removal, on fake time. The EVSEs are the core's own, on ports without hardware.
 */

const RESERVED = { idToken: 'RESERVED-1', type: 'ISO14443' as const };
const OTHER = { idToken: 'OTHER', type: 'ISO14443' as const };

const SETTINGS: ChargingSettings = {
  txStartPoints: ['PowerPathClosed'],
  txStopPoints: ['EVConnected', 'Authorized'],
  evConnectionTimeoutS: 0,
  stopTxOnInvalidId: true,
  evIdleCurrentA: 0.5,
  evIdleAfterS: 10,
  onMeterFailure: 'suspend',
};

function port(evseId: number, type: string): EvsePort {
  return {
    evseId,
    maxCurrentA: 16,
    meter: { readings$: new Subject<MeterReading>(), health$: new Subject<MeterHealth>(), latest: undefined, poll: async () => undefined },
    connectors: [{ connectorId: 1, type, setRelay: () => undefined }],
  };
}

class MemoryStore implements StateStore {
  readonly values = new Map<string, unknown>();
  read<T>(name: string): T | undefined {
    return this.values.get(name) as T | undefined;
  }
  write(name: string, value: unknown): void {
    this.values.set(name, JSON.parse(JSON.stringify(value)));
  }
}

describe('reservations of no particular EVSE', () => {
  describe('coverage (H01.FR.07/09, H01.FR.20/24)', () => {
    const any = {};
    const ccs = { connectorType: 'cCCS2' };
    const type2 = { id: 1, connectorTypes: ['sType2'] };
    const ccsEvse = { id: 2, connectorTypes: ['cCCS2'] };

    it('H01.FR.20 as many reservations as free EVSEs: every one is held; fewer: none', () => {
      assert.deepEqual([...heldEvses([any, any], [type2, ccsEvse])].sort(), [1, 2]);
      assert.deepEqual([...heldEvses([any], [type2, ccsEvse])], []);
      assert.deepEqual([...heldEvses([], [type2])], []);
    });

    it('H01.FR.24 a connector type: only the EVSEs with it are held', () => {
      assert.deepEqual([...heldEvses([ccs], [type2, ccsEvse])], [2]);
      assert.equal(coverable([ccs, ccs], [type2, ccsEvse]), false);
    });

    it('an earlier reservation is moved to make room (augmenting path): any + CCS fit on a CCS EVSE and a Type 2 EVSE, in either order', () => {
      assert.equal(coverable([any, ccs], [ccsEvse, type2]), true);
      assert.equal(coverable([ccs, any], [ccsEvse, type2]), true);
      assert.deepEqual([...heldEvses([any, ccs], [ccsEvse, type2])].sort(), [1, 2]);
    });

    it('the reservations left without an EVSE are the latest ones', () => {
      assert.deepEqual(unmatched([any, any, any], [type2, ccsEvse]), [2]);
      assert.deepEqual(unmatched([ccs, any, ccs], [type2, ccsEvse]), [2]);
    });
  });

  describe('the desk, on fake time', () => {
    let clock: FakeClock;
    let evses: Evse[];
    let events: StationEvent[];
    let store: MemoryStore;
    let desk: ReservationDesk;

    const open = (types: string[] = ['sType2', 'sType2']): void => {
      events = [];
      store ??= new MemoryStore();
      const emit = (e: StationEvent): void => {
        events.push(e);
        desk?.onEvent(e);
      };
      evses = types.map((t, i) => new Evse({ port: port(i + 1, t), settings: () => SETTINGS, emit, clock }));
      desk = new ReservationDesk(evses, emit, store, clock);
    };
    const reservation = (id: number, inS = 60, extra: Partial<Reservation> = {}): Reservation => ({ id, idToken: RESERVED, expiresAt: new Date(clock.nowMs() + inS * 1000), ...extra });
    const status = (evseId: number): string => evses[evseId - 1]!.connectors[0]!.view.status;
    const ended = (): Array<[number, string, number | undefined]> =>
      events.flatMap((e) => (e.type === 'ReservationEnded' ? [[e.reservationId, e.reason, e.evseId] as [number, string, number | undefined]] : []));

    beforeEach(() => {
      clock = new FakeClock(new Date('2026-06-01T10:00:00Z'));
      store = new MemoryStore();
    });
    afterEach(() => {
      desk?.stop();
      for (const e of evses ?? []) e.stop();
    });

    it('H04.FR.01 expires at its expiryDateTime: ended Expired (no EVSE), the held EVSE Available again, nothing stored', () => {
      open(['sType2']);
      assert.equal(desk.reserve(undefined, reservation(1, 30)), 'Accepted');
      assert.equal(status(1), 'Reserved');
      assert.equal((store.read<unknown[]>('reservations') ?? []).length, 1);
      clock.advance(29_999);
      assert.deepEqual(ended(), []);
      clock.advance(1);
      assert.deepEqual(ended(), [[1, 'Expired', undefined]]);
      assert.equal(status(1), 'Available');
      assert.deepEqual(store.read('reservations'), []);
    });

    it('a reservation 40 days ahead (beyond Node\'s longest timer, 24.8 days) expires on its day, not at once: unspecified and of an EVSE', () => {
      open();
      const day = 86_400_000;
      assert.equal(desk.reserve(undefined, reservation(11, 40 * 86_400)), 'Accepted');
      assert.equal(desk.reserve(2, reservation(12, 41 * 86_400)), 'Accepted');
      clock.advance(1000);
      assert.deepEqual(ended(), [], 'not at once');
      clock.advance(40 * day - 1001);
      assert.deepEqual(ended(), []);
      clock.advance(1);
      assert.deepEqual(ended(), [[11, 'Expired', undefined]]);
      clock.advance(day);
      assert.deepEqual(ended(), [
        [11, 'Expired', undefined],
        [12, 'Expired', 2],
      ]);
    });

    it('H01.FR.07 two EVSEs, one reservation: another driver may take either; then the other EVSE is kept (Reserved) and only the reserved driver may take it, using the reservation', () => {
      open();
      assert.equal(desk.reserve(undefined, reservation(2)), 'Accepted');
      assert.deepEqual([status(1), status(2)], ['Available', 'Available']);
      assert.equal(desk.mayUse(evses[0]!, OTHER), true);
      assert.equal(desk.claimable(evses[0]!, OTHER), undefined);
      evses[0]!.authorize({ idToken: OTHER, source: 'token' });
      desk.refresh();
      assert.equal(status(2), 'Reserved');
      assert.equal(desk.mayUse(evses[1]!, OTHER), false);
      assert.equal(desk.mayUse(evses[1]!, RESERVED), true);
      assert.equal(desk.claimable(evses[1]!, RESERVED), 2);
      desk.markUsed(evses[1]!, 2);
      desk.refresh();
      assert.deepEqual(ended(), [[2, 'Used', 2]]);
      assert.equal(status(2), 'Available');
      assert.deepEqual(desk.unspecified, []);
    });

    it('H03.FR.06 a driver of the reservation\'s group may use it; H01.FR.04 a second reservation for the last free EVSE is Occupied', () => {
      const FLEET = { idToken: 'FLEET', type: 'Central' as const };
      open(['sType2']);
      assert.equal(desk.reserve(undefined, reservation(3, 60, { groupIdToken: FLEET })), 'Accepted');
      assert.equal(desk.reserve(undefined, { ...reservation(4), idToken: OTHER }), 'Occupied');
      assert.equal(desk.claimable(evses[0]!, OTHER, FLEET), 3);
      assert.equal(desk.mayUse(evses[0]!, OTHER), false);
    });

    it('H01.FR.16/17 the EVSE it needs becomes Unavailable: Removed, the latest first; B01.FR.13 the rest is restored after a restart, an expired one is not', () => {
      open();
      assert.equal(desk.reserve(undefined, reservation(5, 600)), 'Accepted');
      assert.equal(desk.reserve(undefined, reservation(6, 600)), 'Accepted');
      assert.deepEqual([status(1), status(2)], ['Reserved', 'Reserved']);
      evses[1]!.setAvailability('evse', false);
      desk.refresh();
      assert.deepEqual(ended(), [[6, 'Removed', undefined]]);
      assert.equal(status(1), 'Reserved');
      assert.equal(desk.reserve(1, reservation(7, 1)), 'Occupied', 'EVSE 1 is needed by reservation 5');
      desk.stop();
      for (const e of evses) e.stop();
      clock.advance(2000);
      const stored = store.read<object[]>('reservations') ?? [];
      store.write('reservations', [...stored, { id: 9, idToken: RESERVED, expiresAt: new Date(clock.nowMs() - 1).toISOString() }]);
      open();
      desk.restore();
      desk.refresh();
      assert.deepEqual(desk.unspecified.map((r) => r.id), [5]);
      assert.deepEqual([status(1), status(2)], ['Available', 'Available'], 'two free EVSEs for one reservation');
    });

    it('H01.FR.02 the same id replaces an unspecified reservation: with an EVSE now, the old one gone without an event', () => {
      open();
      assert.equal(desk.reserve(undefined, reservation(8)), 'Accepted');
      assert.equal(desk.reserve(2, { ...reservation(8), idToken: OTHER }), 'Accepted');
      assert.deepEqual(desk.unspecified, []);
      assert.equal(evses[1]!.reservedFor?.idToken.idToken, 'OTHER');
      assert.deepEqual(ended(), []);
      clock.advance(120_000);
      assert.deepEqual(ended(), [[8, 'Expired', 2]]);
    });

    it('H01.FR.02 the same id replaces an EVSE\'s reservation with an unspecified one, even when that EVSE is the only one free', () => {
      open(['sType2']);
      assert.equal(desk.reserve(1, reservation(9)), 'Accepted');
      assert.equal(desk.reserve(undefined, { ...reservation(9), idToken: OTHER }), 'Accepted');
      assert.equal(evses[0]!.reservedFor, undefined);
      assert.deepEqual(desk.unspecified.map((r) => [r.id, r.idToken.idToken]), [[9, 'OTHER']]);
      assert.equal(status(1), 'Reserved', 'now held for the unspecified reservation');
      assert.equal(desk.reserve(undefined, { ...reservation(10), idToken: OTHER }), 'Occupied', 'a reservation of another id finds no EVSE');
    });
  });
});
