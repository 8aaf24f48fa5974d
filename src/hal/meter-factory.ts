import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EvseConfig } from '../config/station-config.js';
import type { Clock } from '../station/clock.js';
import { ModbusRegisterReader, describeLink, type ModbusBusRegistry } from './drivers/modbus/modbus-bus.js';
import { MeterPhysics } from './drivers/simulated/meter-physics.js';
import { SimulatedMeterDevice, SimulatedRegisterReader } from './drivers/simulated/simulated-meter-device.js';
import { RegisterMeter } from './meter/register-meter.js';

/**
 * A simulated meter keeps its energy register in storage.dir across restarts of the agent, as a
 * real meter keeps counting while the agent is down.
 */
export class SimulatedRegisterFile {
  private readonly file: string;
  constructor(dir: string, evseId: number) {
    this.file = path.join(dir, `simulated-meter-evse-${evseId}.json`);
  }
  read(): number | undefined {
    try {
      const v = (JSON.parse(readFileSync(this.file, 'utf8')) as { energyImportWh?: unknown }).energyImportWh;
      return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
    } catch {
      return undefined;
    }
  }
  write(energyImportWh: number): void {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, JSON.stringify({ energyImportWh }));
      renameSync(`${this.file}.tmp`, this.file);
    } catch {
      // A simulator's convenience: never a reason to fail.
    }
  }
}

/**
 * The simulated meter device of an EVSE as its config describes it, its energy register starting
 * at `registerWh` when that is above the configured start (a meter that kept counting).
 */
export function createSimulatedMeterDevice(evse: EvseConfig, registerWh?: number): SimulatedMeterDevice {
  const m = evse.meter;
  const physics = new MeterPhysics({
    phases: m.profile.phases,
    voltageV: m.simulation.voltageV,
    voltageNoiseV: m.simulation.voltageNoiseV,
    frequencyHz: m.simulation.frequencyHz,
    startEnergyWh: Math.max(m.simulation.startEnergyWh, registerWh ?? 0),
    evCurrentA: m.simulation.evCurrentA.slice(0, evse.phases),
  });
  return new SimulatedMeterDevice(m.profile, physics, m.unitId);
}

/**
 * The power meter of one EVSE, on the driver its config names: Modbus (RTU or TCP) or simulated. A simulated meter reads `device` (the
 * simulated world's, which outlives the agent), or a fresh one when none is given.
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
