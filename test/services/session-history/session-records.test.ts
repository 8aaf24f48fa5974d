import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { SessionHistory, type SessionLimitChange } from '../../../src/services/session-history/index.js';
import type { StationEvent, TransactionSnapshot } from '../../../src/station/events.js';
import type { ChargingState } from '../../../src/station/types.js';
import { MemoryStore } from '../authorization/authorization-harness.js';

/** Issue 17: full session records: charging periods, limits, authorization, bounded, filters and paging, removal, crash recovery. */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const CARD = { idToken: 'CARD-0001', type: 'ISO14443' as const };
const at = (s: number): Date => new Date(T0 + s * 1000);

function tx(extra: Partial<TransactionSnapshot> = {}): TransactionSnapshot {
  return { id: 'tx-1', evseId: 1, connectorId: 1, startedAt: at(0), meterStartWh: 1000, idToken: CARD, chargingState: 'EVConnected', energyWh: 0, ...extra };
}

/** Drives one session through the core's events: states at seconds with the energy then. */
class Driver {
  readonly events$ = new Subject<StationEvent>();
  readonly limits$ = new Subject<SessionLimitChange>();
  started(extra: Partial<TransactionSnapshot> = {}): void {
    this.events$.next({ type: 'TransactionStarted', evseId: 1, transaction: tx(extra), trigger: 'Authorized', timestamp: at(0), idToken: CARD });
  }
  state(s: number, chargingState: ChargingState, energyWh: number): void {
    this.events$.next({ type: 'TransactionUpdated', evseId: 1, transaction: tx({ chargingState, energyWh }), trigger: 'ChargingStateChanged', timestamp: at(s), chargingState });
  }
  ended(s: number, energyWh: number, reason: 'EVDisconnected' | 'PowerLoss' = 'EVDisconnected'): void {
    const ended = tx({ chargingState: 'Idle', energyWh, endedAt: at(s), meterStopWh: 1000 + energyWh, stoppedReason: reason });
    this.events$.next({ type: 'TransactionEnded', evseId: 1, transaction: ended, trigger: 'EVCommunicationLost', timestamp: at(s), stoppedReason: reason });
  }
}

describe('session records (issue 17)', () => {
  it('charging periods follow the charging state changes, each with the energy delivered in it; station id and authorization kept', () => {
    const history = new SessionHistory(new MemoryStore(), { stationId: 'EVSE-1' });
    const d = new Driver();
    const sub = history.follow(d.events$);
    d.started();
    d.state(10, 'Charging', 0);
    d.state(610, 'SuspendedEV', 1500);
    d.state(910, 'Charging', 1500);
    d.ended(1210, 2300);
    sub.unsubscribe();
    const [r] = history.list();
    assert.equal(r!.stationId, 'EVSE-1');
    assert.equal(r!.authorizedBy, 'Card');
    assert.deepEqual(r!.chargingPeriods, [
      { startAt: at(0), state: 'Idle', energyWh: 0 },
      { startAt: at(10), state: 'Charging', energyWh: 1500 },
      { startAt: at(610), state: 'SuspendedEV', energyWh: 0 },
      { startAt: at(910), state: 'Charging', energyWh: 800 },
    ]);
    assert.equal(
      r!.chargingPeriods.reduce((sum, p) => sum + p.energyWh, 0),
      r!.energyWh,
    );
  });

  it('a remote start is authorizedBy Remote, free charging Free', () => {
    const history = new SessionHistory(new MemoryStore());
    const d = new Driver();
    history.follow(d.events$);
    d.started({ remoteStartId: 7 });
    d.ended(60, 10);
    d.events$.next({ type: 'TransactionStarted', evseId: 1, transaction: tx({ id: 'tx-2', idToken: { idToken: 'free', type: 'NoAuthorization' } }), trigger: 'Authorized', timestamp: at(100) });
    const ended = tx({ id: 'tx-2', idToken: { idToken: 'free', type: 'NoAuthorization' }, endedAt: at(200), energyWh: 5 });
    d.events$.next({ type: 'TransactionEnded', evseId: 1, transaction: ended, trigger: 'EVCommunicationLost', timestamp: at(200), stoppedReason: 'EVDisconnected' });
    assert.deepEqual(
      history.list().map((s) => [s.transactionId, s.authorizedBy]),
      [
        ['tx-2', 'Free'],
        ['tx-1', 'Remote'],
      ],
    );
  });

  it('limits in force: the one at the start and each change of its EVSE while it runs (none of other EVSEs)', () => {
    const history = new SessionHistory(new MemoryStore());
    const d = new Driver();
    let now = at(-5);
    history.follow(d.events$, { limits$: d.limits$, now: () => now });
    d.limits$.next({ evseId: 1, limit: { valueA: 16, source: 'TxDefaultProfile' } });
    d.started();
    now = at(300);
    d.limits$.next({ evseId: 1, limit: { valueA: 10, source: 'EMS' } });
    d.limits$.next({ evseId: 2, limit: { valueA: 6, source: 'EMS' } });
    now = at(400);
    d.limits$.next({ evseId: 1, limit: undefined });
    d.ended(500, 100);
    assert.deepEqual(history.list()[0]!.limits, [
      { at: at(0), valueA: 16, source: 'TxDefaultProfile' },
      { at: at(300), valueA: 10, source: 'EMS' },
      { at: at(400), valueA: null, source: 'None' },
    ]);
  });

  it('after a crash mid-session (a new history on the same storage) the PowerLoss end still gets the periods and limits seen before', () => {
    const store = new MemoryStore();
    const before = new SessionHistory(store, { stationId: 'EVSE-1' });
    const d1 = new Driver();
    before.follow(d1.events$, { limits$: d1.limits$, now: () => at(20) });
    d1.started();
    d1.state(10, 'Charging', 0);
    d1.limits$.next({ evseId: 1, limit: { valueA: 13, source: 'ChargingStationMaxProfile' } });
    // kill -9: nothing more from this one. The next start recovers the transaction and ends it.
    const after = new SessionHistory(store, { stationId: 'EVSE-1' });
    const d2 = new Driver();
    after.follow(d2.events$);
    d2.ended(900, 2000, 'PowerLoss');
    const [r] = after.list();
    assert.equal(r!.stopReason, 'PowerLoss');
    assert.equal(r!.authorizedBy, 'Card');
    assert.deepEqual(r!.chargingPeriods, [
      { startAt: at(0), state: 'Idle', energyWh: 0 },
      { startAt: at(10), state: 'Charging', energyWh: 2000 },
    ]);
    assert.deepEqual(r!.limits, [{ at: at(20), valueA: 13, source: 'ChargingStationMaxProfile' }]);
    // The running session's file is emptied once the record is stored.
    assert.deepEqual((store.read<{ open: unknown[] }>('session-history-open') ?? { open: [] }).open, []);
    // And the ended record reads back whole.
    assert.deepEqual(new SessionHistory(store).list(), after.list());
  });

  it('bounded: the oldest go first', () => {
    const history = new SessionHistory(new MemoryStore(), { maxEntries: 2 });
    for (const n of [1, 2, 3]) {
      history.record({ transactionId: `tx-${n}`, evseId: 1, startedAt: at(n * 100), stoppedAt: at(n * 100 + 50), meterStartWh: 0, energyWh: n, stopReason: 'Local' });
    }
    assert.deepEqual(
      history.list().map((s) => s.transactionId),
      ['tx-3', 'tx-2'],
    );
  });

  it('list filters by token (any case) and stop time [since, until), newest first, with offset and limit; count before paging', () => {
    const history = new SessionHistory(new MemoryStore());
    const other = { idToken: 'CARD-0002', type: 'ISO14443' as const };
    for (const n of [1, 2, 3, 4, 5, 6]) {
      history.record({ transactionId: `tx-${n}`, evseId: 1, idToken: n % 2 ? CARD : other, startedAt: at(n * 100), stoppedAt: at(n * 100 + 50), meterStartWh: 0, energyWh: n, stopReason: 'Local' });
    }
    const ids = (q: Parameters<SessionHistory['list']>[0]): string[] => history.list(q).map((s) => s.transactionId);
    assert.deepEqual(ids({ token: 'card-0001' }), ['tx-5', 'tx-3', 'tx-1']);
    assert.deepEqual(ids({ since: at(250), until: at(551) }), ['tx-5', 'tx-4', 'tx-3', 'tx-2']);
    assert.deepEqual(ids({ since: at(250), until: at(551), offset: 1, limit: 2 }), ['tx-4', 'tx-3']);
    assert.deepEqual(ids({ offset: 5 }), ['tx-1']);
    assert.deepEqual(ids(2), ['tx-6', 'tx-5']);
    assert.equal(history.count({ token: 'CARD-0002' }), 3);
  });

  it('removeByToken takes that token\'s records off disk (any type and case) and leaves the others', () => {
    const store = new MemoryStore();
    const history = new SessionHistory(store);
    history.record({ transactionId: 'a', evseId: 1, idToken: CARD, startedAt: at(0), stoppedAt: at(10), meterStartWh: 0, energyWh: 1, stopReason: 'Local' });
    history.record({ transactionId: 'b', evseId: 1, idToken: { idToken: 'OTHER-1', type: 'ISO14443' }, startedAt: at(20), stoppedAt: at(30), meterStartWh: 0, energyWh: 1, stopReason: 'Local' });
    assert.deepEqual(
      history.removeByToken('card-0001').map((s) => s.transactionId),
      ['a'],
    );
    assert.deepEqual(
      new SessionHistory(store).list().map((s) => s.transactionId),
      ['b'],
    );
    assert.deepEqual(history.removeByToken('nobody'), []);
  });
});
