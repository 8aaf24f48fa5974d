import assert from 'node:assert/strict';
import { BehaviorSubject, Subject } from 'rxjs';
import type { LimitInForce } from '../../../src/services/smart-charging/charging-profile.js';
import {
  LocalLimits,
  type EvseSession,
  type ExternalLimitEvent,
  type LocalLimitChange,
  type LocalLimitsOptions,
  type SupplyLimits,
} from '../../../src/services/local-limits/local-limits.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { MeterHealth, MeterReading } from '../../../src/station/meter-reading.js';
import { capturingLogger } from '../../helpers/logging.js';

// The local limits service on FakeClock: the station maximum shared as sessions come, stop
// drawing and go; the grid meter's limit following the house's load (down at once, up after the
// hold), its failure; the grid operator's signal; the ChargingStationMaxProfile shared; the
// external limits (EMS, SO) the CSMS hears of (K12-K14).

const GRID = { mainFuseA: 35, marginA: 2, hysteresisA: 1, raiseAfterS: 30, failsafeCurrentA: 6 };

class Harness {
  readonly clock = new FakeClock();
  readonly lines: string[] = [];
  readonly sessions = new BehaviorSubject<readonly EvseSession[]>([]);
  readonly gridReadings = new Subject<MeterReading>();
  readonly gridHealth = new BehaviorSubject<MeterHealth>({ state: 'unknown', consecutiveFailedPolls: 0, counters: {} as MeterHealth['counters'] });
  readonly operator = new BehaviorSubject(false);
  readonly stationProfile = new BehaviorSubject<number | undefined>(undefined);
  /** What EVSE 1's own meter read last. */
  readonly evseMeter: { latest: MeterReading | undefined } = { latest: undefined };
  readonly changes: LocalLimitChange[] = [];
  readonly external: ExternalLimitEvent[] = [];
  readonly service: LocalLimits;

  constructor(supply: SupplyLimits | undefined, evses: Array<{ evseId: number; phases?: 1 | 3; maxCurrentA?: number }> = [{ evseId: 1 }, { evseId: 2 }]) {
    const options: LocalLimitsOptions = {
      clock: this.clock,
      log: capturingLogger(this.lines),
      evses: evses.map((e) => ({ maxCurrentA: 32, phases: 3, voltageV: 230, ...e })),
      supply,
      sessions$: this.sessions,
      gridMeter: { readings$: this.gridReadings, health$: this.gridHealth },
      evseMeters: [{ evseId: 1, meter: this.evseMeter }],
      gridOperator: { active$: this.operator },
      stationProfileLimitA$: this.stationProfile,
    };
    this.service = new LocalLimits(options);
    this.service.limits$.subscribe((c) => this.changes.push(c));
    this.service.external$.subscribe((e) => this.external.push(e));
  }

  /** A session on each EVSE given, started `min` minutes after the clock's start. */
  setSessions(...sessions: Array<[evseId: number, charging: boolean, min: number]>): void {
    this.sessions.next(sessions.map(([evseId, charging, min]) => ({ evseId, charging, since: new Date(Date.UTC(2026, 0, 1, 12, min)) })));
  }

  /** The changes since the last call, as [evseId, valueA, source] or [evseId]. */
  taken(): Array<[number, number?, string?]> {
    const out = this.changes.splice(0).map((c): [number, number?, string?] => (c.limit ? [c.evseId, c.limit.valueA, c.limit.source] : [c.evseId]));
    return out;
  }

  /** A grid meter reading with these phase currents; EVSE 1's own meter reading `evseA` on each phase. */
  read(gridA: number[], evseA = 0): void {
    this.evseMeter.latest = { energyImportWh: 0, currentL1A: evseA, currentL2A: evseA, currentL3A: evseA, timestamp: this.clock.now() };
    this.gridReadings.next({ energyImportWh: 0, currentL1A: gridA[0], currentL2A: gridA[1], currentL3A: gridA[2], timestamp: this.clock.now() });
  }

  limit(evseId: number): LimitInForce | undefined {
    return this.service.limitOf(evseId);
  }
}

describe('local limits service', () => {
  it('without a supply section nothing limits: each EVSE none, no external limit', () => {
    const h = new Harness(undefined);
    h.service.start();
    h.setSessions([1, true, 0], [2, true, 1]);
    h.operator.next(true);
    assert.deepEqual(h.taken(), [[1], [2]]);
    assert.deepEqual(h.external, []);
  });

  it('shares the station maximum as sessions start, stop drawing and end; an EVSE without a session is offered what a newcomer would get', () => {
    const h = new Harness({ maxCurrentA: 32 });
    h.service.start();
    // Alone, either would get its 32 A: no local limit.
    assert.deepEqual(h.taken(), [[1], [2]]);
    h.setSessions([1, true, 0]);
    assert.deepEqual(h.taken(), [[2, 16, 'station']]);
    h.setSessions([1, true, 0], [2, true, 1]);
    assert.deepEqual(h.taken(), [[1, 16, 'station']]);
    // EVSE 1's vehicle stops drawing: it keeps 6 A, EVSE 2 gets the rest.
    h.setSessions([1, false, 0], [2, true, 1]);
    assert.deepEqual(h.taken(), [[1, 6, 'station'], [2, 26, 'station']]);
    // It draws again: equal shares again, its seniority kept.
    h.setSessions([1, true, 0], [2, true, 1]);
    assert.deepEqual(h.taken(), [[1, 16, 'station'], [2, 16, 'station']]);
    h.setSessions([2, true, 1]);
    assert.deepEqual(h.taken(), [[2]]);
    assert.deepEqual(h.limit(1), { valueA: 16, source: 'station' });
    assert.equal(h.limit(2), undefined);
  });

  it('pauses the newest session when 6 A each does not fit, and resumes it when the other ends', () => {
    const h = new Harness({ maxCurrentA: 10 });
    h.service.start();
    h.taken();
    h.setSessions([2, true, 0], [1, true, 5]);
    assert.deepEqual(h.limit(1), { valueA: 0, source: 'station' });
    assert.deepEqual(h.limit(2), { valueA: 10, source: 'station' });
    h.setSessions([1, true, 5]);
    assert.deepEqual(h.limit(1), { valueA: 10, source: 'station' });
  });

  it('follows the grid meter: failsafe before the first reading, fuse less house load less margin, down at once, up after 30 s, EMS reported', () => {
    const h = new Harness({ gridMeter: GRID }, [{ evseId: 1 }]);
    h.service.start();
    h.setSessions([1, true, 0]);
    assert.deepEqual(h.taken(), [[1, 6, 'grid-meter']]);
    assert.deepEqual(h.external.splice(0), [{ source: 'EMS', active: true, limitW: 4140 }]);
    // EVSE draws 6 A; the house 10/4/0: 35 - 10 - 2 = 23 A.
    h.read([16, 10, 6], 6);
    assert.deepEqual(h.taken(), [[1, 23, 'grid-meter']]);
    assert.deepEqual(h.external.splice(0), [{ source: 'EMS', active: true, limitW: 15870 }]);
    // The oven goes on: L1 house 20 A, the limit falls at once to 13 A.
    h.clock.advance(1000);
    h.read([43, 10, 23], 23);
    assert.deepEqual(h.taken(), [[1, 13, 'grid-meter']]);
    // Off again: 23 A of room, but only once it has lasted 30 s.
    for (let s = 0; s < 30; s++) {
      h.clock.advance(1000);
      h.read([23, 17, 13], 13);
    }
    assert.deepEqual(h.taken(), []);
    h.clock.advance(1000);
    h.read([23, 17, 13], 13);
    assert.deepEqual(h.taken(), [[1, 23, 'grid-meter']]);
    // The house goes quiet: 33 A of room is more than the EVSE's 32 A; after the hold no limit, EMS cleared.
    h.external.splice(0);
    for (let s = 0; s <= 31; s++) {
      h.clock.advance(1000);
      h.read([23, 23, 23], 23);
    }
    assert.deepEqual(h.taken(), [[1]]);
    assert.deepEqual(h.external.splice(0), [{ source: 'EMS', active: false }]);
    assert.deepEqual(h.service.externalLimits, []);
    assert.equal(h.service.gridLimitA, 33);
  });

  it('a failed grid meter brings the failsafe at once (logged), and its next good reading is taken without the hold', () => {
    const h = new Harness({ gridMeter: GRID }, [{ evseId: 1 }]);
    h.service.start();
    h.setSessions([1, true, 0]);
    h.read([20, 20, 20], 10);
    assert.deepEqual(h.limit(1), { valueA: 23, source: 'grid-meter' });
    h.gridHealth.next({ ...h.gridHealth.value, state: 'failed', lastFault: { kind: 'timeout', message: 'no answer (timed out)', at: h.clock.now() } });
    assert.deepEqual(h.limit(1), { valueA: 6, source: 'grid-meter' });
    assert.ok(h.lines.some((l) => l === 'warning grid meter failed (no answer (timed out)): the EVSEs get 6 A together until it reads again'), h.lines.join('\n'));
    h.clock.advance(5000);
    h.read([16, 16, 16], 6);
    assert.deepEqual(h.limit(1), { valueA: 23, source: 'grid-meter' });
  });

  it('the grid operator\'s signal caps the station to its power while active, reported as SO', () => {
    const h = new Harness({ gridOperator: { maxPowerW: 4200 } });
    h.service.start();
    h.setSessions([1, true, 0], [2, true, 1]);
    h.taken();
    h.operator.next(true);
    // 6 A on 3 phases at 230 V is 4140 W: one session fits, the newer pauses.
    assert.deepEqual(h.taken(), [[1, 6, 'grid-operator'], [2, 0, 'grid-operator']]);
    assert.deepEqual(h.external.splice(0), [{ source: 'SO', active: true, limitW: 4200 }]);
    assert.ok(h.lines.includes('info grid operator signal active: the station draws at most 4200 W'));
    h.operator.next(false);
    assert.deepEqual(h.taken(), [[1], [2]]);
    assert.deepEqual(h.external.splice(0), [{ source: 'SO', active: false }]);
  });

  it('shares the ChargingStationMaxProfile\'s limit among the EVSEs, with the lowest limit named', () => {
    const h = new Harness({ maxCurrentA: 32 });
    h.service.start();
    h.setSessions([1, true, 0], [2, true, 1]);
    h.taken();
    h.stationProfile.next(20);
    assert.deepEqual(h.taken(), [[1, 10, 'ChargingStationMaxProfile'], [2, 10, 'ChargingStationMaxProfile']]);
    h.stationProfile.next(undefined);
    assert.deepEqual(h.taken(), [[1, 16, 'station'], [2, 16, 'station']]);
  });

  it('start() emits every EVSE\'s limit once, after the replays; stop() ends following', () => {
    const h = new Harness({ maxCurrentA: 10 });
    h.setSessions([1, true, 0], [2, true, 1]);
    h.operator.next(false);
    h.service.start();
    assert.deepEqual(h.taken(), [[1, 10, 'station'], [2, 0, 'station']]);
    h.service.stop();
    h.setSessions([2, true, 1]);
    assert.deepEqual(h.taken(), []);
  });

  it('a subscriber that comes after start() gets each EVSE\'s limit now at once, then the changes', () => {
    const h = new Harness({ maxCurrentA: 10 });
    h.setSessions([1, true, 0], [2, true, 1]);
    h.service.start();
    const late: LocalLimitChange[] = [];
    h.service.limits$.subscribe((c) => late.push(c));
    assert.deepEqual(late.splice(0), [
      { evseId: 1, limit: { valueA: 10, source: 'station' } },
      { evseId: 2, limit: { valueA: 0, source: 'station' } },
    ]);
    // EVSE 1's session ends: a vehicle coming now would be the newest, and 6 A each does not fit in 10 A.
    h.setSessions([2, true, 1]);
    assert.deepEqual(late, [
      { evseId: 1, limit: { valueA: 0, source: 'station' } },
      { evseId: 2, limit: { valueA: 10, source: 'station' } },
    ]);
  });
});
