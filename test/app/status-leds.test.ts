import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import sinon from 'sinon';
import { evseLedState, StatusLeds } from '../../src/app/status-leds.js';
import type { LedPattern, LedState } from '../../src/config/station-config.js';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import { DigitalOutput } from '../../src/hal/gpio/gpio.js';

const PATTERNS: Record<LedState, LedPattern> = {
  Available: { colours: ['green'], pattern: 'steady' },
  Occupied: { colours: ['blue'], pattern: 'steady' },
  Charging: { colours: ['blue'], pattern: 'blink' },
  SuspendedEV: { colours: ['blue', 'green'], pattern: 'steady' },
  SuspendedEVSE: { colours: ['blue'], pattern: 'blink-slow' },
  Reserved: { colours: ['green', 'red'], pattern: 'steady' },
  Unavailable: { colours: ['red'], pattern: 'blink-slow' },
  Faulted: { colours: ['red'], pattern: 'blink' },
};

describe('status LEDs', () => {
  it('show the most important state of an EVSE', () => {
    const v = (status: string, chargingState = 'Idle') => ({ status, chargingState });
    assert.equal(evseLedState([v('Available')]), 'Available');
    assert.equal(evseLedState([v('Occupied', 'EVConnected')]), 'Occupied');
    assert.equal(evseLedState([v('Occupied', 'Charging')]), 'Charging');
    assert.equal(evseLedState([v('Occupied', 'SuspendedEV')]), 'SuspendedEV');
    assert.equal(evseLedState([v('Occupied', 'SuspendedEVSE')]), 'SuspendedEVSE');
    assert.equal(evseLedState([v('Reserved')]), 'Reserved');
    assert.equal(evseLedState([v('Unavailable'), v('Unavailable')]), 'Unavailable');
    assert.equal(evseLedState([v('Unavailable'), v('Occupied', 'Charging')]), 'Charging');
    assert.equal(evseLedState([v('Faulted'), v('Occupied', 'Charging')]), 'Faulted');
  });

  it('light the configured colours, steady or blinking, and go dark when stopped', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const gpio = new SimulatedGpio();
      const leds = {
        red: await DigitalOutput.open(gpio, { line: 5, activeLow: false }),
        green: await DigitalOutput.open(gpio, { line: 6, activeLow: true }),
        blue: await DigitalOutput.open(gpio, { line: 13, activeLow: false }),
      };
      const state$ = new Subject<LedState>();
      const status = new StatusLeds(leds, PATTERNS, state$);
      assert.equal(status.shown, undefined, 'nothing shown before the first state');
      const lit = (): string[] => Object.entries(leds).filter(([, o]) => o.active).map(([c]) => c).sort();
      state$.next('Available');
      assert.deepEqual(lit(), ['green']);
      assert.equal(gpio.level({ line: 6 }), 0, 'the active-low green LED is lit at level 0');
      clock.tick(5000);
      assert.deepEqual(lit(), ['green'], 'steady stays lit');
      state$.next('SuspendedEV');
      assert.deepEqual(lit(), ['blue', 'green']);
      state$.next('Charging');
      assert.deepEqual(lit(), ['blue']);
      // What the local API reports: the state and its pattern, whether the blink is on or off now.
      assert.deepEqual(status.shown, { state: 'Charging', colours: ['blue'], pattern: 'blink' });
      clock.tick(250);
      assert.deepEqual(status.shown, { state: 'Charging', colours: ['blue'], pattern: 'blink' });
      assert.deepEqual(lit(), []);
      clock.tick(250);
      assert.deepEqual(lit(), ['blue']);
      state$.next('Unavailable');
      assert.deepEqual(lit(), ['red']);
      clock.tick(999);
      assert.deepEqual(lit(), ['red'], 'slow blink: one second on');
      clock.tick(1);
      assert.deepEqual(lit(), []);
      status.stop();
      clock.tick(5000);
      assert.deepEqual(lit(), []);
    } finally {
      clock.restore();
    }
  });
});
