import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Subject } from 'rxjs';
import { SessionHistory, completeRecord, maskIdToken, sessionView, type SessionInput, type SessionRecord } from '../../../src/services/session-history/index.js';
import type { StationEvent, TransactionSnapshot } from '../../../src/station/events.js';
import { JsonFileStore } from '../../../src/store/json-file-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { MemoryStore } from '../authorization/authorization-harness.js';
import { durableUnder } from '../../../src/store/disk-sync.js';

/** The history of ended sessions (issue 14): fed by the core's events, bounded, durable, cleared per customer. */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const CARD = { idToken: 'CARD-0001', type: 'ISO14443' as const };
const OTHER = { idToken: 'CARD-0002', type: 'ISO14443' as const };
const GROUP = { idToken: 'FLEET-7', type: 'Central' as const };

function session(n: number, extra: Partial<SessionRecord> = {}): SessionInput {
  return {
    transactionId: `tx-${n}`,
    evseId: 1,
    connectorId: 1,
    idToken: CARD,
    startedAt: new Date(T0 + n * 3600_000),
    stoppedAt: new Date(T0 + n * 3600_000 + 1800_000),
    meterStartWh: n * 1000,
    meterStopWh: n * 1000 + 700,
    energyWh: 700,
    stopReason: 'EVDisconnected',
    ...extra,
  };
}

function snapshot(extra: Partial<TransactionSnapshot> = {}): TransactionSnapshot {
  return { id: 'tx-a', evseId: 2, connectorId: 1, startedAt: new Date(T0), meterStartWh: 100, idToken: CARD, groupIdToken: GROUP, chargingState: 'Idle', energyWh: 0, ...extra };
}

describe('session history (issue 14)', () => {
  it('records each TransactionEnded from the core with its id token, group, times, meter and stop reason; other events are ignored', () => {
    const history = new SessionHistory(new MemoryStore());
    const events$ = new Subject<StationEvent>();
    const sub = history.follow(events$);
    const started = snapshot();
    events$.next({ type: 'TransactionStarted', evseId: 2, transaction: started, trigger: 'Authorized', timestamp: new Date(T0) });
    events$.next({ type: 'ConnectorStatusChanged', evseId: 2, connectorId: 1, status: 'Occupied', timestamp: new Date(T0) });
    assert.equal(history.size, 0);
    const ended = snapshot({ endedAt: new Date(T0 + 600_000), meterStopWh: 2600, energyWh: 2500, stoppedReason: 'Local' });
    events$.next({ type: 'TransactionEnded', evseId: 2, transaction: ended, trigger: 'StopAuthorized', timestamp: new Date(T0 + 600_000), stoppedReason: 'Local' });
    sub.unsubscribe();
    assert.deepEqual(history.list(), [
      {
        transactionId: 'tx-a',
        stationId: '',
        evseId: 2,
        connectorId: 1,
        idToken: CARD,
        groupIdToken: GROUP,
        authorizedBy: 'Card',
        chargingPeriods: [{ startAt: new Date(T0), state: 'Idle', energyWh: 2500 }],
        limits: [],
        startedAt: new Date(T0),
        stoppedAt: new Date(T0 + 600_000),
        meterStartWh: 100,
        meterStopWh: 2600,
        energyWh: 2500,
        stopReason: 'Local',
      },
    ]);
  });

  it('lists newest first, at most `limit`, and keeps only the newest maxEntries', () => {
    const history = new SessionHistory(new MemoryStore(), { maxEntries: 3 });
    for (const n of [1, 2, 3, 4, 5]) history.record(session(n));
    assert.deepEqual(
      history.list().map((s) => s.transactionId),
      ['tx-5', 'tx-4', 'tx-3'],
    );
    assert.deepEqual(
      history.list(2).map((s) => s.transactionId),
      ['tx-5', 'tx-4'],
    );
    // Ordered by stop time, not arrival: a session recorded late (after a restart) still sorts by when it ended.
    history.record(session(0, { transactionId: 'late', stoppedAt: new Date(T0 + 4.9 * 3600_000) }));
    assert.deepEqual(
      history.list().map((s) => s.transactionId),
      ['tx-5', 'late', 'tx-4'],
    );
  });

  it('survives a restart in storage.dir; unreadable entries are dropped with a warning', async () => {
    const dir = makeTempDir('session-history');
    const history = new SessionHistory(new JsonFileStore(dir));
    history.record(session(1));
    history.record(session(2, { idToken: OTHER, groupIdToken: GROUP }));
    await durableUnder(dir);
    const again = new SessionHistory(new JsonFileStore(dir));
    assert.deepEqual(again.list(), history.list());
    assert.ok(again.list()[0]!.stoppedAt instanceof Date);

    const file = path.join(dir, `${SessionHistory.STORE_NAME}.json`);
    writeFileSync(file, JSON.stringify({ format: 1, sessions: [{ transactionId: 'x' }, { ...session(3), startedAt: session(3).startedAt.toISOString(), stoppedAt: session(3).stoppedAt.toISOString() }] }));
    const warnings: string[] = [];
    const damaged = new SessionHistory(new JsonFileStore(dir), { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(
      damaged.list().map((s) => s.transactionId),
      ['tx-3'],
    );
    assert.deepEqual(warnings, ['dropped 1 unreadable session history entries']);
  });

  it('finds and clears a customer by id token (type and value, without regard to case) or by identifier (token or group value)', () => {
    const store = new MemoryStore();
    const history = new SessionHistory(store);
    history.record(session(1));
    history.record(session(2, { idToken: OTHER, groupIdToken: GROUP }));
    history.record(session(3));
    assert.deepEqual(history.find({ idToken: { idToken: 'card-0001', type: 'ISO14443' } }).map((s) => s.transactionId), ['tx-3', 'tx-1']);
    assert.deepEqual(history.find({ idToken: { idToken: 'CARD-0001', type: 'ISO15693' } }), []);
    assert.deepEqual(history.find({ customerIdentifier: 'fleet-7' }).map((s) => s.transactionId), ['tx-2']);

    const removed = history.clear({ idToken: CARD });
    assert.deepEqual(removed.map((s) => s.transactionId), ['tx-3', 'tx-1']);
    assert.deepEqual(history.list().map((s) => s.transactionId), ['tx-2']);
    // Stored at once: a restart does not bring the cleared sessions back.
    assert.deepEqual(new SessionHistory(store).list().map((s) => s.transactionId), ['tx-2']);
    assert.deepEqual(history.clear({ idToken: CARD }), []);
  });

  it('a clear that cannot be stored throws and keeps the sessions, so nothing is reported cleared that is still on disk', () => {
    const store = new MemoryStore();
    const history = new SessionHistory(store);
    history.record(session(1));
    store.failWrites = true;
    assert.throws(() => history.clear({ idToken: CARD }), /no space left/);
    assert.equal(history.size, 1);
  });

  it('the API view shows id tokens by their last 4 characters only, shorter ones not at all', () => {
    assert.deepEqual(maskIdToken(CARD), { idToken: '****0001', type: 'ISO14443' });
    assert.deepEqual(maskIdToken({ idToken: '1234', type: 'KeyCode' }), { idToken: '****', type: 'KeyCode' });
    const view = sessionView(completeRecord(session(1, { groupIdToken: GROUP, connectorId: undefined })));
    assert.deepEqual(view, {
      transactionId: 'tx-1',
      evseId: 1,
      connectorId: null,
      idToken: { idToken: '****0001', type: 'ISO14443' },
      groupIdToken: { idToken: '****', type: 'Central' },
      startedAt: '2026-01-01T13:00:00.000Z',
      stoppedAt: '2026-01-01T13:30:00.000Z',
      durationS: 1800,
      energyWh: 700,
      meterStartWh: 1000,
      meterStopWh: 1700,
      stopReason: 'EVDisconnected',
      stationId: '',
      authorizedBy: 'Unknown',
      chargingS: 0,
      parkingS: 0,
      chargingPeriods: [],
      limits: [],
      signed: false,
    });
    assert.ok(!JSON.stringify(view).includes('CARD-0001'));
  });
});
