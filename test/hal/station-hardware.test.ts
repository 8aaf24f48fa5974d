import assert from 'node:assert/strict';
import type { StationConfig } from '../../src/config/station-config.js';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import { inactiveLevel, type Level } from '../../src/hal/gpio/gpio.js';
import { openStationHardware, SimulatedWorld } from '../../src/hal/station-hardware.js';
import type { CardPresented } from '../../src/hal/roles/card-reader.js';
import { FakeClock } from '../../src/station/clock.js';
import { scratchSimulatorConfig } from '../helpers/cli.js';
import { capturingLogger } from '../helpers/logging.js';
import { removeTempDir } from '../helpers/temp-dir.js';
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


describe('card readers (station hardware)', () => {
  /** The simulator's config with a simulated reader at EVSE 1. */
  function withReader(): StationConfig {
    const config = scratchSimulatorConfig('evse-readers-storage');
    return { ...config, readers: [{ name: 'front', driver: 'simulated', evseId: 1 }] };
  }

  it('opens each reader with its config, started; the levers present cards; unplugged is logged, and so is back; close() ends it', async () => {
    const config = withReader();
    const world = new SimulatedWorld({ clock: new FakeClock() });
    const lines: string[] = [];
    const hw = await openStationHardware(config, { world, clock: new FakeClock(), logger: capturingLogger(lines) });
    try {
      assert.equal(hw.readers.length, 1);
      const { config: readerConfig, reader } = hw.readers[0]!;
      assert.equal(readerConfig.evseId, 1);
      assert.equal(reader, world.findCardReader('front'), 'the world\'s reader');
      assert.ok(lines.some((l) => /^info hardware ready: .*reader front \(simulated\)/.test(l)), lines.join('\n'));
      const cards: CardPresented[] = [];
      reader.cards$.subscribe((c) => cards.push(c));

      assert.equal(hw.simulation.hasReader('front'), true);
      assert.equal(hw.simulation.hasReader('back'), false);
      assert.equal(hw.simulation.presentCard('front', '04A1B2C3D4E5F6'), true, 'started by the hardware');
      assert.deepEqual(cards, [{ idToken: '04A1B2C3D4E5F6', type: 'ISO14443' }]);
      assert.throws(() => hw.simulation.presentCard('back', 'DEADBEEF'), /no simulated card reader named "back"/);

      hw.simulation.setReaderGone('front', true);
      assert.equal(hw.simulation.presentCard('front', 'DEADBEEF'), false);
      hw.simulation.setReaderGone('front', false);
      assert.deepEqual(
        lines.filter((l) => l.includes('reader front')).slice(1),
        ['warning reader front (simulated): the reader is gone (unplugged); retrying', 'info reader front (simulated): reading again'],
      );
    } finally {
      await hw.close();
    }
    assert.equal(world.findCardReader('front')!.isStarted, false, 'close() ended the reader\'s session');
    await world.close();
    removeTempDir(config.storage.dir);
  });

  it('a reader unplugged while the agent was down is failed for the next agent on the same world', async () => {
    const config = withReader();
    const clock = new FakeClock();
    const world = new SimulatedWorld({ clock });
    const first = await openStationHardware(config, { world, clock });
    first.simulation.setReaderGone('front', true);
    await first.close();

    const second = await openStationHardware(config, { world, clock });
    try {
      const states: string[] = [];
      second.readers[0]!.reader.health$.subscribe((h) => states.push(h.state));
      assert.deepEqual(states, ['failed']);
      second.simulation.setReaderGone('front', false);
      assert.deepEqual(states, ['failed', 'ok']);
    } finally {
      await second.close();
      await world.close();
      removeTempDir(config.storage.dir);
    }
  });
});
