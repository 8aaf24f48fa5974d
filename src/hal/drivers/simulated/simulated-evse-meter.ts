import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EvseConfig } from '../../../config/station-config.js';
import { systemClock, type Clock } from '../../../station/clock.js';
import { MeterPhysics } from './meter-physics.js';
import { SimulatedMeterDevice } from './simulated-meter-device.js';

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
 * at `registerWh` when that is above the configured start (a meter that kept counting). Its
 * energy integrates over `clock`'s time.
 */
export function createSimulatedMeterDevice(evse: EvseConfig, registerWh?: number, clock: Clock = systemClock): SimulatedMeterDevice {
  const m = evse.meter;
  const physics = new MeterPhysics({
    phases: m.profile.phases,
    voltageV: m.simulation.voltageV,
    voltageNoiseV: m.simulation.voltageNoiseV,
    frequencyHz: m.simulation.frequencyHz,
    startEnergyWh: Math.max(m.simulation.startEnergyWh, registerWh ?? 0),
    evCurrentA: m.simulation.evCurrentA.slice(0, evse.phases),
    now: () => clock.nowMs(),
  });
  return new SimulatedMeterDevice(m.profile, physics, m.unitId);
}
