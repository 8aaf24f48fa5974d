import assert from 'node:assert/strict';
import { availableForEvses, nextGridLimit, type GridLimitSettings, type GridLimitState } from '../../../src/services/local-limits/grid-limit.js';

// The grid meter's limit: fuse - (grid - EVSEs) - margin on the phase with the least room; down at
// once, up by the hysteresis or more and only after the hold time.

const FUSE = { mainFuseA: 35, marginA: 2 };
const SETTINGS: GridLimitSettings = { ...FUSE, hysteresisA: 1, raiseAfterS: 30 };

describe('local limits: what the grid meter leaves for the EVSEs', () => {
  for (const [name, grid, evses, expected] of [
    ['house only, 10/4/0 A: L1 has least room, 35 - 10 - 2 = 23', [10, 4, 0], [0, 0, 0], 23],
    ['grid 26/20/20 with EVSEs drawing 16 on each: the house 10/4/4, again 23', [26, 20, 20], [16, 16, 16], 23],
    ['a single-phase EVSE on L1 (16 A) and a house load on L2 (12 A): L2 counts, 35 - 12 - 2 = 21', [16, 12, 0], [16, 0, 0], 21],
    ['the house over the fuse: never below 0', [40, 0, 0], [0, 0, 0], 0],
    ['a single-phase grid meter: its one phase', [8], [6, 6, 6], 31],
    ['phases the meter does not read are left out', [undefined, 5, undefined], [0, 0, 0], 28],
    ['an EVSE meter reading more than the grid (readings apart in time): no negative house load', [10, 10, 10], [12, 12, 12], 33],
  ] as const) {
    it(`${name}`, () => assert.equal(availableForEvses(grid, evses, FUSE), expected));
  }

  it('a grid meter that reads no current gives no limit', () => {
    assert.equal(availableForEvses([undefined, undefined, undefined], [0, 0, 0], FUSE), undefined);
  });
});

describe('local limits: the grid limit\'s hysteresis and hold', () => {
  /** Feeds (seconds, available) readings through nextGridLimit; the limit after each. */
  function run(readings: Array<[s: number, availableA: number]>, settings = SETTINGS): number[] {
    let state: GridLimitState | undefined;
    return readings.map(([s, a]) => (state = nextGridLimit(state, a, s * 1000, settings)).limitA);
  }

  it('the first reading sets the limit', () => {
    assert.deepEqual(run([[0, 20]]), [20]);
  });

  it('goes down at once, by any amount', () => {
    assert.deepEqual(run([[0, 20], [1, 19.8], [2, 12]]), [20, 19.8, 12]);
  });

  it('does not move up by less than the hysteresis, however long', () => {
    assert.deepEqual(run([[0, 20], [10, 20.9], [40, 20.9], [100, 20.5]]), [20, 20, 20, 20]);
  });

  it('moves up only after every reading for 30 s left the room, then to the least of them', () => {
    assert.deepEqual(run([[0, 12], [1, 20], [10, 18], [20, 25], [30, 22], [31, 22]]), [12, 12, 12, 12, 12, 18]);
  });

  it('a reading without room in the hold starts it again (the oven came back on)', () => {
    assert.deepEqual(run([[0, 12], [1, 20], [20, 12.5], [30, 20], [45, 20], [60, 20]]), [12, 12, 12, 12, 12, 20]);
  });

  it('a dip below the limit during the hold cuts at once and starts over', () => {
    assert.deepEqual(run([[0, 12], [1, 20], [20, 10], [31, 20], [61, 20]]), [12, 12, 10, 10, 20]);
  });

  it('with raiseAfterS 0 and hysteresis 0 it follows every reading', () => {
    assert.deepEqual(run([[0, 12], [1, 12.3], [2, 11], [3, 30]], { ...SETTINGS, hysteresisA: 0, raiseAfterS: 0 }), [12, 12.3, 11, 30]);
  });
});
