import type { EvseConfig } from '../config/station-config.js';
import { ModbusRegisterReader, describeLink, type ModbusBusRegistry } from './drivers/modbus/modbus-bus.js';
import { MeterPhysics } from './drivers/simulated/meter-physics.js';
import { SimulatedMeterDevice, SimulatedRegisterReader } from './drivers/simulated/simulated-meter-device.js';
import { RegisterMeter } from './meter/register-meter.js';

/** The meter of one EVSE, on the driver its config names; the simulated device when simulated. */
export function createEvseMeter(evse: EvseConfig, buses: ModbusBusRegistry): { meter: RegisterMeter; device?: SimulatedMeterDevice } {
  const m = evse.meter;
  let device: SimulatedMeterDevice | undefined;
  let reader;
  let where: string;
  if (m.driver === 'simulated') {
    const physics = new MeterPhysics({
      phases: m.profile.phases,
      voltageV: m.simulation.voltageV,
      voltageNoiseV: m.simulation.voltageNoiseV,
      frequencyHz: m.simulation.frequencyHz,
      startEnergyWh: m.simulation.startEnergyWh,
      evCurrentA: m.simulation.evCurrentA.slice(0, evse.phases),
    });
    device = new SimulatedMeterDevice(m.profile, physics, m.unitId);
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
  });
  return device ? { meter, device } : { meter };
}
