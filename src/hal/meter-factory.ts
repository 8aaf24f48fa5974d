import type { EvseConfig } from '../config/station-config.js';
import type { Clock } from '../station/clock.js';
import { ModbusRegisterReader, describeLink, type ModbusBusRegistry } from './drivers/modbus/modbus-bus.js';
import { createSimulatedMeterDevice } from './drivers/simulated/simulated-evse-meter.js';
import { SimulatedRegisterReader, type SimulatedMeterDevice } from './drivers/simulated/simulated-meter-device.js';
import { RegisterMeter } from './meter/register-meter.js';

/**
 * The power meter of one EVSE, on the driver its config names: Modbus (RTU or TCP) or simulated.
 * A simulated meter reads `device` (the simulated world's, which outlives the agent), or a fresh
 * one when none is given.
 */
export function createEvseMeter(
  evse: EvseConfig,
  buses: ModbusBusRegistry,
  simulatedDevice?: SimulatedMeterDevice,
  clock?: Clock,
): { meter: RegisterMeter; device?: SimulatedMeterDevice } {
  const m = evse.meter;
  let device: SimulatedMeterDevice | undefined;
  let reader;
  let where: string;
  if (m.driver === 'simulated') {
    device = simulatedDevice ?? createSimulatedMeterDevice(evse);
    reader = new SimulatedRegisterReader(device, m.timing.timeoutMs);
    where = 'simulated';
  } else {
    reader = new ModbusRegisterReader(buses.get(m.link!, m.timing), m.unitId);
    where = `${m.driver} ${describeLink(m.link!)}, unit ${m.unitId}`;
  }
  const meter = new RegisterMeter({
    name: `EVSE ${evse.id} meter (${m.profile.id}, ${where})`,
    profile: m.profile,
    reader,
    retries: m.retries,
    failAfterPolls: m.failAfterPolls,
    clock,
  });
  return device ? { meter, device } : { meter };
}
