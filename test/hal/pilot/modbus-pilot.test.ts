import assert from 'node:assert/strict';
import { ModbusBus, ModbusRegisterReader } from '../../../src/hal/drivers/modbus/modbus-bus.js';
import { ModbusPilotPort, RegisterPilot } from '../../../src/hal/drivers/modbus/modbus-pilot.js';
import { MeterPhysics } from '../../../src/hal/drivers/simulated/meter-physics.js';
import { ModbusSlave } from '../../../src/hal/drivers/simulated/modbus-slave.js';
import { SimulatedMeterDevice } from '../../../src/hal/drivers/simulated/simulated-meter-device.js';
import { SimulatedPilotBoard } from '../../../src/hal/drivers/simulated/simulated-pilot.js';
import { loadMeterProfile } from '../../../src/hal/meter/profile.js';
import { RegisterMeter } from '../../../src/hal/meter/register-meter.js';
import { loadPilotProfile } from '../../../src/hal/pilot/profile.js';
import { modbusLinks } from '../../helpers/modbus-links.js';

/**
 * The real pilot driver (modbus-serial through the shared ModbusBus) against the simulated EVSE DIN
 * board served by meter-sim's Modbus slave, on a socat pty pair (RS485) and on Modbus TCP, with a
 * meter on the same line at another unit id.
 */

const TIMING = { timeoutMs: 150, interRequestDelayMs: 2 };
const PILOT_UNIT = 1;
const METER_UNIT = 2;

// The pilot board on RS485 and Modbus TCP, as the EVSE-WB is sold.
const links = modbusLinks().slice(0, 2);

for (const link of links) {
  describe(`Modbus pilot board: ${link.name}`, function () {
    this.timeout(20000);
    const pilotProfile = loadPilotProfile('evse-wb');
    const meterProfile = loadMeterProfile('eastron-sdm630');
    let board: SimulatedPilotBoard;
    let meterDevice: SimulatedMeterDevice;
    let slave: ModbusSlave;
    let bus: ModbusBus;
    let pilot: RegisterPilot;

    beforeEach(async () => {
      board = new SimulatedPilotBoard(pilotProfile, PILOT_UNIT);
      const physics = new MeterPhysics({ phases: 3, startEnergyWh: 4_000, evCurrentA: [16, 16, 16], voltageNoiseV: 0 });
      physics.setRelayClosed(true);
      meterDevice = new SimulatedMeterDevice(meterProfile, physics, METER_UNIT);
      slave = new ModbusSlave([board, meterDevice]);
      bus = new ModbusBus(await link.setUp(slave), TIMING);
      pilot = new RegisterPilot({ name: 'evse 1', profile: pilotProfile, port: new ModbusPilotPort(bus, PILOT_UNIT), failAfterPolls: 2 });
    });

    afterEach(async () => {
      await pilot.close();
      await bus.close();
      await slave.close();
      await link.tearDown();
    });

    it('reads A -> B -> C -> B -> A as the vehicle plugs, is offered current, is paused and unplugs', async () => {
      const seen: string[] = [];
      pilot.vehicleState$.subscribe((s) => seen.push(s));
      await pilot.poll();
      board.vehicle.plugIn();
      await pilot.poll();
      pilot.setOfferedCurrent(16);
      await pilot.applyOffer();
      const charging = await pilot.poll();
      assert.equal(charging?.offeredCurrentA, 16);
      assert.equal(charging?.cableRatingA, 32);
      pilot.setOfferedCurrent(0);
      await pilot.applyOffer();
      await pilot.poll();
      board.vehicle.unplug();
      await pilot.poll();
      assert.deepEqual(seen, ['A', 'B', 'C', 'B', 'A']);
      assert.equal(pilot.health.state, 'ok', pilot.health.lastFault?.message);
    });

    it('reports D (ventilation) and E (error, shorted diode)', async () => {
      const seen: string[] = [];
      pilot.vehicleState$.subscribe((s) => seen.push(s));
      board.vehicle.plugIn();
      board.vehicle.needsVentilation = true;
      pilot.setOfferedCurrent(10);
      await pilot.applyOffer();
      await pilot.poll();
      board.vehicle.fault = 'state-e';
      await pilot.poll();
      board.vehicle.fault = 'none';
      await pilot.poll();
      board.vehicle.fault = 'diode-short';
      await pilot.poll();
      assert.deepEqual(seen, ['D', 'E', 'D', 'E']);
    });

    it('writes the offered current to the board over the line (0 pauses), and the turn-off bit is left alone', async () => {
      pilot.setOfferedCurrent(16);
      await pilot.applyOffer();
      assert.equal(board.offeredCurrentA, 16);
      pilot.setOfferedCurrent(0);
      await pilot.applyOffer();
      assert.equal(board.offeredCurrentA, 0);
      assert.equal(slave.stats.badFrames, 0);
    });

    it('turns failed when the board stops answering, and recovers', async () => {
      await pilot.poll();
      board.fault = { mode: 'silent' };
      await pilot.poll();
      assert.equal(pilot.health.state, 'ok');
      await pilot.poll();
      assert.equal(pilot.health.state, 'failed');
      assert.equal(pilot.health.lastFault?.kind, 'timeout');
      assert.equal(pilot.vehicleState, 'F');
      board.fault = { mode: 'none' };
      await pilot.poll();
      assert.equal(pilot.health.state, 'ok');
      assert.equal(pilot.vehicleState, 'A');
    });

    it('shares the line with a meter at another unit id: both read correctly, polled at once', async () => {
      const meter = new RegisterMeter({ name: 'meter', profile: meterProfile, reader: new ModbusRegisterReader(bus, METER_UNIT), retries: 0, failAfterPolls: 2 });
      board.vehicle.plugIn();
      pilot.setOfferedCurrent(20);
      await pilot.applyOffer();
      for (let i = 0; i < 3; i++) {
        const [reading, pilotReading] = await Promise.all([meter.poll(), pilot.poll()]);
        assert.ok(reading, `meter poll failed: ${meter.health.lastFault?.message}`);
        assert.ok(Math.abs(reading.currentL1A! - 16) < 1e-4);
        assert.ok(reading.energyImportWh >= 4_000);
        assert.equal(pilotReading?.vehicleState, 'C', pilot.health.lastFault?.message);
        assert.equal(pilotReading?.offeredCurrentA, 20);
      }
      assert.equal(slave.stats.badFrames, 0);
      await meter.close();
    });
  });
}
