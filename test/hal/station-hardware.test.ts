import assert from 'node:assert/strict';
import type { StationConfig } from '../../src/config/station-config.js';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import { inactiveLevel, type Level } from '../../src/hal/gpio/gpio.js';
import { openStationHardware } from '../../src/hal/station-hardware.js';
import { scratchSimulatorConfig } from '../helpers/cli.js';
import { waitFor } from './gpio-fakes.js';

describe('GPIO: relays open at start and on shutdown (station hardware)', () => {
  function relaySpecs(config: StationConfig) {
    return config.evses.flatMap((e) => e.connectors.map((c) => c.relay));
  }

  it('opens every output at its inactive level, never passing through the active one', async () => {
    const config = scratchSimulatorConfig('evse-gpio-storage');
    const gpio = new SimulatedGpio();
    const writes: Array<{ line: number; level: Level }> = [];
    gpio.writes$.subscribe((w) => writes.push({ line: w.address.line, level: w.level }));
    const hw = await openStationHardware(config, { gpio });
    try {
      const relays = relaySpecs(config);
      assert.ok(relays.length > 0);
      for (const r of relays) {
        assert.equal(gpio.level(r), inactiveLevel(r), `relay BCM ${r.line}`);
        assert.deepEqual(
          writes.filter((w) => w.line === r.line).map((w) => w.level),
          [inactiveLevel(r)],
        );
      }
      for (const e of config.evses) for (const led of Object.values(e.leds)) if (led) assert.equal(gpio.level(led), inactiveLevel(led));
      assert.equal(hw.evses[0]?.connectors[0]?.relay.active, false);
    } finally {
      await hw.close();
    }
  });

  it('openAllRelays() opens a closed relay at once, synchronously, and close() does too', async () => {
    const config = scratchSimulatorConfig('evse-gpio-storage');
    const gpio = new SimulatedGpio();
    const hw = await openStationHardware(config, { gpio });
    const relay = hw.evses[0]?.connectors[0]?.relay;
    const feedback = hw.evses[0]?.connectors[0]?.relayFeedback;
    assert.ok(relay && feedback);
    const line = { line: relay.spec.line };

    relay.set(true);
    assert.equal(gpio.level(line), 1);
    const failures = hw.openAllRelays();
    assert.deepEqual(failures, []);
    assert.equal(gpio.level(line), 0);
    assert.equal(relay.active, false);

    relay.set(true);
    assert.equal(gpio.level(line), 1);
    await hw.close();
    assert.equal(gpio.level(line), 0);
  });

  it('with an active-low relay, open means level 1: at start, after openAllRelays() and after close()', async () => {
    const config = scratchSimulatorConfig('evse-gpio-storage');
    const spec = config.evses[0]?.connectors[0]?.relay;
    assert.ok(spec);
    spec.activeLow = true;
    const gpio = new SimulatedGpio();
    const writes: Level[] = [];
    gpio.writes$.subscribe((w) => {
      if (w.address.line === spec.line) writes.push(w.level);
    });
    const hw = await openStationHardware(config, { gpio });
    const relay = hw.evses[0]?.connectors[0]?.relay;
    assert.ok(relay);
    assert.equal(gpio.level(spec), 1);
    assert.deepEqual(writes, [1]);

    relay.set(true);
    assert.equal(gpio.level(spec), 0);
    // The simulated contactor's feedback contact follows its coil (after its 20 ms debounce).
    await waitFor('the relay feedback', () => hw.evses[0]?.connectors[0]?.relayFeedback?.active === true, 1000);
    hw.openAllRelays();
    assert.equal(gpio.level(spec), 1);

    relay.set(true);
    await hw.close();
    assert.equal(gpio.level(spec), 1);
    assert.deepEqual(writes, [1, 0, 1, 0, 1]);
  });
});

