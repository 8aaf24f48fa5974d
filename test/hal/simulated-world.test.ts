import assert from 'node:assert/strict';
import type { StationConfig } from '../../src/config/station-config.js';
import { SimulatedWorld } from '../../src/hal/simulated-world.js';
import { openStationHardware, type StationHardware } from '../../src/hal/station-hardware.js';
import { FakeClock } from '../../src/station/clock.js';
import { scratchSimulatorConfig } from '../helpers/cli.js';
import { removeTempDir } from '../helpers/temp-dir.js';

/**
 * The simulated world outlives the hardware opened on it, as a cable, a contactor and a meter
 * outlive a reboot of the charger's computer: what one agent start leaves, the next one finds.
 * World and hardware run on fake time: the meters' energy and the inputs' debounce move with it.
 */

describe('SimulatedWorld: the physical world outlives the agent', function () {
  const dirs: string[] = [];
  const open: StationHardware[] = [];
  const worlds: SimulatedWorld[] = [];
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock();
  });

  /** config/simulator.json with its storage in a scratch folder, removed after the test. */
  function simulatorConfig(): StationConfig {
    const config = scratchSimulatorConfig('evse-world');
    dirs.push(config.storage.dir);
    return config;
  }

  async function hardwareOn(config: StationConfig, world?: SimulatedWorld): Promise<StationHardware> {
    const hw = await openStationHardware(config, world ? { world, clock } : { clock });
    open.push(hw);
    return hw;
  }

  async function close(hw: StationHardware): Promise<void> {
    open.splice(open.indexOf(hw), 1);
    await hw.close();
  }

  function newWorld(): SimulatedWorld {
    const w = new SimulatedWorld({ clock });
    worlds.push(w);
    return w;
  }

  afterEach(async () => {
    for (const hw of open.splice(0)) await hw.close();
    for (const w of worlds.splice(0)) await w.close();
    for (const d of dirs.splice(0)) removeTempDir(d);
  });

  it('a vehicle plugged in, a safety input and a welded contactor are still so for the hardware opened next on the same world', async () => {
    const config = simulatorConfig();
    const world = newWorld();
    const first = await hardwareOn(config, world);
    first.simulation.setPlugged(1, 1, true);
    first.simulation.setInput('emergencyStop', true);
    first.simulation.setContactorFault(1, 1, 'welded');
    await close(first);

    const second = await hardwareOn(config, world);
    const connector = second.evses[0]!.connectors[0]!;
    assert.equal(connector.plugDetect!.active, true, 'the cable is still in');
    assert.equal(second.inputs.find((i) => i.name === 'emergencyStop')!.active, true, 'the button is still pressed');
    assert.equal(connector.relay.active, false, 'the coil starts released');
    assert.equal(connector.relayFeedback!.active, true, 'the welded contacts still read closed');
    // The levers of the new hardware act on the same world.
    second.simulation.setPlugged(1, 1, false);
    clock.advance(connector.plugDetect!.spec.debounceMs);
    assert.equal(connector.plugDetect!.active, false);
  });

  it('the meter keeps its register and its EV across hardware opened on the same world; a new world of its own starts at rest', async () => {
    const config = simulatorConfig();
    const world = newWorld();
    const first = await hardwareOn(config, world);
    const device = first.simulation.meterDevice(1)!;
    device.physics.setEvCurrent([20, 20, 20]);
    device.physics.setRelayClosed(true);
    clock.advance(300);
    const before = device.physics.values().energyImportWh;
    assert.ok(before > 0);
    await close(first);

    const second = await hardwareOn(config, world);
    assert.equal(second.simulation.meterDevice(1), device, 'the same meter');
    assert.ok(device.physics.values().energyImportWh >= before);
    assert.equal(device.physics.values().currentL1A, 0, 'no current while the contactor is open');
    second.evses[0]!.connectors[0]!.relay.set(true);
    assert.equal(device.physics.values().currentL1A, 20, 'the EV draws what it drew before, once the contactor closes');
    second.evses[0]!.connectors[0]!.relay.set(false);

    const apart = await hardwareOn(simulatorConfig());
    assert.notEqual(apart.simulation.meterDevice(1), device, 'hardware without a world has its own');
    assert.equal(apart.evses[0]!.connectors[0]!.plugDetect!.active, false);
  });

  it('the register is saved in storage.dir and a world of the next process starts from it', async () => {
    const config = simulatorConfig();
    const world = newWorld();
    const hw = await hardwareOn(config, world);
    const device = hw.simulation.meterDevice(1)!;
    device.physics.setRelayClosed(true);
    clock.advance(300);
    device.physics.setRelayClosed(false);
    const counted = device.physics.values().energyImportWh;
    await close(hw);
    await world.close();

    const next = newWorld();
    const again = await hardwareOn(config, next);
    assert.ok(Math.abs(again.simulation.meterDevice(1)!.physics.values().energyImportWh - counted) < 1e-6);
  });

  it('a different meter in the config read again is a new device, starting from the old register', async () => {
    const config = simulatorConfig();
    const world = newWorld();
    const first = await hardwareOn(config, world);
    const old = first.simulation.meterDevice(1)!;
    old.physics.setRelayClosed(true);
    clock.advance(200);
    old.physics.setRelayClosed(false);
    const counted = old.physics.values().energyImportWh;
    await close(first);

    // The installer swapped the meter for another model between two starts.
    const changed: StationConfig = { ...config, evses: config.evses.map((e) => ({ ...e, meter: { ...e.meter, profile: { ...e.meter.profile, id: 'another-meter' } } })) };
    const second = await hardwareOn(changed, world);
    const device = second.simulation.meterDevice(1)!;
    assert.notEqual(device, old);
    assert.ok(device.physics.values().energyImportWh >= counted);
  });
});
