import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { evseLedState, StatusLeds } from '../../src/app/status-leds.js';
import type { LedPattern, LedState } from '../../src/config/station-config.js';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import { GpioStatusIndicator } from '../../src/hal/drivers/gpio/gpio-status-indicator.js';
import { DigitalOutput } from '../../src/hal/gpio/gpio.js';
import { FakeClock } from '../../src/station/clock.js';
import { is, openSimStation, sleep, type SimStation } from '../helpers/sim-station.js';

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
    const clock = new FakeClock();
    {
      const gpio = new SimulatedGpio();
      const leds = {
        red: await DigitalOutput.open(gpio, { line: 5, activeLow: false }),
        green: await DigitalOutput.open(gpio, { line: 6, activeLow: true }),
        blue: await DigitalOutput.open(gpio, { line: 13, activeLow: false }),
      };
      const state$ = new Subject<LedState>();
      const status = new StatusLeds(new GpioStatusIndicator(leds), PATTERNS, state$, clock);
      assert.equal(status.shown, undefined, 'nothing shown before the first state');
      const lit = (): string[] => Object.entries(leds).filter(([, o]) => o.active).map(([c]) => c).sort();
      state$.next('Available');
      assert.deepEqual(lit(), ['green']);
      assert.equal(gpio.level({ line: 6 }), 0, 'the active-low green LED is lit at level 0');
      clock.advance(5000);
      assert.deepEqual(lit(), ['green'], 'steady stays lit');
      state$.next('SuspendedEV');
      assert.deepEqual(lit(), ['blue', 'green']);
      state$.next('Charging');
      assert.deepEqual(lit(), ['blue']);
      // What the local API reports: the state and its pattern, whether the blink is on or off now.
      assert.deepEqual(status.shown, { state: 'Charging', colours: ['blue'], pattern: 'blink' });
      clock.advance(250);
      assert.deepEqual(status.shown, { state: 'Charging', colours: ['blue'], pattern: 'blink' });
      assert.deepEqual(lit(), []);
      clock.advance(250);
      assert.deepEqual(lit(), ['blue']);
      state$.next('Unavailable');
      assert.deepEqual(lit(), ['red']);
      clock.advance(999);
      assert.deepEqual(lit(), ['red'], 'slow blink: one second on');
      clock.advance(1);
      assert.deepEqual(lit(), []);
      status.stop();
      clock.advance(5000);
      assert.deepEqual(lit(), []);
    }
  });

  describe('following the core', () => {
    let s: SimStation | undefined;
    let leds: StatusLeds | undefined;
    afterEach(async () => {
      leds?.stop();
      leds = undefined;
      await s?.close();
      s = undefined;
    });

    it('free charging: a vehicle plugged in charges at once, and the LEDs end on Charging, not Occupied', async () => {
      s = await openSimStation({ authorization: { mode: 'free', idToken: { idToken: 'HOME', type: 'Local' } } });
      // As the agent does: the LEDs follow the EVSE from after the station started.
      leds = StatusLeds.forEvse(s.station.evses[0]!, new GpioStatusIndicator({}), PATTERNS);
      const seen: LedState[] = [];
      const led = leds;
      const watch = setInterval(() => {
        const state = led.shown?.state;
        if (state && seen.at(-1) !== state) seen.push(state);
      }, 5);
      try {
        s.hw.simulation.setPlugged(1, 1, true);
        await s.next(is('TransactionStarted'));
        await sleep(100);
      } finally {
        clearInterval(watch);
      }
      assert.equal(s.station.evses[0]!.connectors[0]!.view.chargingState, 'Charging');
      assert.equal(leds.shown?.state, 'Charging', `LED states seen: ${seen.join(', ')}`);
    });
  });
});
