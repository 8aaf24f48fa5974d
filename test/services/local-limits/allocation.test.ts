import assert from 'node:assert/strict';
import { allocate, type EvseDemand, type EvseShare, type StationConstraint } from '../../../src/services/local-limits/allocation.js';

// Load balancing among the EVSEs, hand-computed: equal shares for the vehicles that charge, capped
// at each EVSE's maximum with the rest going to the others, at least 6 A each (IEC 61851-1) or the
// newest paused, suspended sessions keeping 6 A and more only from what the charging ones leave.

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

interface Case {
  name: string;
  evses: Array<Partial<EvseDemand> & { evseId: number; state: 'charging' | 'suspended' | 'none'; sinceMin?: number }>;
  constraints: StationConstraint[];
  expected: Array<[evseId: number, shareA: number, limitedBy?: EvseShare['limitedBy']]>;
}

const cases: Case[] = [
  {
    name: 'no limit: every session at its own maximum, an EVSE without a session gets nothing yet',
    evses: [
      { evseId: 1, state: 'charging', maxCurrentA: 32 },
      { evseId: 2, state: 'suspended', maxCurrentA: 16 },
      { evseId: 3, state: 'none' },
    ],
    constraints: [],
    expected: [[1, 32], [2, 16], [3, 0]],
  },
  {
    name: 'station 32 A, two charging: 16 A each',
    evses: [
      { evseId: 1, state: 'charging' },
      { evseId: 2, state: 'charging' },
    ],
    constraints: [{ source: 'station', currentA: 32 }],
    expected: [[1, 16, 'station'], [2, 16, 'station']],
  },
  {
    name: 'station 32 A, three charging: 10.6 A each (32/3 rounded down to 0.1 A)',
    evses: [
      { evseId: 1, state: 'charging' },
      { evseId: 2, state: 'charging' },
      { evseId: 3, state: 'charging' },
    ],
    constraints: [{ source: 'station', currentA: 32 }],
    expected: [[1, 10.6, 'station'], [2, 10.6, 'station'], [3, 10.6, 'station']],
  },
  {
    name: 'an EVSE capped at 10 A leaves the rest to the others: 10, 11, 11 of 32 A',
    evses: [
      { evseId: 1, state: 'charging', maxCurrentA: 10 },
      { evseId: 2, state: 'charging' },
      { evseId: 3, state: 'charging' },
    ],
    constraints: [{ source: 'station', currentA: 32 }],
    expected: [[1, 10], [2, 11, 'station'], [3, 11, 'station']],
  },
  {
    name: 'enough for all at their maximum: nobody is limited',
    evses: [
      { evseId: 1, state: 'charging', maxCurrentA: 16 },
      { evseId: 2, state: 'charging', maxCurrentA: 16 },
    ],
    constraints: [{ source: 'station', currentA: 40 }],
    expected: [[1, 16], [2, 16]],
  },
  {
    name: 'station 16 A, three charging: not 6 A for all, the newest (EVSE 3) pauses, the other two 8 A',
    evses: [
      { evseId: 1, state: 'charging', sinceMin: 0 },
      { evseId: 2, state: 'charging', sinceMin: 5 },
      { evseId: 3, state: 'charging', sinceMin: 10 },
    ],
    constraints: [{ source: 'station', currentA: 16 }],
    expected: [[1, 8, 'station'], [2, 8, 'station'], [3, 0, 'station']],
  },
  {
    name: 'the newest pauses whatever its EVSE number: EVSE 1 started last and pauses under 10 A',
    evses: [
      { evseId: 1, state: 'charging', sinceMin: 10 },
      { evseId: 2, state: 'charging', sinceMin: 0 },
    ],
    constraints: [{ source: 'station', currentA: 10 }],
    expected: [[1, 0, 'station'], [2, 10, 'station']],
  },
  {
    name: 'station 20 A, two charging and an older suspended session: it keeps 6 A, the charging ones share 14 A',
    evses: [
      { evseId: 1, state: 'charging', sinceMin: 5 },
      { evseId: 2, state: 'charging', sinceMin: 10 },
      { evseId: 3, state: 'suspended', sinceMin: 0 },
    ],
    constraints: [{ source: 'station', currentA: 20 }],
    expected: [[1, 7, 'station'], [2, 7, 'station'], [3, 6, 'station']],
  },
  {
    name: 'station 16 A: a suspended session gives way to the charging ones even when older (paused), they get 8 A',
    evses: [
      { evseId: 1, state: 'charging', sinceMin: 5 },
      { evseId: 2, state: 'charging', sinceMin: 10 },
      { evseId: 3, state: 'suspended', sinceMin: 0 },
    ],
    constraints: [{ source: 'station', currentA: 16 }],
    expected: [[1, 8, 'station'], [2, 8, 'station'], [3, 0, 'station']],
  },
  {
    name: 'station 40 A: a charging EVSE at its 16 A maximum leaves 24 A to a suspended one',
    evses: [
      { evseId: 1, state: 'charging', maxCurrentA: 16 },
      { evseId: 2, state: 'suspended' },
    ],
    constraints: [{ source: 'station', currentA: 40 }],
    expected: [[1, 16], [2, 24, 'station']],
  },
  {
    name: 'the lowest limit holds and is named: station 32 A, grid meter 20 A, two charging: 10 A each by the grid meter',
    evses: [
      { evseId: 1, state: 'charging' },
      { evseId: 2, state: 'charging' },
    ],
    constraints: [
      { source: 'station', currentA: 32 },
      { source: 'grid-meter', currentA: 20 },
    ],
    expected: [[1, 10, 'grid-meter'], [2, 10, 'grid-meter']],
  },
  {
    name: 'grid meter 0 A: every session pauses',
    evses: [
      { evseId: 1, state: 'charging' },
      { evseId: 2, state: 'suspended' },
    ],
    constraints: [{ source: 'grid-meter', currentA: 0 }],
    expected: [[1, 0, 'grid-meter'], [2, 0, 'grid-meter']],
  },
  {
    name: 'grid operator 4200 W, two 3-phase EVSEs at 230 V: 6 A on 3 phases is 4140 W, so one: 4200/690 = 6.0 A, the newer pauses',
    evses: [
      { evseId: 1, state: 'charging', sinceMin: 0 },
      { evseId: 2, state: 'charging', sinceMin: 1 },
    ],
    constraints: [{ source: 'grid-operator', powerW: 4200 }],
    expected: [[1, 6, 'grid-operator'], [2, 0, 'grid-operator']],
  },
  {
    name: 'grid operator 4200 W, a single-phase EVSE alone: 4200/230 = 18.2 A',
    evses: [{ evseId: 1, state: 'charging', phases: 1 }],
    constraints: [{ source: 'grid-operator', powerW: 4200 }],
    expected: [[1, 18.2, 'grid-operator']],
  },
  {
    name: 'grid operator 11000 W beside station 32 A, a 1-phase and a 3-phase EVSE: 11000/(230+690) = 11.9 A each by power',
    evses: [
      { evseId: 1, state: 'charging', phases: 1 },
      { evseId: 2, state: 'charging', phases: 3 },
    ],
    constraints: [
      { source: 'station', currentA: 32 },
      { source: 'grid-operator', powerW: 11000 },
    ],
    expected: [[1, 11.9, 'grid-operator'], [2, 11.9, 'grid-operator']],
  },
  {
    name: 'grid operator 16000 W, a 1-phase EVSE capped at 10 A (2300 W) leaves 13700 W: 13700/690 = 19.8 A on the 3-phase one',
    evses: [
      { evseId: 1, state: 'charging', phases: 1, maxCurrentA: 10 },
      { evseId: 2, state: 'charging', phases: 3 },
    ],
    constraints: [{ source: 'grid-operator', powerW: 16000 }],
    expected: [[1, 10], [2, 19.8, 'grid-operator']],
  },
  {
    name: 'an EVSE without a session takes nothing from the others',
    evses: [
      { evseId: 1, state: 'charging' },
      { evseId: 2, state: 'none' },
    ],
    constraints: [{ source: 'station', currentA: 20 }],
    expected: [[1, 20, 'station'], [2, 0]],
  },
];

describe('local limits: allocation among the EVSEs (load balancing)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const evses: EvseDemand[] = c.evses.map(({ state, sinceMin, ...e }) => ({
        inSession: state !== 'none',
        charging: state === 'charging',
        since: new Date(T0 + (sinceMin ?? 0) * 60_000),
        maxCurrentA: 32,
        phases: 3,
        voltageV: 230,
        ...e,
      }));
      const shares = allocate(evses, c.constraints);
      assert.deepEqual(
        shares.map((s) => [s.evseId, s.shareA, s.limitedBy].filter((x) => x !== undefined)),
        c.expected,
      );
    });
  }

  it('never gives out more than a limit allows, over many mixes', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 500; run++) {
      const evses: EvseDemand[] = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, i) => ({
        evseId: i + 1,
        inSession: random() < 0.8,
        charging: random() < 0.7,
        since: new Date(T0 + Math.floor(random() * 100) * 1000),
        maxCurrentA: [6, 10, 16, 32][Math.floor(random() * 4)]!,
        phases: random() < 0.3 ? 1 : 3,
        voltageV: 230,
      }));
      const currentA = random() * 60;
      const powerW = random() * 30000;
      const shares = allocate(evses, [
        { source: 'station', currentA },
        { source: 'grid-operator', powerW },
      ]);
      const byId = new Map(evses.map((e) => [e.evseId, e]));
      const sumA = shares.reduce((s, x) => s + x.shareA, 0);
      const sumW = shares.reduce((s, x) => s + x.shareA * byId.get(x.evseId)!.phases * 230, 0);
      assert.ok(sumA <= currentA + 1e-6, `run ${run}: ${sumA} A > ${currentA} A`);
      assert.ok(sumW <= powerW + 1e-6, `run ${run}: ${sumW} W > ${powerW} W`);
      for (const s of shares) {
        const e = byId.get(s.evseId)!;
        assert.ok(s.shareA === 0 || (s.shareA >= 6 && s.shareA <= e.maxCurrentA), `run ${run}: EVSE ${s.evseId} ${s.shareA} A`);
      }
    }
  });
});
