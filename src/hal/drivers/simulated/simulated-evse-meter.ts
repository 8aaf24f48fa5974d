import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EvseConfig } from '../../../config/station-config.js';
import { systemClock, type Clock } from '../../../station/clock.js';
import { MeterPhysics } from './meter-physics.js';
import { SimulatedMeterDevice } from './simulated-meter-device.js';

/**
 * A simulated meter keeps its energy register in storage.dir across restarts of the agent, as a
 * real meter keeps counting while the agent is down. Written only when the register moved: an
 * idle station writes nothing (issue 18, SD card wear).
 */
export class SimulatedRegisterFile {
  private readonly file: string;
  /** What the file holds as far as this process knows (read or written last). */
  private savedWh: number | undefined;
  constructor(dir: string, evseId: number) {
    this.file = path.join(dir, `simulated-meter-evse-${evseId}.json`);
  }
  read(): number | undefined {
    try {
      const v = (JSON.parse(readFileSync(this.file, 'utf8')) as { energyImportWh?: unknown }).energyImportWh;
      this.savedWh = typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
      return this.savedWh;
    } catch {
      return undefined;
    }
  }
  /**
   * The register a meter starts from without any write (the file's, or the config's start when
   * that is higher or there is no file): a next process would restore the same, so saving it is no
   * write worth making.
   */
  noteRestored(energyImportWh: number): void {
    this.savedWh = energyImportWh;
  }
  write(energyImportWh: number): void {
    if (energyImportWh === this.savedWh) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, JSON.stringify({ energyImportWh }));
      renameSync(`${this.file}.tmp`, this.file);
      this.savedWh = energyImportWh;
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
