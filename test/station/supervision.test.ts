import assert from 'node:assert/strict';
import type { MeterReading } from '../../src/station/meter-reading.js';
import { contactorFault, highestCurrentA, LATCHED_FAULTS, SESSION_FAULTS, watchOvercurrent, type OvercurrentWatch } from '../../src/station/supervision.js';
import { DEFAULT_SAFETY } from '../../src/station/ports.js';

const at = (s: number, amps: number[], extra: Partial<MeterReading> = {}): MeterReading => {
  const [l1, l2, l3] = amps;
  return {
    energyImportWh: 0,
    timestamp: new Date(s * 1000),
    ...(l1 !== undefined ? { currentL1A: l1 } : {}),
    ...(l2 !== undefined ? { currentL2A: l2 } : {}),
    ...(l3 !== undefined ? { currentL3A: l3 } : {}),
    ...extra,
  };
};

describe('hardware supervision (pure rules)', () => {
  it('contactor feedback: closed with the coil released is welded, open with it energised failed to close, agreement is no fault', () => {
    assert.equal(contactorFault(false, true), 'contactor-welded');
    assert.equal(contactorFault(true, false), 'contactor-failed');
    assert.equal(contactorFault(true, true), undefined);
    assert.equal(contactorFault(false, false), undefined);
  });

  it('a welded contact is latched; a failed close and overcurrent end with the session; the input faults are neither', () => {
    assert.deepEqual([...LATCHED_FAULTS], ['contactor-welded']);
    assert.deepEqual([...SESSION_FAULTS].sort(), ['contactor-failed', 'overcurrent']);
    for (const f of ['emergency-stop', 'rcd-trip', 'meter'] as const) assert.ok(!LATCHED_FAULTS.has(f) && !SESSION_FAULTS.has(f), f);
  });

  it('the highest phase current, or power / 230 V when the meter gives no currents', () => {
    assert.equal(highestCurrentA(at(0, [10, -33, 20])), 33);
    assert.equal(highestCurrentA(at(0, [], { powerW: 2300 })), 10);
    assert.equal(highestCurrentA(at(0, [])), 0);
  });

  it('overcurrent: trips only after overcurrentAfterS of readings above maxCurrentA + margin; one reading at or below starts again', () => {
    const s = { ...DEFAULT_SAFETY, overcurrentMarginPercent: 10, overcurrentAfterS: 5 };
    const run = (readings: MeterReading[]): Array<number | undefined> => {
      let watch: OvercurrentWatch = {};
      return readings.map((r) => {
        const v = watchOvercurrent(watch, r, 32, s);
        watch = v.watch;
        return v.trip ? Math.round(v.trip.forS) : undefined;
      });
    };
    // 35.2 A is the threshold: at it, nothing; above, the run starts.
    assert.deepEqual(run([at(0, [35.2]), at(10, [35.2])]), [undefined, undefined]);
    assert.deepEqual(run([at(0, [36]), at(2, [36]), at(4, [36]), at(5, [36])]), [undefined, undefined, undefined, 5]);
    assert.deepEqual(run([at(0, [36]), at(4, [36]), at(4.5, [30]), at(5, [36]), at(9, [36]), at(10, [36])]), [undefined, undefined, undefined, undefined, undefined, 5]);
    // One phase is enough.
    assert.deepEqual(run([at(0, [10, 10, 50]), at(5, [10, 10, 50])]), [undefined, 5]);
  });

  it('overcurrentAfterS 0 trips on the first reading above', () => {
    const v = watchOvercurrent({}, at(0, [40]), 32, { ...DEFAULT_SAFETY, overcurrentAfterS: 0 });
    assert.deepEqual(v.trip, { amps: 40, thresholdA: 32 * 1.1, forS: 0 });
  });
});
