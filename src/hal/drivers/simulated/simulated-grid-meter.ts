import type { GridMeterConfig } from '../../../config/station-config.js';
import { systemClock, type Clock } from '../../../station/clock.js';
import type { RegisterReader } from '../../meter/register-reader.js';
import { MeterPhysics } from './meter-physics.js';
import { SimulatedMeterDevice, SimulatedRegisterReader } from './simulated-meter-device.js';

/** A meter's current per phase, L1..L3 (0 on phases it does not have). */
export type PhaseAmps = readonly [number, number, number];

/**
 * The building's main meter in the simulated world: it measures the house's load (a lever) plus
 * what the simulated EVSEs draw through their own meters, per phase. Its registers are the
 * profile's, as any simulated meter's; the current is brought up to date at each read.
 */
export class SimulatedGridMeter {
  readonly physics: MeterPhysics;
  readonly device: SimulatedMeterDevice;
  private houseA: number[];

  constructor(
    config: GridMeterConfig,
    /** What the EVSEs draw now, each EVSE's currents per phase. */
    private readonly evseAmps: () => PhaseAmps[],
    clock: Clock = systemClock,
  ) {
    const m = config.meter;
    this.physics = new MeterPhysics({
      phases: m.profile.phases,
      voltageV: m.simulation.voltageV,
      voltageNoiseV: m.simulation.voltageNoiseV,
      frequencyHz: m.simulation.frequencyHz,
      now: () => clock.nowMs(),
    });
    this.physics.setRelayClosed(true);
    this.device = new SimulatedMeterDevice(m.profile, this.physics, m.unitId);
    this.houseA = [...config.houseCurrentA];
    this.refresh();
  }

  /** The house's load per phase, A (without the EVSEs). */
  get houseLoadA(): number[] {
    return [...this.houseA];
  }

  setHouseLoad(amps: readonly number[]): void {
    this.houseA = Array.from({ length: this.physics.phases }, (_, i) => Math.max(0, amps[i] ?? 0));
    this.refresh();
  }

  /** Measures the house and the EVSEs as they are now. */
  refresh(): void {
    const evses = this.evseAmps();
    this.physics.setEvCurrent(Array.from({ length: this.physics.phases }, (_, p) => (this.houseA[p] ?? 0) + evses.reduce((sum, a) => sum + a[p]!, 0)));
  }

  /** A register reader of this meter without a wire, reading what is true at each request. */
  reader(timeoutMs: number): RegisterReader {
    const inner = new SimulatedRegisterReader(this.device, timeoutMs);
    return {
      description: inner.description,
      readRegisters: (fn, start, count) => {
        this.refresh();
        return inner.readRegisters(fn, start, count);
      },
      close: () => inner.close(),
    };
  }
}
