import assert from 'node:assert/strict';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import { DigitalInput, DigitalOutput, inactiveLevel, type Level, type LineAddress } from '../../src/hal/gpio/gpio.js';
import { FakeClock } from '../../src/station/clock.js';

/** Digital lines above any driver: polarity (active-low) and debounce, on the simulated driver and fake time. */

describe('GPIO: active-low with the simulated driver', () => {
  it('DigitalOutput.set(true) on an active-low line writes level 0; inactive is level 1', async () => {
    const gpio = new SimulatedGpio();
    const low = await DigitalOutput.open(gpio, { line: 17, activeLow: true });
    assert.equal(gpio.level({ line: 17 }), 1);
    assert.equal(low.active, false);
    low.set(true);
    assert.equal(gpio.level({ line: 17 }), 0);
    assert.equal(low.active, true);
    low.set(false);
    assert.equal(gpio.level({ line: 17 }), 1);
  });

  it('DigitalOutput.set(true) on an active-high line writes level 1', async () => {
    const gpio = new SimulatedGpio();
    const high = await DigitalOutput.open(gpio, { line: 5, activeLow: false });
    assert.equal(gpio.level({ line: 5 }), 0);
    high.set(true);
    assert.equal(gpio.level({ line: 5 }), 1);
  });

  it('an active-low DigitalInput is active at level 0', async () => {
    const gpio = new SimulatedGpio();
    gpio.setInputLevel({ line: 23 }, 1);
    const input = await DigitalInput.open(gpio, { line: 23, activeLow: true, debounceMs: 0 });
    assert.equal(input.active, false);
    gpio.setInputLevel({ line: 23 }, 0);
    assert.equal(input.active, true);
    gpio.setInputLevel({ line: 23 }, 1);
    assert.equal(input.active, false);
  });

  it('an input takes its first state from the level at opening', async () => {
    const gpio = new SimulatedGpio();
    gpio.setInputLevel({ line: 23 }, 0);
    assert.equal((await DigitalInput.open(gpio, { line: 23, activeLow: true, debounceMs: 50 })).active, true);
    gpio.setInputLevel({ line: 24 }, 1);
    assert.equal((await DigitalInput.open(gpio, { line: 24, activeLow: false, debounceMs: 50 })).active, true);
  });

  it('inactiveLevel is the level a failsafe writes', () => {
    assert.equal(inactiveLevel({ line: 1, activeLow: false }), 0);
    assert.equal(inactiveLevel({ line: 1, activeLow: true }), 1);
  });
});

describe('GPIO: input debounce', () => {
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock();
  });

  async function openInput(debounceMs: number, activeLow = false): Promise<{ gpio: SimulatedGpio; input: DigitalInput; seen: boolean[] }> {
    const gpio = new SimulatedGpio();
    gpio.setInputLevel({ line: 22 }, activeLow ? 1 : 0);
    const input = await DigitalInput.open(gpio, { line: 22, activeLow, debounceMs }, clock);
    const seen: boolean[] = [];
    input.active$.subscribe((a) => seen.push(a));
    return { gpio, input, seen };
  }

  it('turns a bouncing contact into one change, debounceMs after the last edge', async () => {
    const { gpio, input, seen } = await openInput(50);
    const line: LineAddress = { line: 22 };
    for (const [level, ms] of [
      [1, 10],
      [0, 10],
      [1, 10],
      [0, 5],
      [1, 0],
    ] as Array<[Level, number]>) {
      gpio.setInputLevel(line, level);
      clock.advance(ms);
    }
    assert.deepEqual(seen, [false]);
    clock.advance(49);
    assert.deepEqual(seen, [false], 'changed before the level held for debounceMs');
    assert.equal(input.active, false);
    clock.advance(1);
    assert.deepEqual(seen, [false, true]);
    assert.equal(input.active, true);
    clock.advance(10_000);
    assert.deepEqual(seen, [false, true]);
  });

  it('keeps waiting while edges come closer together than debounceMs', async () => {
    const { gpio, seen } = await openInput(50);
    for (let i = 0; i < 10; i++) {
      gpio.setInputLevel({ line: 22 }, i % 2 === 0 ? 1 : 0);
      clock.advance(45);
    }
    // 450 ms of bouncing, ending at level 0: nothing to report.
    assert.deepEqual(seen, [false]);
    gpio.setInputLevel({ line: 22 }, 1);
    clock.advance(50);
    assert.deepEqual(seen, [false, true]);
  });

  it('reports nothing when the bounce settles back at the old level', async () => {
    const { gpio, input, seen } = await openInput(50, true);
    for (const level of [0, 1, 0, 1] as Level[]) {
      gpio.setInputLevel({ line: 22 }, level);
      clock.advance(20);
    }
    clock.advance(1000);
    assert.deepEqual(seen, [false]);
    assert.equal(input.active, false);
  });

  it('follows every edge at once with debounceMs 0', async () => {
    const { gpio, seen } = await openInput(0);
    gpio.setInputLevel({ line: 22 }, 1);
    assert.deepEqual(seen, [false, true]);
    gpio.setInputLevel({ line: 22 }, 0);
    assert.deepEqual(seen, [false, true, false]);
  });

  it('drops a pending change when the input is closed', async () => {
    const { gpio, input, seen } = await openInput(50);
    gpio.setInputLevel({ line: 22 }, 1);
    await input.close();
    clock.advance(1000);
    assert.deepEqual(seen, [false]);
    assert.equal(clock.pending, 0);
  });
});
