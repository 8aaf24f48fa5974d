import assert from 'node:assert/strict';
import { CsmsClock } from '../../../src/services/registration/csms-clock.js';
import { AlignedSchedule } from '../../../src/services/transactions/aligned-schedule.js';
import { FakeClock } from '../../../src/station/clock.js';

/** Clock-aligned boundaries (2.0.1 J01, 1.6 ClockAlignedDataInterval), shared by both adapters, on fake time. */
describe('clock-aligned schedule', () => {
  it('fires on the interval boundaries counted from midnight UTC, and never on one boundary twice when the clock moves back', () => {
    const local = new FakeClock(Date.UTC(2026, 0, 1, 0, 0, 50));
    const clock = new CsmsClock(local);
    const fired: string[] = [];
    let intervalS = 60;
    const schedule = new AlignedSchedule(clock, () => intervalS, (b) => fired.push(b.toISOString().slice(11, 19)));
    schedule.schedule();
    local.advance(10_000);
    assert.deepEqual(fired, ['00:01:00']);
    // The CSMS sets the clock 30 s back: 00:01:00 comes round again on its clock, but is not sent again.
    clock.sync(new Date(local.nowMs() - 30_000).toISOString());
    schedule.schedule();
    local.advance(90_000);
    assert.deepEqual(fired, ['00:01:00', '00:02:00']);
    intervalS = 0;
    schedule.schedule();
    local.advance(600_000);
    assert.deepEqual(fired, ['00:01:00', '00:02:00'], 'interval 0: none');
    intervalS = 900;
    schedule.schedule();
    schedule.stop();
    local.advance(3_600_000);
    assert.equal(fired.length, 2, 'stopped: none');
    assert.equal(local.pending, 0, 'no timer left armed');
  });

  it('a boundary is timestamped on the CSMS clock: with the CSMS 5 s ahead, it fires 5 s earlier by the local clock', () => {
    const local = new FakeClock(Date.UTC(2026, 0, 1, 0, 0, 0, 500));
    const clock = new CsmsClock(local);
    clock.sync(new Date(local.nowMs() + 5_000).toISOString());
    const fired: string[] = [];
    const schedule = new AlignedSchedule(clock, () => 60, (b) => fired.push(`${b.toISOString().slice(11, 19)}@${new Date(local.nowMs()).toISOString().slice(11, 19)}`));
    schedule.schedule();
    local.advance(60_000);
    assert.deepEqual(fired, ['00:01:00@00:00:55']);
    schedule.stop();
  });
});
