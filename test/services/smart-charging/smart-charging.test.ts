import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../../src/process/logger.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { ChargingProfile, ChargingSchedulePeriod } from '../../../src/services/smart-charging/charging-profile.js';
import { SmartCharging, type LimitChange, type SmartChargingRules } from '../../../src/services/smart-charging/smart-charging.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { durableUnder } from '../../../src/store/disk-sync.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

interface Rig {
  clock: FakeClock;
  service: SmartCharging;
  changes: LimitChange[];
  running: Map<number, { id: string; startedAt: Date }>;
  rules: SmartChargingRules;
  dir: string;
}

function rig(options: { dir?: string; clock?: FakeClock; running?: Map<number, { id: string; startedAt: Date }>; start?: boolean } = {}): Rig {
  const clock = options.clock ?? new FakeClock(T0);
  const dir = options.dir ?? makeTempDir('smart-charging');
  const running = options.running ?? new Map<number, { id: string; startedAt: Date }>();
  const rules: SmartChargingRules = { maxProfiles: 5, maxPeriodsPerSchedule: 4, maxStackLevel: 8, rateUnits: ['A', 'W'] };
  const service = new SmartCharging({
    storageDir: dir,
    clock,
    log: silentLogger,
    evses: [
      { evseId: 1, voltageV: 230, phases: 3, maxCurrentA: 32 },
      { evseId: 2, voltageV: 230, phases: 3, maxCurrentA: 32 },
    ],
    rules: () => rules,
    transactionOn: (evseId) => running.get(evseId),
  });
  const changes: LimitChange[] = [];
  service.limits$.subscribe((change) => changes.push(change));
  if (options.start !== false) service.start();
  return { clock, service, changes, running, rules, dir };
}

function absolute(id: number, purpose: ChargingProfile['purpose'], periods: ChargingSchedulePeriod[], extra: Partial<ChargingProfile> = {}): ChargingProfile {
  return { id, stackLevel: 0, purpose, kind: 'Absolute', schedules: [{ startSchedule: at(0), rateUnit: 'A', periods }], ...extra };
}

const stationMax = (id: number, limit: number, extra: Partial<ChargingProfile> = {}): ChargingProfile => absolute(id, 'ChargingStationMaxProfile', [{ startPeriodS: 0, limit }], extra);
const txDefault = (id: number, periods: ChargingSchedulePeriod[], extra: Partial<ChargingProfile> = {}): ChargingProfile => absolute(id, 'TxDefaultProfile', periods, extra);
const txProfile = (id: number, limit: number, extra: Partial<ChargingProfile> = {}): ChargingProfile =>
  ({ id, stackLevel: 0, purpose: 'TxProfile', kind: 'Relative', schedules: [{ rateUnit: 'A', periods: [{ startPeriodS: 0, limit }] }], ...extra });

function rejection(result: ReturnType<SmartCharging['set']>): string {
  return result.status === 'Rejected' ? result.reason : 'Accepted';
}

describe('SmartCharging service', () => {
  describe('set: the K01 rules', () => {
    it('K01.FR.28: a profile for an EVSE that does not exist is UnknownEvse', () => {
      const { service } = rig();
      assert.equal(rejection(service.set(3, txDefault(1, [{ startPeriodS: 0, limit: 10 }]))), 'UnknownEvse');
      assert.equal(service.installed().length, 0);
    });

    it('K01.FR.09 / K01.FR.33: a TxProfile needs the transaction running on its EVSE', () => {
      const { service, running } = rig();
      assert.equal(rejection(service.set(1, txProfile(1, 10, { transactionId: 'tx-1' }))), 'TxProfileWithoutTransaction');
      running.set(1, { id: 'tx-1', startedAt: at(0) });
      assert.equal(rejection(service.set(1, txProfile(1, 10, { transactionId: 'tx-other' }))), 'UnknownTransaction');
      assert.equal(rejection(service.set(2, txProfile(1, 10, { transactionId: 'tx-1' }))), 'TxProfileWithoutTransaction');
      assert.equal(rejection(service.set(1, txProfile(1, 10, { transactionId: 'tx-1' }))), 'Accepted');
    });

    it('1.6 7.8: a TxProfile without transactionId is bound to the running transaction', () => {
      const { service, running } = rig();
      running.set(1, { id: 'tx-7', startedAt: at(0) });
      assert.equal(rejection(service.set(1, txProfile(4, 10))), 'Accepted');
      assert.equal(service.installed({ ids: [4] })[0]?.profile.transactionId, 'tx-7');
    });

    it('K01.FR.16 / K01.FR.38: TxProfile not on EVSE 0, the station maximum only on EVSE 0 and never Relative', () => {
      const { service, running } = rig();
      running.set(1, { id: 'tx-1', startedAt: at(0) });
      assert.equal(rejection(service.set(0, txProfile(1, 10, { transactionId: 'tx-1' }))), 'InvalidSchedule');
      assert.equal(rejection(service.set(1, stationMax(2, 10))), 'InvalidSchedule');
      const relativeMax: ChargingProfile = { ...stationMax(3, 10), kind: 'Relative', schedules: [{ rateUnit: 'A', periods: [{ startPeriodS: 0, limit: 10 }] }] };
      assert.equal(rejection(service.set(0, relativeMax)), 'InvalidSchedule');
    });

    it('K01.FR.22: the CSMS cannot set a ChargingStationExternalConstraints profile', () => {
      const { service } = rig();
      assert.equal(rejection(service.set(0, absolute(1, 'ChargingStationExternalConstraints', [{ startPeriodS: 0, limit: 10 }]))), 'InvalidSchedule');
    });

    it('stack level outside 0..maxStackLevel is InvalidStackLevel', () => {
      const { service } = rig();
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 10 }], { stackLevel: 9 }))), 'InvalidStackLevel');
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 10 }], { stackLevel: -1 }))), 'InvalidStackLevel');
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 10 }], { stackLevel: 8 }))), 'Accepted');
    });

    it('more periods than maxPeriodsPerSchedule is TooManyPeriods', () => {
      const { service } = rig();
      const periods = [0, 60, 120, 180, 240].map((s) => ({ startPeriodS: s, limit: 10 }));
      assert.equal(rejection(service.set(1, txDefault(1, periods))), 'TooManyPeriods');
      assert.equal(rejection(service.set(1, txDefault(1, periods.slice(0, 4)))), 'Accepted');
    });

    it('K01.FR.26: a rate unit not in the rules is UnsupportedRateUnit (read at each call)', () => {
      const { service, rules } = rig();
      rules.rateUnits = ['A'];
      const inWatts = txDefault(1, [{ startPeriodS: 0, limit: 7000 }]);
      inWatts.schedules[0]!.rateUnit = 'W';
      assert.equal(rejection(service.set(1, inWatts)), 'UnsupportedRateUnit');
    });

    it('K01.FR.31 / K01.FR.35 / K01.FR.40 / K01.FR.41: malformed schedules are InvalidSchedule', () => {
      const { service } = rig();
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 10, limit: 10 }]))), 'InvalidSchedule');
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 10 }, { startPeriodS: 0, limit: 8 }]))), 'InvalidSchedule');
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 0, limit: -1 }]))), 'InvalidSchedule');
      const noStart = txDefault(1, [{ startPeriodS: 0, limit: 10 }]);
      delete noStart.schedules[0]!.startSchedule;
      assert.equal(rejection(service.set(1, noStart)), 'InvalidSchedule');
      assert.equal(rejection(service.set(1, { ...txDefault(1, [{ startPeriodS: 0, limit: 10 }]), kind: 'Relative' })), 'InvalidSchedule');
      assert.equal(rejection(service.set(1, { ...txDefault(1, [{ startPeriodS: 0, limit: 10 }]), kind: 'Recurring' })), 'InvalidSchedule');
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 10 }], { validFrom: at(100), validTo: at(50) }))), 'InvalidSchedule');
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 10, numberPhases: 3, phaseToUse: 2 }]))), 'InvalidSchedule');
      assert.equal(service.installed().length, 0);
    });

    it('K01.FR.06: same stack level, purpose and EVSE with an overlapping validity is DuplicateProfile; apart in time it is not', () => {
      const { service } = rig();
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 10 }], { validTo: at(3600) }))), 'Accepted');
      assert.equal(rejection(service.set(1, txDefault(2, [{ startPeriodS: 0, limit: 8 }], { validFrom: at(1800) }))), 'DuplicateProfile');
      assert.equal(rejection(service.set(1, txDefault(2, [{ startPeriodS: 0, limit: 8 }], { validFrom: at(3600) }))), 'Accepted');
      assert.equal(rejection(service.set(2, txDefault(3, [{ startPeriodS: 0, limit: 8 }]))), 'Accepted', 'another EVSE');
      assert.equal(rejection(service.set(1, txDefault(4, [{ startPeriodS: 0, limit: 8 }], { stackLevel: 1 }))), 'Accepted', 'another stack level');
    });

    it('K01.FR.52 / K01.FR.53: a TxDefaultProfile on EVSE 0 and one on an EVSE cannot share a stack level', () => {
      const { service } = rig();
      assert.equal(rejection(service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 10 }]))), 'Accepted');
      assert.equal(rejection(service.set(0, txDefault(2, [{ startPeriodS: 0, limit: 10 }]))), 'DuplicateProfile');
      assert.equal(rejection(service.set(0, txDefault(2, [{ startPeriodS: 0, limit: 10 }], { stackLevel: 1 }))), 'Accepted');
      assert.equal(rejection(service.set(2, txDefault(3, [{ startPeriodS: 0, limit: 10 }], { stackLevel: 1 }))), 'DuplicateProfile');
    });

    it('1.6 3.13.1: where the version allows it, an EVSE\'s own TxDefaultProfile sits beside the station\'s at the same stack level, and wins on its EVSE', () => {
      const { service, rules } = rig();
      rules.evseTxDefaultBesideStation = true;
      assert.equal(rejection(service.set(0, txDefault(1, [{ startPeriodS: 0, limit: 20 }]))), 'Accepted');
      assert.equal(rejection(service.set(1, txDefault(2, [{ startPeriodS: 0, limit: 10 }]))), 'Accepted');
      assert.equal(service.composite(1, 60, 'A').periods[0]?.limit, 10);
      assert.equal(service.composite(2, 60, 'A').periods[0]?.limit, 20);
    });

    it('K01.FR.39: two TxProfiles of one transaction cannot share a stack level', () => {
      const { service, running } = rig();
      running.set(1, { id: 'tx-1', startedAt: at(0) });
      assert.equal(rejection(service.set(1, txProfile(1, 10, { transactionId: 'tx-1' }))), 'Accepted');
      assert.equal(rejection(service.set(1, txProfile(2, 8, { transactionId: 'tx-1' }))), 'DuplicateProfile');
      assert.equal(rejection(service.set(1, txProfile(2, 8, { transactionId: 'tx-1', stackLevel: 1 }))), 'Accepted');
    });

    it('more profiles than maxProfiles is TooManyProfiles; replacing one by id still fits', () => {
      const { service } = rig();
      for (let id = 1; id <= 5; id++) assert.equal(rejection(service.set(1, txDefault(id, [{ startPeriodS: 0, limit: 10 }], { stackLevel: id }))), 'Accepted');
      assert.equal(rejection(service.set(2, txDefault(6, [{ startPeriodS: 0, limit: 10 }], { stackLevel: 6 }))), 'TooManyProfiles');
      assert.equal(rejection(service.set(1, txDefault(5, [{ startPeriodS: 0, limit: 9 }], { stackLevel: 5 }))), 'Accepted');
    });

    it('K01.FR.05: a profile with a known id replaces the old one, even on another EVSE', () => {
      const { service } = rig();
      service.set(1, txDefault(7, [{ startPeriodS: 0, limit: 16 }]));
      assert.equal(rejection(service.set(2, txDefault(7, [{ startPeriodS: 0, limit: 10 }]))), 'Accepted');
      const installed = service.installed();
      assert.equal(installed.length, 1);
      assert.equal(installed[0]?.evseId, 2);
      assert.equal(installed[0]?.profile.schedules[0]?.periods[0]?.limit, 10);
    });
  });

  describe('clear and installed (K09, K10)', () => {
    it('clears by id, or by every field given, and tells how many', () => {
      const { service } = rig();
      service.set(0, stationMax(1, 32));
      service.set(1, txDefault(2, [{ startPeriodS: 0, limit: 16 }]));
      service.set(2, txDefault(3, [{ startPeriodS: 0, limit: 16 }]));
      service.set(2, txDefault(4, [{ startPeriodS: 0, limit: 16 }], { stackLevel: 2 }));
      assert.deepEqual(service.installed({ evseId: 2, stackLevel: 2 }).map((p) => p.profile.id), [4]);
      assert.deepEqual(service.installed({ evseId: 0 }).map((p) => p.profile.id), [1], 'K09.FR.05: EVSE 0 is the station only');
      assert.equal(service.clear({ ids: [99] }), 0);
      assert.equal(service.clear({ ids: [1], purpose: 'TxProfile' }), 1, 'K10.FR.03: the id decides');
      assert.equal(service.clear({ evseId: 2, purpose: 'TxDefaultProfile', stackLevel: 0 }), 1);
      assert.deepEqual(service.installed().map((p) => p.profile.id).sort(), [2, 4]);
      assert.equal(service.clear({ purpose: 'TxDefaultProfile' }), 2);
      assert.equal(service.installed().length, 0);
    });

    it('what installed returns cannot change what is installed', () => {
      const { service } = rig();
      service.set(1, txDefault(2, [{ startPeriodS: 0, limit: 16 }]));
      service.installed()[0]!.profile.schedules[0]!.periods[0]!.limit = 1;
      assert.equal(service.limitOf(1)?.valueA, 16);
    });
  });

  describe('the limit in force', () => {
    it('is the lowest of the station maximum and the EVSE profile, per EVSE, with its source', () => {
      const { service, changes } = rig();
      changes.length = 0;
      service.set(0, stationMax(1, 20));
      assert.deepEqual(changes, [
        { evseId: 1, limit: { valueA: 20, source: 'ChargingStationMaxProfile' } },
        { evseId: 2, limit: { valueA: 20, source: 'ChargingStationMaxProfile' } },
      ]);
      changes.length = 0;
      service.set(1, txDefault(2, [{ startPeriodS: 0, limit: 13 }]));
      assert.deepEqual(changes, [{ evseId: 1, limit: { valueA: 13, source: 'TxDefaultProfile' } }], 'only the EVSE whose limit changed');
      assert.deepEqual(service.limitOf(2), { valueA: 20, source: 'ChargingStationMaxProfile' });
      changes.length = 0;
      service.clear({ ids: [1] });
      assert.deepEqual(changes, [{ evseId: 2, limit: undefined }]);
    });

    it('changes exactly at a period boundary, by one timer', () => {
      const { service, changes, clock } = rig();
      service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 16 }, { startPeriodS: 600, limit: 8 }, { startPeriodS: 1200, limit: 0 }]));
      assert.equal(clock.pending, 1);
      changes.length = 0;
      clock.advance(600_000 - 1);
      assert.deepEqual(changes, []);
      assert.equal(service.limitOf(1)?.valueA, 16);
      clock.advance(1);
      assert.deepEqual(changes, [{ evseId: 1, limit: { valueA: 8, source: 'TxDefaultProfile' } }]);
      assert.equal(clock.pending, 1);
      clock.advance(600_000);
      assert.deepEqual(changes.at(-1), { evseId: 1, limit: { valueA: 0, source: 'TxDefaultProfile' } });
      assert.equal(clock.pending, 0, 'the last period runs on: nothing left to wait for');
    });

    it('keeps one timer for all EVSEs and profiles, re-armed at each change, and none after stop', () => {
      const { service, clock, changes } = rig();
      service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 16 }, { startPeriodS: 900, limit: 8 }]));
      service.set(2, txDefault(2, [{ startPeriodS: 0, limit: 16 }, { startPeriodS: 300, limit: 10 }]));
      service.set(0, stationMax(3, 32, { validFrom: at(120) }));
      assert.equal(clock.pending, 1);
      changes.length = 0;
      clock.advance(120_000);
      assert.deepEqual(changes, [], 'the station maximum from 120 s is above both');
      clock.advance(180_000);
      assert.deepEqual(changes, [{ evseId: 2, limit: { valueA: 10, source: 'TxDefaultProfile' } }]);
      assert.equal(clock.pending, 1);
      service.stop();
      assert.equal(clock.pending, 0);
    });

    it('a validTo ends the profile on time (K01.FR.37)', () => {
      const { service, clock, changes } = rig();
      service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 16 }], { validTo: at(60) }));
      changes.length = 0;
      clock.advance(59_999);
      assert.deepEqual(changes, []);
      clock.advance(1);
      assert.deepEqual(changes, [{ evseId: 1, limit: undefined }]);
    });
  });

  describe('transactions, Relative schedules and units', () => {
    it('a TxProfile goes when its transaction ends, and the limit falls back', () => {
      const { service, running, changes } = rig();
      running.set(1, { id: 'tx-1', startedAt: at(0) });
      service.set(1, txDefault(1, [{ startPeriodS: 0, limit: 16 }]));
      service.set(1, txProfile(2, 6, { transactionId: 'tx-1' }));
      assert.deepEqual(service.limitOf(1), { valueA: 6, source: 'TxProfile' });
      changes.length = 0;
      service.transactionEnded('tx-1');
      assert.deepEqual(service.installed().map((p) => p.profile.id), [1]);
      assert.deepEqual(changes, [{ evseId: 1, limit: { valueA: 16, source: 'TxDefaultProfile' } }]);
    });

    it('a TxProfile stays for its transaction only: another transaction ending leaves it', () => {
      const { service, running } = rig();
      running.set(1, { id: 'tx-1', startedAt: at(0) });
      service.set(1, txProfile(2, 6, { transactionId: 'tx-1' }));
      service.transactionEnded('tx-9');
      assert.equal(service.installed().length, 1);
    });
    it('a Relative TxDefaultProfile counts from the transaction start once told (reevaluate)', () => {
      const { service, running, clock, changes } = rig();
      const relative: ChargingProfile = { id: 1, stackLevel: 0, purpose: 'TxDefaultProfile', kind: 'Relative', schedules: [{ rateUnit: 'A', periods: [{ startPeriodS: 0, limit: 16 }, { startPeriodS: 60, limit: 8 }] }] };
      service.set(1, relative);
      assert.equal(service.limitOf(1)?.valueA, 16);
      assert.equal(clock.pending, 0, 'idle: the schedule has not started, nothing to wait for');
      clock.advance(10_000);
      running.set(1, { id: 'tx-1', startedAt: clock.now() });
      service.reevaluate();
      assert.equal(clock.pending, 1);
      changes.length = 0;
      clock.advance(59_999);
      assert.deepEqual(changes, []);
      clock.advance(1);
      assert.deepEqual(changes, [{ evseId: 1, limit: { valueA: 8, source: 'TxDefaultProfile' } }]);
    });

    it('a limit in W is told in A per phase with the EVSE voltage and phases (K01.FR.50)', () => {
      const { service } = rig();
      const inWatts = txDefault(1, [{ startPeriodS: 0, limit: 7360 }]);
      inWatts.schedules[0]!.rateUnit = 'W';
      service.set(1, inWatts);
      assert.deepEqual(service.limitOf(1), { valueA: 10.6, source: 'TxDefaultProfile' });
      assert.deepEqual(service.composite(1, 600, 'W').periods.map((p) => [p.startPeriodS, p.limit]), [[0, 7360]]);
    });
  });

  describe('persistence (K01.FR.27)', () => {
    it('a new instance on the same folder has the profiles, dates and all, and emits their limits at start', async () => {
      const first = rig();
      first.service.set(0, stationMax(1, 20, { validFrom: at(-60), validTo: at(86_400) }));
      first.service.set(1, txDefault(2, [{ startPeriodS: 0, limit: 10 }, { startPeriodS: 300, limit: 12 }], { stackLevel: 3 }));
      first.service.stop();
      await durableUnder(first.dir);
      const second = rig({ dir: first.dir, start: false });
      assert.deepEqual(second.changes, []);
      second.service.start();
      assert.deepEqual(second.service.installed(), first.service.installed());
      assert.ok(second.service.installed({ ids: [1] })[0]?.profile.validTo instanceof Date);
      assert.deepEqual(second.changes, [
        { evseId: 1, limit: { valueA: 10, source: 'TxDefaultProfile' } },
        { evseId: 2, limit: { valueA: 20, source: 'ChargingStationMaxProfile' } },
      ]);
      assert.equal(second.clock.pending, 1);
    });

    it('TxProfiles of transactions that no longer run are dropped at start, and from the file', async () => {
      const running = new Map([[1, { id: 'tx-1', startedAt: at(0) }], [2, { id: 'tx-2', startedAt: at(0) }]]);
      const first = rig({ running });
      first.service.set(1, txProfile(1, 10, { transactionId: 'tx-1' }));
      first.service.set(2, txProfile(2, 10, { transactionId: 'tx-2' }));
      first.service.stop();
      await durableUnder(first.dir);
      running.delete(1);
      const second = rig({ dir: first.dir, running });
      assert.deepEqual(second.service.installed().map((p) => p.profile.id), [2]);
      await durableUnder(first.dir);
      const onDisk = JSON.parse(readFileSync(path.join(first.dir, 'charging-profiles.json'), 'utf8')) as { profiles: unknown[] };
      assert.equal(onDisk.profiles.length, 1);
    });

    it('a corrupt file leaves no profiles, not a crash', () => {
      const dir = makeTempDir('smart-charging');
      writeFileSync(path.join(dir, 'charging-profiles.json'), '{ "format": 1, "profiles": [ {"evseId": 1} ');
      const { service } = rig({ dir });
      assert.deepEqual(service.installed(), []);
    });
  });
});
