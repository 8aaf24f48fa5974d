import assert from 'node:assert/strict';
import sinon from 'sinon';
import { AlignedSchedule } from '../../src/ocpp/common/aligned-schedule.js';
import { CsmsClock } from '../../src/ocpp/common/csms-clock.js';

/** Clock-aligned boundaries (2.0.1 J01, 1.6 ClockAlignedDataInterval), shared by both adapters. */
describe('clock-aligned schedule', () => {
  let timers: sinon.SinonFakeTimers;
  afterEach(() => timers.restore());

  it('fires on the interval boundaries counted from midnight UTC, and never on one boundary twice when the clock moves back', () => {
    timers = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1, 0, 0, 50), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = new CsmsClock();
    const fired: string[] = [];
    let intervalS = 60;
    const schedule = new AlignedSchedule(clock, () => intervalS, (b) => fired.push(b.toISOString().slice(11, 19)));
    schedule.schedule();
    timers.tick(10_000);
    assert.deepEqual(fired, ['00:01:00']);
    // The CSMS sets the clock 30 s back: 00:01:00 comes round again on its clock, but is not sent again.
    clock.sync(new Date(Date.now() - 30_000).toISOString());
    schedule.schedule();
    timers.tick(90_000);
    assert.deepEqual(fired, ['00:01:00', '00:02:00']);
    intervalS = 0;
    schedule.schedule();
    timers.tick(600_000);
    assert.deepEqual(fired, ['00:01:00', '00:02:00'], 'interval 0: none');
    intervalS = 900;
    schedule.schedule();
    schedule.stop();
    timers.tick(3_600_000);
    assert.equal(fired.length, 2, 'stopped: none');
  });
});
