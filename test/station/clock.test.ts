import assert from 'node:assert/strict';
import { FakeClock, systemClock } from '../../src/station/clock.js';

describe('clock port', () => {
  it('FakeClock runs due timers in time order, with now() at each due time', () => {
    const clock = new FakeClock(1_000);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.nowMs()]), 200);
    clock.setTimeout(() => seen.push(['a', clock.nowMs()]), 100);
    const never = clock.setTimeout(() => seen.push(['cancelled', clock.nowMs()]), 150);
    never.cancel();
    clock.setTimeout(() => seen.push(['later', clock.nowMs()]), 500);
    clock.advance(300);
    assert.deepEqual(seen, [['a', 1_100], ['b', 1_200]]);
    assert.equal(clock.nowMs(), 1_300);
    assert.equal(clock.pending, 1);
  });

  it('FakeClock intervals repeat until cancelled; a timer set by a timer runs within the same advance', () => {
    const clock = new FakeClock(0);
    const ticks: number[] = [];
    const every = clock.setInterval(() => ticks.push(clock.nowMs()), 100);
    clock.setTimeout(() => clock.setTimeout(() => ticks.push(-clock.nowMs()), 10), 250);
    clock.advance(350);
    every.cancel();
    clock.advance(1_000);
    assert.deepEqual(ticks, [100, 200, -260, 300]);
  });

  it('advanceAsync lets promise callbacks run between timers', async () => {
    const clock = new FakeClock(0);
    const order: string[] = [];
    clock.setTimeout(() => void Promise.resolve().then(() => order.push('after first')), 10);
    clock.setTimeout(() => order.push('second'), 20);
    await clock.advanceAsync(30);
    assert.deepEqual(order, ['after first', 'second']);
  });

  it('systemClock fires a timer and cancels one', async () => {
    const fired: string[] = [];
    systemClock.setTimeout(() => fired.push('cancelled'), 1).cancel();
    // Waits for the kept timer itself (no fixed sleep); the cancelled one, due at the same time, would have run before it.
    await new Promise<void>((resolve) =>
      systemClock.setTimeout(() => {
        fired.push('kept');
        resolve();
      }, 2),
    );
    assert.deepEqual(fired, ['kept']);
  });
});
