import assert from 'node:assert/strict';
import { installProfile16 } from '../../src/ocpp/v16/actions/charging-profiles.js';
import { RemoteStartProfiles } from '../../src/ocpp/v16/actions/remote-start-profiles.js';
import { silentLogger } from '../../src/process/logger.js';
import type { ChargingProfile } from '../../src/services/smart-charging/charging-profile.js';
import { SmartCharging } from '../../src/services/smart-charging/smart-charging.js';
import { FakeClock } from '../../src/station/clock.js';
import type { StationEvent, TransactionSnapshot } from '../../src/station/events.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * How the 1.6 adapter installs profiles on the smart charging service: 3.13.2 replacement of the
 * same stack level and purpose (where the service, as 2.0.1, refuses the duplicate), and 5.16.2
 * the RemoteStartTransaction's TxProfile bound to the transaction its start begins.
 */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function service(running = new Map<number, { id: string; startedAt: Date }>()): SmartCharging {
  const s = new SmartCharging({
    storageDir: makeTempDir('v16-profiles'),
    clock: new FakeClock(T0),
    log: silentLogger,
    evses: [
      { evseId: 1, voltageV: 230, phases: 3, maxCurrentA: 32 },
      { evseId: 2, voltageV: 230, phases: 3, maxCurrentA: 32 },
    ],
    rules: () => ({ maxProfiles: 10, maxPeriodsPerSchedule: 4, maxStackLevel: 5, rateUnits: ['A', 'W'] }),
    transactionOn: (evseId) => running.get(evseId),
  });
  s.start();
  return s;
}

function txDefault(id: number, stackLevel: number, limit: number, extra: Partial<ChargingProfile> = {}): ChargingProfile {
  return { id, stackLevel, purpose: 'TxDefaultProfile', kind: 'Absolute', schedules: [{ startSchedule: new Date(T0), rateUnit: 'A', periods: [{ startPeriodS: 0, limit }] }], ...extra };
}

const txProfile = (id: number, limit: number, extra: Partial<ChargingProfile> = {}): ChargingProfile => ({
  id,
  stackLevel: 1,
  purpose: 'TxProfile',
  kind: 'Relative',
  schedules: [{ rateUnit: 'A', periods: [{ startPeriodS: 0, limit }] }],
  ...extra,
});

const ids = (s: SmartCharging): number[] => s.installed().map((p) => p.profile.id).sort((a, b) => a - b);

function started(evseId: number, id: string, remoteStartId?: number, type: 'TransactionStarted' | 'TransactionUpdated' = 'TransactionStarted'): StationEvent {
  const transaction: TransactionSnapshot = { id, evseId, startedAt: new Date(T0), meterStartWh: 0, chargingState: 'Charging', energyWh: 0 };
  return { type, evseId, transaction, trigger: 'RemoteStart', timestamp: new Date(T0), ...(remoteStartId !== undefined ? { remoteStartId } : {}) };
}

describe('1.6 profile installation', () => {
  it('3.13.2 the same stack level and purpose on the EVSE replaces the installed profile, overlapping validity or not; other EVSEs and levels stay', () => {
    const s = service();
    assert.deepEqual(installProfile16(s, 1, txDefault(1, 1, 10)), { status: 'Accepted' });
    assert.deepEqual(installProfile16(s, 2, txDefault(2, 1, 10)), { status: 'Accepted' });
    assert.deepEqual(installProfile16(s, 1, txDefault(3, 2, 10)), { status: 'Accepted' });
    // Overlapping: the service alone would refuse it (K01.FR.06).
    assert.equal(s.set(1, txDefault(4, 1, 12)).status, 'Rejected');
    assert.deepEqual(installProfile16(s, 1, txDefault(4, 1, 12)), { status: 'Accepted' });
    assert.deepEqual(ids(s), [2, 3, 4]);
    // Not overlapping: the service takes both; 1.6 keeps one per stack level and purpose.
    const later = { validFrom: new Date(T0 + 86_400_000) };
    assert.deepEqual(installProfile16(s, 1, txDefault(5, 1, 8, later)), { status: 'Accepted' });
    assert.deepEqual(ids(s), [2, 3, 5]);
  });

  it('a replacement the service refuses for another reason leaves the installed profile in place', () => {
    const s = service();
    assert.deepEqual(installProfile16(s, 1, txDefault(1, 1, 10)), { status: 'Accepted' });
    const tooMany: ChargingProfile = { ...txDefault(2, 1, 10), schedules: [{ startSchedule: new Date(T0), rateUnit: 'A', periods: [0, 60, 120, 180, 240].map((t) => ({ startPeriodS: t, limit: 10 })) }] };
    const result = installProfile16(s, 1, tooMany);
    assert.equal(result.status === 'Rejected' && result.reason, 'TooManyPeriods');
    assert.deepEqual(ids(s), [1]);
    assert.equal(s.limitOf(1)?.valueA, 10);
  });

  it('a TxProfile replaces only its own transaction\'s profile of that stack level', () => {
    const running = new Map([[1, { id: 'tx-1', startedAt: new Date(T0) }], [2, { id: 'tx-2', startedAt: new Date(T0) }]]);
    const s = service(running);
    assert.deepEqual(installProfile16(s, 1, txProfile(1, 10, { transactionId: 'tx-1' })), { status: 'Accepted' });
    assert.deepEqual(installProfile16(s, 2, txProfile(2, 10, { transactionId: 'tx-2' })), { status: 'Accepted' });
    assert.deepEqual(installProfile16(s, 1, txProfile(3, 7, { transactionId: 'tx-1' })), { status: 'Accepted' });
    assert.deepEqual(ids(s), [2, 3]);
    assert.equal(s.limitOf(1)?.valueA, 7);
  });

  describe('5.16.2 RemoteStartTransaction\'s TxProfile', () => {
    it('is installed on the transaction that starts with its remoteStartId, not before, not on another', () => {
      const running = new Map<number, { id: string; startedAt: Date }>();
      const s = service(running);
      const pending = new RemoteStartProfiles(s, silentLogger);
      const remoteStartId = pending.expect(txProfile(9, 11));
      pending.settled(remoteStartId, 1);
      assert.deepEqual(ids(s), []);
      running.set(1, { id: 'tx-other', startedAt: new Date(T0) });
      pending.observe(started(1, 'tx-other'));
      pending.observe(started(1, 'tx-other', remoteStartId + 100));
      assert.deepEqual(ids(s), [], 'another start\'s transaction');
      running.set(1, { id: 'tx-remote', startedAt: new Date(T0) });
      pending.observe(started(1, 'tx-remote', remoteStartId));
      assert.deepEqual(s.installed(), [{ evseId: 1, profile: { ...txProfile(9, 11), transactionId: 'tx-remote' } }]);
      assert.equal(pending.waiting, 0);
    });

    it('binds on a TransactionUpdated naming it too (authorized after the transaction began); a refused start, or a newer one on the EVSE, drops it', () => {
      const running = new Map([[2, { id: 'tx-2', startedAt: new Date(T0) }]]);
      const s = service(running);
      const pending = new RemoteStartProfiles(s, silentLogger);
      const refused = pending.expect(txProfile(1, 10));
      pending.settled(refused, undefined);
      assert.equal(pending.waiting, 0);
      const older = pending.expect(txProfile(2, 10));
      pending.settled(older, 2);
      const newer = pending.expect(txProfile(3, 12));
      pending.settled(newer, 2);
      assert.equal(pending.waiting, 1);
      pending.observe(started(2, 'tx-2', older, 'TransactionUpdated'));
      assert.deepEqual(ids(s), []);
      pending.observe(started(2, 'tx-2', newer, 'TransactionUpdated'));
      assert.deepEqual(ids(s), [3]);
    });
  });
});
