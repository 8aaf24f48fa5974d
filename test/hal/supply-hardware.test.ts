import assert from 'node:assert/strict';
import path from 'node:path';
import { resolveConfig } from '../../src/config/load-config.js';
import type { EvseConfig, GridMeterConfig, StationConfig } from '../../src/config/station-config.js';
import { ModbusBusRegistry, type ModbusBus, type ModbusLink, type ModbusTiming } from '../../src/hal/drivers/modbus/modbus-bus.js';
import { MeterPhysics } from '../../src/hal/drivers/simulated/meter-physics.js';
import { ModbusSlave } from '../../src/hal/drivers/simulated/modbus-slave.js';
import { SimulatedMeterDevice } from '../../src/hal/drivers/simulated/simulated-meter-device.js';
import { createEvseMeter } from '../../src/hal/meter-factory.js';
import { loadMeterProfile } from '../../src/hal/meter/profile.js';
import { openStationHardware, SimulatedWorld, type StationHardware } from '../../src/hal/station-hardware.js';
import { createGridMeter } from '../../src/hal/supply-hardware.js';
import { FakeClock, systemClock } from '../../src/station/clock.js';
import { simulatorDoc } from '../helpers/cli.js';
import { openPtyPair, type PtyPair } from '../helpers/socat.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

// The supply's hardware through the factory: the simulated grid meter reads the house's load plus
// what the EVSEs draw, the grid operator's input on a simulated line with its lever; and a Modbus
// grid meter on the EVSE meter's RS485 line (a socat pty pair), one bus for both.

const near = (actual: number | undefined, expected: number, what: string): void => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-3, `${what}: ${actual} != ${expected}`);

function simulatorWithSupply(supply: object | undefined): StationConfig {
  const dir = makeTempDir('supply-hardware');
  const doc = simulatorDoc();
  if (supply) doc['supply'] = supply;
  doc['storage'] = { dir };
  return resolveConfig(doc, path.join(dir, 'config.json')).config;
}

describe('supply hardware: simulated grid meter and grid operator input (station hardware)', () => {
  let clock: FakeClock;
  let world: SimulatedWorld;
  let config: StationConfig;
  const open: StationHardware[] = [];

  beforeEach(() => {
    clock = new FakeClock();
    world = new SimulatedWorld({ clock });
    config = simulatorWithSupply({
      maxCurrentA: 32,
      gridMeter: { driver: 'simulated', mainFuseA: 35, simulation: { voltageNoiseV: 0, houseCurrentA: [10, 4, 0] } },
      gridOperator: { line: 25, activeLow: true, maxPowerW: 4200 },
    });
  });

  afterEach(async () => {
    for (const hw of open.splice(0)) await hw.close();
    await world.close();
    removeTempDir(config.storage.dir);
  });

  async function hardware(c: StationConfig = config): Promise<StationHardware> {
    const hw = await openStationHardware(c, { world, clock });
    open.push(hw);
    return hw;
  }

  it('the grid meter reads the house load, plus what the EVSE draws once its contactor closes; the lever changes the house', async () => {
    const hw = await hardware();
    const meter = hw.supply?.gridMeter;
    assert.ok(meter);
    assert.equal(meter.name, 'grid meter (eastron-sdm630, simulated)');
    let r = await meter.poll();
    assert.ok(r, meter.health.lastFault?.message);
    near(r.currentL1A, 10, 'L1');
    near(r.currentL2A, 4, 'L2');
    near(r.currentL3A, 0, 'L3');
    // The simulated EV draws the config's 16 A per phase once the contactor is closed.
    hw.evses[0]!.connectors[0]!.relay.set(true);
    r = await meter.poll();
    near(r?.currentL1A, 26, 'L1 with the EVSE');
    near(r?.currentL3A, 16, 'L3 with the EVSE');
    hw.simulation.setHouseLoad([2, 0, 30]);
    r = await meter.poll();
    assert.deepEqual([r?.currentL1A, r?.currentL2A, r?.currentL3A].map((a) => Math.round(a!)), [18, 16, 46]);
    assert.deepEqual(world.findGridMeter()?.houseLoadA, [2, 0, 30]);
  });

  it('the grid meter polls from the start at its interval', async () => {
    const hw = await hardware();
    const readings: number[] = [];
    hw.supply!.gridMeter!.readings$.subscribe((r) => readings.push(r.currentL1A!));
    await clock.advanceAsync(config.supply!.gridMeter!.meter.pollIntervalMs * 3);
    assert.ok(readings.length >= 3, `${readings.length} readings`);
    near(readings.at(-1), 10, 'L1');
  });

  it('the grid operator input starts at rest and follows the lever after its debounce (100 ms)', async () => {
    const hw = await hardware();
    const operator = hw.supply?.gridOperator;
    assert.ok(operator);
    assert.equal(operator.maxPowerW, 4200);
    const seen: boolean[] = [];
    operator.active$.subscribe((a) => seen.push(a));
    assert.equal(operator.active, false);
    hw.simulation.setGridOperatorSignal(true);
    // active-low: the simulated line is low while the signal is on.
    assert.equal(world.gpio.level({ line: 25 }), 0);
    await clock.advanceAsync(99);
    assert.equal(operator.active, false);
    await clock.advanceAsync(2);
    assert.equal(operator.active, true);
    hw.simulation.setGridOperatorSignal(false);
    await clock.advanceAsync(101);
    assert.deepEqual(seen, [false, true, false]);
  });

  it('the house load outlives the agent: a new hardware on the same world reads it', async () => {
    const first = await hardware();
    first.simulation.setHouseLoad([7, 7, 7]);
    await first.close();
    open.splice(0);
    const second = await hardware();
    const r = await second.supply!.gridMeter!.poll();
    near(r?.currentL2A, 7, 'L2');
  });

  it('without a supply section there is none, and the levers say why', async () => {
    const plain = simulatorWithSupply(undefined);
    const hw = await hardware(plain);
    assert.equal(hw.supply, undefined);
    assert.throws(() => hw.simulation.setHouseLoad([1]), /no simulated grid meter/);
    assert.throws(() => hw.simulation.setGridOperatorSignal(true), /no grid operator input/);
    removeTempDir(plain.storage.dir);
  });
});

describe('supply hardware: a Modbus grid meter on the EVSE meter\'s RS485 line (socat pty pair)', function () {
  this.timeout(20000);
  const TIMING: ModbusTiming = { timeoutMs: 300, interRequestDelayMs: 2 };
  const profile = loadMeterProfile('eastron-sdm630');
  let pty: PtyPair;
  let slave: ModbusSlave;

  class WatchedBuses extends ModbusBusRegistry {
    readonly handedOut = new Set<ModbusBus>();
    override get(link: ModbusLink, timing: ModbusTiming): ModbusBus {
      const bus = super.get(link, timing);
      this.handedOut.add(bus);
      return bus;
    }
  }

  afterEach(async () => {
    await slave.close();
    await pty.close();
  });

  it('reads the grid meter (unit 3) and the EVSE meter (unit 1) through one bus, each its own currents', async () => {
    const evsePhysics = new MeterPhysics({ phases: 3, evCurrentA: [16, 16, 16], voltageNoiseV: 0 });
    evsePhysics.setRelayClosed(true);
    const gridPhysics = new MeterPhysics({ phases: 3, evCurrentA: [26, 20, 16], voltageNoiseV: 0 });
    gridPhysics.setRelayClosed(true);
    slave = new ModbusSlave([new SimulatedMeterDevice(profile, evsePhysics, 1), new SimulatedMeterDevice(profile, gridPhysics, 3)]);
    pty = await openPtyPair();
    await slave.openSerial(pty.a, 9600);
    const link: ModbusLink = { kind: 'rtu', path: pty.b, baudRate: 9600, parity: 'none', stopBits: 1 };
    const meterConfig = { driver: 'modbus-rtu', profile, link, timing: TIMING, retries: 1, pollIntervalMs: 1000, failAfterPolls: 3 } as const;
    const simulation = { voltageV: 230, voltageNoiseV: 0, frequencyHz: 50, startEnergyWh: 0, evCurrentA: [16, 16, 16] };
    const evse: EvseConfig = { id: 1, maxCurrentA: 32, phases: 3, meter: { ...meterConfig, unitId: 1, simulation }, leds: {}, connectors: [] };
    const grid: GridMeterConfig = {
      meter: { ...meterConfig, unitId: 3, simulation },
      mainFuseA: 35,
      marginA: 2,
      hysteresisA: 1,
      raiseAfterS: 30,
      failsafeCurrentA: 6,
      houseCurrentA: [0, 0, 0],
    };
    const buses = new WatchedBuses();
    const { meter: evseMeter } = createEvseMeter(evse, buses);
    const gridMeter = createGridMeter(grid, buses, undefined, systemClock);
    try {
      assert.equal(buses.handedOut.size, 1, 'the grid meter and the EVSE meter share one bus');
      assert.equal(gridMeter.name, `grid meter (eastron-sdm630, modbus-rtu ${pty.b} 9600 8N1, unit 3)`);
      const [e, g] = await Promise.all([evseMeter.poll(), gridMeter.poll()]);
      assert.ok(e && g, `${evseMeter.health.lastFault?.message} / ${gridMeter.health.lastFault?.message}`);
      assert.deepEqual([g.currentL1A, g.currentL2A, g.currentL3A].map((a) => Math.round(a!)), [26, 20, 16]);
      near(e.currentL1A, 16, 'EVSE L1');
    } finally {
      await evseMeter.close();
      await gridMeter.close();
      await buses.closeAll();
    }
  });
});
