import assert from 'node:assert/strict';
import type { EvseConfig, PilotConfig, StationConfig } from '../../src/config/station-config.js';
import { ModbusBusRegistry, type ModbusBus, type ModbusLink, type ModbusTiming } from '../../src/hal/drivers/modbus/modbus-bus.js';
import { RegisterPilot } from '../../src/hal/drivers/modbus/modbus-pilot.js';
import { OpenEvsePilot } from '../../src/hal/drivers/openevse/openevse-pilot.js';
import { MeterPhysics } from '../../src/hal/drivers/simulated/meter-physics.js';
import { ModbusSlave } from '../../src/hal/drivers/simulated/modbus-slave.js';
import { SimulatedMeterDevice } from '../../src/hal/drivers/simulated/simulated-meter-device.js';
import { SimulatedPilotBoard } from '../../src/hal/drivers/simulated/simulated-pilot.js';
import { createEvseMeter } from '../../src/hal/meter-factory.js';
import { loadMeterProfile } from '../../src/hal/meter/profile.js';
import { createEvsePilot } from '../../src/hal/pilot-factory.js';
import { loadPilotProfile } from '../../src/hal/pilot/profile.js';
import type { ControlPilot } from '../../src/hal/roles/control-pilot.js';
import { SimulatedWorld } from '../../src/hal/simulated-world.js';
import { openStationHardware, type StationHardware } from '../../src/hal/station-hardware.js';
import { FakeClock } from '../../src/station/clock.js';
import { scratchSimulatorConfig } from '../helpers/cli.js';
import { modbusLinks } from '../helpers/modbus-links.js';
import { removeTempDir } from '../helpers/temp-dir.js';

/**
 * The pilot factory: a Modbus pilot board and a meter on one line share one bus (one request at a
 * time on RS485), the real driver against the simulated EVSE-WB in meter-sim's slave; and a
 * simulated pilot through the hardware factory, whose vehicle the simulated meter follows.
 */

/** Lets a write the pilot sent (setOfferedCurrent) reach the simulated board. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const TIMING: ModbusTiming = { timeoutMs: 150, interRequestDelayMs: 2 };
const meterProfile = loadMeterProfile('eastron-sdm630');
const pilotProfile = loadPilotProfile('evse-wb');

function pilotConfig(fields: Partial<PilotConfig> & Pick<PilotConfig, 'driver'>): PilotConfig {
  return { unitId: 1, timing: TIMING, pollIntervalMs: 500, failAfterPolls: 2, ventilation: false, releaseTimeoutMs: 3000, ...fields };
}

/** One EVSE with a Modbus meter at unit 2 on `link`, and the pilot given. */
function evseOn(link: ModbusLink, pilot?: PilotConfig): EvseConfig {
  return {
    id: 1,
    maxCurrentA: 32,
    phases: 3,
    meter: {
      driver: link.kind === 'rtu' ? 'modbus-rtu' : 'modbus-tcp',
      profile: meterProfile,
      link,
      unitId: 2,
      timing: TIMING,
      retries: 0,
      pollIntervalMs: 1000,
      failAfterPolls: 2,
      simulation: { voltageV: 230, voltageNoiseV: 0, frequencyHz: 50, startEnergyWh: 0, evCurrentA: [16, 16, 16] },
    },
    ...(pilot ? { pilot } : {}),
    leds: {},
    connectors: [],
  };
}

function withoutKey<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

/** A registry that remembers the buses it handed out. */
class WatchedBuses extends ModbusBusRegistry {
  readonly handedOut = new Set<ModbusBus>();
  override get(link: ModbusLink, timing: ModbusTiming): ModbusBus {
    const bus = super.get(link, timing);
    this.handedOut.add(bus);
    return bus;
  }
}

for (const link of modbusLinks().slice(0, 2)) {
  describe(`pilot factory: a Modbus pilot board and a meter on one line (${link.name})`, function () {
    this.timeout(20000);
    let board: SimulatedPilotBoard;
    let slave: ModbusSlave;
    let buses: WatchedBuses;
    let pilot: ControlPilot | undefined;

    beforeEach(() => {
      board = new SimulatedPilotBoard(pilotProfile, 1);
      const physics = new MeterPhysics({ phases: 3, startEnergyWh: 2_000, evCurrentA: [16, 16, 16], voltageNoiseV: 0 });
      physics.setRelayClosed(true);
      slave = new ModbusSlave([board, new SimulatedMeterDevice(meterProfile, physics, 2)]);
      buses = new WatchedBuses();
    });

    afterEach(async () => {
      await pilot?.close();
      pilot = undefined;
      await buses.closeAll();
      await slave.close();
      await link.tearDown();
    });

    it('builds the register pilot on the meter\'s bus: both read at once, the offer goes over the wire', async () => {
      const modbusLink = await link.setUp(slave);
      const driver = modbusLink.kind === 'rtu' ? 'modbus-rtu' : 'modbus-tcp';
      const evse = evseOn(modbusLink, pilotConfig({ driver, profile: pilotProfile, link: modbusLink, unitId: 1 }));
      const { meter } = createEvseMeter(evse, buses);
      pilot = createEvsePilot(evse, buses, {});
      if (!(pilot instanceof RegisterPilot)) throw new Error(`a register pilot, not ${String(pilot)}`);
      const made: RegisterPilot = pilot;
      assert.equal(buses.handedOut.size, 1, 'the pilot and the meter share one bus');
      const where = modbusLink.kind === 'rtu' ? `${modbusLink.path} 9600 8N1` : `tcp://127.0.0.1:${modbusLink.port}`;
      assert.equal(made.name, `EVSE 1 pilot (evse-wb, ${driver} ${where}, unit 1)`);

      board.vehicle.plugIn();
      made.setOfferedCurrent(16);
      await made.applyOffer();
      for (let i = 0; i < 3; i++) {
        const [reading, pilotReading] = await Promise.all([meter.poll(), made.poll()]);
        assert.ok(reading, `meter: ${meter.health.lastFault?.message}`);
        assert.ok(Math.abs(reading.currentL1A! - 16) < 1e-4);
        assert.equal(pilotReading?.vehicleState, 'C', made.health.lastFault?.message);
        assert.equal(pilotReading?.offeredCurrentA, 16);
      }
      assert.equal(board.offeredCurrentA, 16);
      assert.equal(slave.stats.badFrames, 0);
      await meter.close();
    });
  });
}

describe('pilot factory: drivers', () => {
  const rtu: ModbusLink = { kind: 'rtu', path: '/dev/ttyUSB0', baudRate: 9600, parity: 'none', stopBits: 1 };

  it('makes no pilot for an EVSE without one', () => {
    assert.equal(createEvsePilot(evseOn(rtu), new ModbusBusRegistry(), {}), undefined);
  });

  it('makes an OpenEVSE pilot on the configured serial port, not started', async () => {
    const pilot = createEvsePilot(evseOn(rtu, pilotConfig({ driver: 'openevse', port: '/dev/ttyACM0', baudRate: 115200 })), new ModbusBusRegistry(), { clock: new FakeClock() });
    assert.ok(pilot instanceof OpenEvsePilot);
    assert.equal(pilot.name, 'EVSE 1 pilot (openevse, /dev/ttyACM0)');
    assert.equal(pilot.health.polls, 0);
    await pilot.close();
  });

  it('refuses a Modbus pilot without a link and an OpenEVSE pilot without a port', () => {
    assert.throws(() => createEvsePilot(evseOn(rtu, pilotConfig({ driver: 'modbus-rtu' })), new ModbusBusRegistry(), {}), /EVSE 1: a modbus-rtu pilot needs a link/);
    assert.throws(() => createEvsePilot(evseOn(rtu, pilotConfig({ driver: 'openevse' })), new ModbusBusRegistry(), {}), /EVSE 1: an openevse pilot needs a serial port/);
  });

  it('puts a simulated pilot on the board given, or on a fresh one of the default profile', async () => {
    const given = new SimulatedPilotBoard(pilotProfile, 1);
    const pilot = createEvsePilot(evseOn(rtu, pilotConfig({ driver: 'simulated' })), new ModbusBusRegistry(), { simulatedBoard: given });
    assert.ok(pilot);
    assert.equal(pilot.name, 'EVSE 1 pilot (evse-wb, simulated)');
    given.vehicle.plugIn();
    pilot.setOfferedCurrent(10);
    await flush();
    assert.equal((await pilot.poll())?.vehicleState, 'C');
    assert.equal(given.offeredCurrentA, 10);
    await pilot.close();
    assert.equal(given.offeredCurrentA, 0, 'closing takes the offer back');

    const fresh = createEvsePilot(evseOn(rtu, pilotConfig({ driver: 'simulated' })), new ModbusBusRegistry(), {});
    assert.equal((await fresh?.poll())?.vehicleState, 'A', 'a fresh board has no vehicle plugged in');
    await fresh?.close();
  });
});

describe('pilot factory: a simulated pilot through the hardware factory, on the simulated world', () => {
  let clock: FakeClock;
  let world: SimulatedWorld;
  let config: StationConfig;
  const open: StationHardware[] = [];

  beforeEach(() => {
    clock = new FakeClock();
    world = new SimulatedWorld({ clock });
    const base = scratchSimulatorConfig('evse-pilot-factory');
    // The simulator's EVSE with a simulated EVSE-WB board and no plug detect line: the pilot says it all.
    config = {
      ...base,
      evses: base.evses.map((e) => ({
        ...e,
        pilot: pilotConfig({ driver: 'simulated', profile: pilotProfile }),
        connectors: e.connectors.map((c) => withoutKey(c, 'plugDetect')),
      })),
    };
  });

  afterEach(async () => {
    for (const hw of open.splice(0)) await hw.close();
    await world.close();
    removeTempDir(config.storage.dir);
  });

  async function hardware(): Promise<StationHardware> {
    const hw = await openStationHardware(config, { world, clock });
    open.push(hw);
    return hw;
  }

  /** Lets the started pilot poll (its first poll is at start, the next ones every pollIntervalMs). */
  async function nextPoll(hw: StationHardware): Promise<void> {
    clock.advance(config.evses[0]!.pilot!.pollIntervalMs);
    await hw.evses[0]!.pilot!.poll();
  }

  it('reads the world\'s vehicle: plugged B, offered 16 A C; the meter measures what the vehicle draws', async () => {
    const hw = await hardware();
    const evse = hw.evses[0]!;
    const pilot = evse.pilot!;
    const physics = hw.simulation.meterDevice(1)!.physics;
    assert.equal(pilot.name, 'EVSE 1 pilot (evse-wb, simulated)');
    assert.equal(hw.simulation.pilotBoard(1), world.findPilotBoard(1));
    await nextPoll(hw);
    assert.equal(pilot.status?.vehicleState, 'A');
    assert.ok(pilot.health.polls >= 1, 'the hardware started the pilot');

    hw.simulation.setPlugged(1, 1, true);
    await nextPoll(hw);
    assert.equal(pilot.status?.vehicleState, 'B');

    evse.connectors[0]!.relay.set(true);
    assert.equal(physics.values().currentL1A, 0, 'in B the vehicle draws nothing, contactor closed or not');
    pilot.setOfferedCurrent(16);
    await flush();
    await nextPoll(hw);
    assert.equal(pilot.status?.vehicleState, 'C');
    assert.deepEqual([physics.values().currentL1A, physics.values().currentL2A, physics.values().currentL3A], [16, 16, 16]);

    hw.simulation.setVehicle(1, { maxCurrentA: 10 });
    assert.equal(physics.values().currentL2A, 10, 'at most the vehicle\'s limit');
    pilot.setOfferedCurrent(8);
    await flush();
    assert.equal(physics.values().currentL2A, 8, 'the offer written to the board');
    evse.connectors[0]!.relay.set(false);
    assert.equal(physics.values().currentL1A, 0, 'nothing flows through an open contactor');
    evse.connectors[0]!.relay.set(true);
    hw.simulation.setEvCharging(1, false);
    await nextPoll(hw);
    assert.equal(pilot.status?.vehicleState, 'B', 'a full vehicle goes back to B');
    assert.equal(physics.values().currentL1A, 0);
    hw.simulation.setEvCharging(1, true);
    hw.simulation.setVehicle(1, { needsVentilation: true });
    await nextPoll(hw);
    assert.equal(pilot.status?.vehicleState, 'D');
    assert.equal(physics.values().currentL1A, 8, 'D draws as C does');
    hw.simulation.setVehicle(1, { fault: 'diode-short' });
    await nextPoll(hw);
    // The EVSE-WB has one state value for every error: a shorted diode reads as E.
    assert.equal(pilot.status?.vehicleState, 'E');
    assert.equal(physics.values().currentL1A, 0);
  });

  it('a single-phase EVSE\'s vehicle draws on L1 only', async () => {
    config = { ...config, evses: config.evses.map((e) => ({ ...e, phases: 1 as const })) };
    const hw = await hardware();
    hw.simulation.setPlugged(1, 1, true);
    hw.evses[0]!.connectors[0]!.relay.set(true);
    hw.evses[0]!.pilot!.setOfferedCurrent(13);
    await flush();
    const v = hw.simulation.meterDevice(1)!.physics.values();
    assert.deepEqual([v.currentL1A, v.currentL2A, v.currentL3A], [13, 0, 0]);
  });

  it('the board and its vehicle outlive the hardware; close() takes the offer back to 0 A', async () => {
    const first = await hardware();
    first.simulation.setPlugged(1, 1, true);
    first.evses[0]!.pilot!.setOfferedCurrent(16);
    await flush();
    const board = first.simulation.pilotBoard(1);
    assert.equal(board.vehicleState, 'C');
    open.splice(open.indexOf(first), 1);
    await first.close();
    assert.equal(board.offeredCurrentA, 0, 'the pilot closed while the board still answered');
    assert.equal(board.vehicleState, 'B');

    const second = await hardware();
    assert.equal(second.simulation.pilotBoard(1), board, 'the same board');
    assert.equal(second.simulation.vehicle(1).plugged, true, 'the vehicle is still plugged in');
    await nextPoll(second);
    assert.equal(second.evses[0]!.pilot!.status?.vehicleState, 'B');
  });

  it('a board at another unit id in the config read again is a new board, offering nothing, with the same vehicle', async () => {
    const first = await hardware();
    first.simulation.setPlugged(1, 1, true);
    const old = first.simulation.pilotBoard(1);
    open.splice(open.indexOf(first), 1);
    await first.close();

    config = { ...config, evses: config.evses.map((e) => ({ ...e, pilot: { ...e.pilot!, unitId: 5 } })) };
    const second = await hardware();
    const board = second.simulation.pilotBoard(1);
    assert.notEqual(board, old);
    assert.equal(board.unitId, 5);
    assert.equal(board.vehicle, old.vehicle, 'the vehicle is the EVSE\'s, not the board\'s');
    await nextPoll(second);
    assert.equal(second.evses[0]!.pilot!.status?.vehicleState, 'B');
  });

  it('without a simulated pilot the vehicle levers say so, and plugging needs plug detect', async () => {
    const base = config;
    config = { ...base, evses: base.evses.map((e) => withoutKey(e, 'pilot')) };
    try {
      const hw = await hardware();
      assert.equal(hw.evses[0]!.pilot, undefined);
      assert.throws(() => hw.simulation.vehicle(1), /EVSE 1 has no simulated pilot board/);
      assert.throws(() => hw.simulation.setPlugged(1, 1, true), /has no plugDetect line/);
    } finally {
      config = base;
    }
  });
});
