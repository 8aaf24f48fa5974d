import assert from 'node:assert/strict';
import type { ChargingProfile, ChargingSchedulePeriod, InstalledProfile } from '../../../src/services/smart-charging/charging-profile.js';
import { compositeSchedule, nextChange, NEXT_CHANGE_HORIZON_S, type CompositePeriod, type CompositeScheduleRequest } from '../../../src/services/smart-charging/composite-schedule.js';

/**
 * The composite schedule (2.0.1 Part 2 K08, 3.4 stacking, 3.5 combining purposes; 1.6 3.13).
 * Every expected period is worked out by hand in the comments: seconds from the window's start.
 */

const H = 3600;
/** Saturday 2026-03-28 00:00 UTC; Europe/Berlin changes to summer time on Sunday 2026-03-29 01:00 UTC. */
const T0 = new Date('2026-03-28T00:00:00Z');
const at = (offsetS: number, from: Date = T0): Date => new Date(from.getTime() + offsetS * 1000);
/** 230 V, three phases: 1 A per phase = 690 W. */
const ELECTRICAL = { voltageV: 230, phases: 3 } as const;
const TX = { id: 'tx-1', startedAt: at(-600) };

let nextId = 1;
function installed(evseId: number, profile: Partial<ChargingProfile> & { periods: ChargingSchedulePeriod[]; startSchedule?: Date; durationS?: number; unit?: 'A' | 'W' }): InstalledProfile {
  const { periods, startSchedule, durationS, unit, ...rest } = profile;
  const schedule = { rateUnit: unit ?? 'A', periods, ...(startSchedule ? { startSchedule } : {}), ...(durationS !== undefined ? { durationS } : {}) } as const;
  return { evseId, profile: { id: nextId++, stackLevel: 0, purpose: 'TxDefaultProfile', kind: 'Absolute', schedules: [schedule], ...rest } };
}
const limit = (l: number, startPeriodS = 0): ChargingSchedulePeriod => ({ startPeriodS, limit: l });
/** An expected period: [start, end) seconds, limit, source (TxDefaultProfile unless given). */
function p(startPeriodS: number, endPeriodS: number, l: number, source: CompositePeriod['source'] = 'TxDefaultProfile', numberPhases?: number): CompositePeriod {
  return { startPeriodS, endPeriodS, limit: l, source, ...(numberPhases !== undefined ? { numberPhases } : {}) };
}

interface Case {
  name: string;
  request: Partial<CompositeScheduleRequest> & { profiles: InstalledProfile[] };
  expected: CompositePeriod[];
}

const base: CompositeScheduleRequest = { profiles: [], evseId: 1, start: T0, durationS: 4 * H, rateUnit: 'A', electrical: ELECTRICAL };

const cases: Case[] = [
  { name: 'no profiles: no periods (no limit)', request: { profiles: [] }, expected: [] },
  {
    name: '3.4: the higher stack level overrules where it has a period; after its duration the lower one leads again',
    request: {
      profiles: [
        installed(1, { stackLevel: 0, startSchedule: T0, periods: [limit(32)] }),
        // starts at 1 h, lasts 2 h: 10 A for [3600, 7200), 20 A for [7200, 10800)
        installed(1, { stackLevel: 1, startSchedule: at(H), durationS: 2 * H, periods: [limit(10), limit(20, H)] }),
      ],
    },
    // 0..3600 only level 0 (32); 3600..7200 level 1 (10); 7200..10800 level 1 (20); 10800..14400 back to level 0 (32)
    expected: [p(0, 3600, 32), p(3600, 7200, 10), p(7200, 10800, 20), p(10800, 14400, 32)],
  },
  {
    name: 'a gap in every profile: no limit, left out',
    request: { profiles: [installed(1, { startSchedule: at(H), durationS: H, periods: [limit(12)] })] },
    // only [3600, 7200) is limited
    expected: [p(3600, 7200, 12)],
  },
  {
    name: 'validFrom/validTo cut a profile: [1 h, 2 h) the stack level 1 profile, else level 0',
    request: {
      profiles: [
        installed(1, { stackLevel: 0, startSchedule: T0, periods: [limit(16)] }),
        installed(1, { stackLevel: 1, startSchedule: at(-H), validFrom: at(H), validTo: at(2 * H), periods: [limit(6)] }),
      ],
      durationS: 3 * H,
    },
    expected: [p(0, 3600, 16), p(3600, 7200, 6), p(7200, 10800, 16)],
  },
  {
    name: '3.5: a TxProfile overrules the TxDefaultProfile even when higher (not the minimum); after it, the default again',
    request: {
      transaction: TX,
      profiles: [
        installed(1, { startSchedule: T0, periods: [limit(10)] }),
        installed(1, { purpose: 'TxProfile', transactionId: 'tx-1', startSchedule: T0, durationS: H, periods: [limit(20)] }),
      ],
      durationS: 2 * H,
    },
    // [0, 3600) TxProfile 20 (> default 10, still 20); [3600, 7200) TxDefault 10
    expected: [p(0, 3600, 20, 'TxProfile'), p(3600, 7200, 10)],
  },
  {
    name: 'K01.FR.03: a TxProfile of another transaction does not count',
    request: {
      transaction: TX,
      profiles: [
        installed(1, { startSchedule: T0, periods: [limit(10)] }),
        installed(1, { purpose: 'TxProfile', transactionId: 'tx-other', startSchedule: T0, periods: [limit(6)] }),
      ],
      durationS: H,
    },
    expected: [p(0, 3600, 10)],
  },
  {
    name: 'K08.FR.04: the station max caps the EVSE; the lowest purpose is the source',
    request: {
      profiles: [
        installed(1, { startSchedule: T0, periods: [limit(32), limit(8, H)] }),
        installed(0, { purpose: 'ChargingStationMaxProfile', startSchedule: T0, periods: [limit(16)] }),
      ],
      durationS: 2 * H,
    },
    // [0, 3600): min(32, 16) = 16 station max; [3600, 7200): min(8, 16) = 8 TxDefault
    expected: [p(0, 3600, 16, 'ChargingStationMaxProfile'), p(3600, 7200, 8)],
  },
  {
    name: 'external constraints cap like the station max; the EVSE 0 composite is only the station limits',
    request: {
      evseId: 0,
      profiles: [
        installed(1, { startSchedule: T0, periods: [limit(6)] }),
        installed(0, { startSchedule: T0, periods: [limit(6)] }),
        installed(0, { purpose: 'ChargingStationMaxProfile', startSchedule: T0, periods: [limit(32)] }),
        installed(0, { purpose: 'ChargingStationExternalConstraints', startSchedule: at(H), periods: [limit(20)] }),
      ],
      durationS: 2 * H,
    },
    // TxDefaults ignored for EVSE 0: [0, 3600) 32 max; [3600, 7200) min(32, 20) = 20 external
    expected: [p(0, 3600, 32, 'ChargingStationMaxProfile'), p(3600, 7200, 20, 'ChargingStationExternalConstraints')],
  },
  {
    name: 'an EVSE\'s own TxDefaultProfile replaces the station-wide one at the same level (1.6 3.13.1); a higher station-wide level wins',
    request: {
      profiles: [
        installed(0, { stackLevel: 0, startSchedule: T0, periods: [limit(16)] }),
        installed(1, { stackLevel: 0, startSchedule: T0, periods: [limit(10)] }),
        installed(0, { stackLevel: 2, startSchedule: at(H), durationS: H, periods: [limit(20)] }),
      ],
      durationS: 3 * H,
    },
    // level 0: EVSE 1's 10 A over station's 16 A; [3600, 7200) station-wide level 2: 20 A
    expected: [p(0, 3600, 10), p(3600, 7200, 20), p(7200, 10800, 10)],
  },
  {
    name: 'the station-wide TxDefaultProfile applies on an EVSE without its own',
    request: {
      evseId: 2,
      profiles: [installed(0, { startSchedule: T0, periods: [limit(16)] }), installed(1, { startSchedule: T0, periods: [limit(10)] })],
      durationS: H,
    },
    expected: [p(0, 3600, 16)],
  },
  {
    name: 'Recurring Daily across midnight: 22:00Z-06:00Z, 6 A then 10 A from 02:00Z',
    request: {
      start: new Date('2026-03-28T20:00:00Z'),
      durationS: 12 * H,
      profiles: [installed(1, { kind: 'Recurring', recurrency: 'Daily', startSchedule: new Date('2026-03-27T22:00:00Z'), durationS: 8 * H, periods: [limit(6), limit(10, 4 * H)] })],
    },
    // window 28th 20:00Z..29th 08:00Z. Occurrence 27th 22:00 ends 28th 06:00 (before). Occurrence 28th 22:00Z =
    // +2 h = 7200: 6 A to 00:00+02:00 = +6 h = 21600; 10 A to 06:00Z = +10 h = 36000; then a gap to 43200.
    expected: [p(7200, 21600, 6), p(21600, 36000, 10)],
  },
  {
    name: 'Recurring Daily across the Berlin DST change (29 March 2026): UTC-fixed, 20:00Z both days',
    request: {
      start: new Date('2026-03-29T00:00:00Z'),
      durationS: 24 * H,
      profiles: [installed(1, { kind: 'Recurring', recurrency: 'Daily', startSchedule: new Date('2026-03-27T20:00:00Z'), periods: [limit(8), limit(16, 10 * H)] })],
    },
    // each day: 8 A from 20:00Z, 16 A from 20:00Z + 10 h = 06:00Z, until the next 20:00Z (no duration: the recurrence).
    // window from 29th 00:00Z: 8 A [0, 21600 = 06:00Z); 16 A [21600, 72000 = 20:00Z); 8 A [72000, 86400)
    expected: [p(0, 21600, 8), p(21600, 72000, 16), p(72000, 86400, 8)],
  },
  {
    name: 'Recurring Weekly: Monday 00:00Z for 5 days; a Friday noon window sees the weekend gap',
    request: {
      start: new Date('2026-04-03T12:00:00Z'),
      durationS: 4 * 24 * H,
      profiles: [installed(1, { kind: 'Recurring', recurrency: 'Weekly', startSchedule: new Date('2026-03-30T00:00:00Z'), durationS: 5 * 24 * H, periods: [limit(11)] })],
    },
    // week 1 ends Sat 4 April 00:00Z = +12 h = 43200; week 2 starts Mon 6 April 00:00Z = +2.5 d = 216000; window end 4 d = 345600
    expected: [p(0, 43200, 11), p(216000, 345600, 11)],
  },
  {
    name: 'a recurrence runs from its startSchedule on, not before; periods beyond the recurrence are not executed (1.6 5.16.4)',
    request: {
      durationS: 2 * 24 * H,
      profiles: [installed(1, { kind: 'Recurring', recurrency: 'Daily', startSchedule: at(12 * H), periods: [limit(10), limit(5, 30 * H)] })],
    },
    // nothing before +12 h = 43200; the 30 h period never runs (each day ends at 24 h): 10 A from 43200 to 172800
    expected: [p(43200, 172800, 10)],
  },
  {
    name: 'Relative: from the transaction\'s start (10 min before the window)',
    request: {
      transaction: TX,
      durationS: H,
      profiles: [installed(1, { purpose: 'TxProfile', kind: 'Relative', transactionId: 'tx-1', periods: [limit(16), limit(8, 1800)] })],
    },
    // started at -600: 16 A until -600 + 1800 = 1200, then 8 A to 3600
    expected: [p(0, 1200, 16, 'TxProfile'), p(1200, 3600, 8, 'TxProfile')],
  },
  {
    name: 'K08.FR.06: Relative TxDefaultProfile with no transaction, as if one started at the window\'s start',
    request: { durationS: H, profiles: [installed(1, { kind: 'Relative', periods: [limit(16), limit(8, 1800)] })] },
    expected: [p(0, 1800, 16), p(1800, 3600, 8)],
  },
  {
    name: 'W asked in A: 11040 W on 3 x 230 V = 11040 / 690 = 16 A',
    request: { durationS: H, profiles: [installed(1, { unit: 'W', startSchedule: T0, periods: [limit(11040)] })] },
    expected: [p(0, 3600, 16)],
  },
  {
    name: 'A asked in W: 16 A station max = 16 x 690 = 11040 W; capping an 11000 W TxDefault: min = 11000 W',
    request: {
      rateUnit: 'W',
      durationS: 2 * H,
      profiles: [
        installed(0, { purpose: 'ChargingStationMaxProfile', startSchedule: T0, periods: [limit(16)] }),
        installed(1, { unit: 'W', startSchedule: at(H), periods: [limit(11000)] }),
      ],
    },
    expected: [p(0, 3600, 11040, 'ChargingStationMaxProfile'), p(3600, 7200, 11000)],
  },
  {
    name: 'the period\'s numberPhases converts: 3680 W on 1 phase = 3680 / 230 = 16 A; 10000 W / 690 = 14.49 -> 14.4 (down)',
    request: {
      durationS: 2 * H,
      profiles: [installed(1, { unit: 'W', startSchedule: T0, periods: [{ startPeriodS: 0, limit: 3680, numberPhases: 1 }, limit(10000, H)] })],
    },
    expected: [p(0, 3600, 16, 'TxDefaultProfile', 1), p(3600, 7200, 14.4)],
  },
  {
    name: 'mixed units: TxDefault 11040 W (16 A) under a 15 A station max: 15 A, and in W 15 x 690 = 10350 W',
    request: {
      durationS: H,
      profiles: [installed(1, { unit: 'W', startSchedule: T0, periods: [limit(11040)] }), installed(0, { purpose: 'ChargingStationMaxProfile', startSchedule: T0, periods: [limit(15)] })],
    },
    expected: [p(0, 3600, 15, 'ChargingStationMaxProfile')],
  },
];

describe('smart charging: the composite schedule (K08)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const schedule = compositeSchedule({ ...base, ...c.request });
      assert.deepEqual(schedule.periods, c.expected);
      assert.equal(schedule.start, c.request.start ?? T0);
      assert.equal(schedule.evseId, c.request.evseId ?? 1);
    });
  }

  it('the DST case is real: 20:00Z is 21:00 in Berlin before the change and 22:00 after', () => {
    const berlinHour = (d: Date): string => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hour12: false }).format(d);
    assert.equal(berlinHour(new Date('2026-03-28T20:00:00Z')), '21');
    assert.equal(berlinHour(new Date('2026-03-29T20:00:00Z')), '22');
  });

  it('the same mixed case asked in W: 10350 W', () => {
    const schedule = compositeSchedule({ ...base, ...cases.at(-1)!.request, rateUnit: 'W' });
    assert.deepEqual(schedule.periods, [p(0, 3600, 10350, 'ChargingStationMaxProfile')]);
  });
});

describe('smart charging: nextChange, the limit now and when it next changes', () => {
  const stacked = [
    installed(1, { stackLevel: 0, startSchedule: T0, periods: [limit(16)] }),
    installed(1, { stackLevel: 1, startSchedule: at(H), durationS: 2 * H, periods: [limit(10)] }),
  ];
  const ask = (start: Date, profiles: InstalledProfile[], extra: Partial<CompositeScheduleRequest> = {}) =>
    nextChange({ profiles, evseId: 1, start, rateUnit: 'A', electrical: ELECTRICAL, ...extra });

  it('walks the boundaries: 16 A until 1 h, 10 A until 3 h, then 16 A for ever', () => {
    const first = ask(T0, stacked);
    assert.equal(first.limit?.limit, 16);
    assert.deepEqual(first.nextAt, at(H));
    const second = ask(at(H), stacked);
    assert.equal(second.limit?.limit, 10);
    assert.deepEqual(second.nextAt, at(3 * H));
    const third = ask(at(3 * H), stacked);
    assert.equal(third.limit?.limit, 16);
    assert.equal(third.nextAt, undefined);
  });

  it('a sub-second start keeps the exact boundary', () => {
    const result = ask(at(H - 0.25), stacked);
    assert.equal(result.limit?.limit, 16);
    assert.deepEqual(result.nextAt, at(H));
  });

  it('no profiles: no limit, nothing to wait for', () => {
    assert.deepEqual(ask(T0, []), { limit: undefined, nextAt: undefined });
  });

  it('no limit now, one from 1 h', () => {
    const result = ask(T0, [installed(1, { startSchedule: at(H), periods: [limit(12)] })]);
    assert.equal(result.limit, undefined);
    assert.deepEqual(result.nextAt, at(H));
  });

  it('an idle EVSE\'s Relative TxDefaultProfile holds its first limit, with no boundary of its own (K08.FR.06)', () => {
    const result = ask(T0, [installed(1, { kind: 'Relative', periods: [limit(16), limit(8, 1800)] })]);
    assert.equal(result.limit?.limit, 16);
    assert.equal(result.nextAt, undefined);
  });

  it('a profile valid from beyond the horizon: re-check at the horizon\'s end', () => {
    const result = ask(T0, [installed(1, { startSchedule: T0, validFrom: at(30 * 24 * H), periods: [limit(6)] })]);
    assert.equal(result.limit, undefined);
    assert.deepEqual(result.nextAt, at(NEXT_CHANGE_HORIZON_S));
  });

  it('a daily recurrence: the next boundary is the next period', () => {
    const daily = [installed(1, { kind: 'Recurring', recurrency: 'Daily', startSchedule: new Date('2026-03-27T20:00:00Z'), periods: [limit(8), limit(16, 10 * H)] })];
    const result = ask(new Date('2026-03-29T03:00:00Z'), daily);
    assert.equal(result.limit?.limit, 8);
    assert.deepEqual(result.nextAt, new Date('2026-03-29T06:00:00Z'));
  });
});
