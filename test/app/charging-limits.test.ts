import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { ChargingLimits, type LimitUpdate } from '../../src/app/charging-limits.js';
import type { Station } from '../../src/station/station.js';

/** The limit in force per EVSE: the lowest of the sources, each kept apart, told to the core on change only. */
describe('ChargingLimits: the lowest limit of every source, per EVSE', () => {
  function rig() {
    const told: Array<[number, number | undefined]> = [];
    const station = { evse: (id: number) => ({ setChargingLimit: (amps: number | undefined) => told.push([id, amps]) }) } as unknown as Pick<Station, 'evse'>;
    const limits = new ChargingLimits(station, [
      { evseId: 1, maxCurrentA: 32 },
      { evseId: 2, maxCurrentA: 16 },
    ]);
    const profiles = new Subject<LimitUpdate>();
    const local = new Subject<LimitUpdate>();
    limits.follow([profiles, local]);
    return { told, limits, profiles, local };
  }

  it('takes the lowest; a source lifting its limit lets the next lowest apply; none: the EVSE maximum, source evse', () => {
    const { told, limits, profiles, local } = rig();
    assert.deepEqual(limits.limitOf(1), { valueA: 32, source: 'evse' });
    profiles.next({ evseId: 1, limit: { valueA: 20, source: 'TxDefaultProfile' } });
    local.next({ evseId: 1, limit: { valueA: 10, source: 'station' } });
    assert.deepEqual(limits.limitOf(1), { valueA: 10, source: 'station' });
    local.next({ evseId: 1, limit: undefined });
    assert.deepEqual(limits.limitOf(1), { valueA: 20, source: 'TxDefaultProfile' });
    profiles.next({ evseId: 1, limit: undefined });
    assert.deepEqual(limits.limitOf(1), { valueA: 32, source: 'evse' });
    assert.deepEqual(told, [
      [1, 20],
      [1, 10],
      [1, 20],
      [1, undefined],
    ]);
  });

  it('changes$ tells each change of the limit in force, for the session records (issue 17)', () => {
    const { limits, profiles, local } = rig();
    const seen: LimitUpdate[] = [];
    const sub = limits.changes$.subscribe((c) => seen.push(c));
    profiles.next({ evseId: 1, limit: { valueA: 20, source: 'TxDefaultProfile' } });
    local.next({ evseId: 1, limit: { valueA: 25, source: 'station' } });
    local.next({ evseId: 1, limit: { valueA: 10, source: 'station' } });
    profiles.next({ evseId: 1, limit: undefined });
    local.next({ evseId: 1, limit: undefined });
    sub.unsubscribe();
    assert.deepEqual(seen, [
      { evseId: 1, limit: { valueA: 20, source: 'TxDefaultProfile' } },
      { evseId: 1, limit: { valueA: 10, source: 'station' } },
      { evseId: 1, limit: undefined },
    ]);
  });

  it('keeps EVSEs apart, tells the core nothing when the lowest does not change, and shows a limit above the maximum as the maximum', () => {
    const { told, limits, profiles, local } = rig();
    profiles.next({ evseId: 2, limit: { valueA: 12, source: 'ChargingStationMaxProfile' } });
    local.next({ evseId: 2, limit: { valueA: 14, source: 'grid-meter' } });
    profiles.next({ evseId: 1, limit: { valueA: 40, source: 'TxProfile' } });
    assert.deepEqual(told, [
      [2, 12],
      [1, 40],
    ]);
    assert.deepEqual(limits.limitOf(2), { valueA: 12, source: 'ChargingStationMaxProfile' });
    assert.deepEqual(limits.limitOf(1), { valueA: 32, source: 'evse' });
  });
});
