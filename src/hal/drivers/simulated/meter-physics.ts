import type { MeterValues } from '../../../station/meter-reading.js';

export interface MeterPhysicsOptions {
  phases: 1 | 3;
  /** Nominal phase-to-neutral voltage. */
  voltageV?: number;
  /** Peak of the uniform noise added to each voltage sample. */
  voltageNoiseV?: number;
  frequencyHz?: number;
  /** The energy register at start, e.g. a meter that has been in service for a while. */
  startEnergyWh?: number;
  /** What the EV draws per phase while the relay is closed and the EV charges. */
  evCurrentA?: number[];
  /** How often the meter refreshes its instantaneous values, as real meters do about once a second. */
  measurementIntervalMs?: number;
  /** Milliseconds clock; Date.now by default (sinon's fake timers drive it in tests). */
  now?: () => number;
  random?: () => number;
}

/**
 * The electricity a simulated meter measures: current flows only while the relay is closed and the
 * EV draws, power is voltage times current per phase, and energy integrates power over time, so it
 * never decreases. Shared by the in-process simulated meter and meter-sim.
 */
export class MeterPhysics {
  readonly phases: 1 | 3;
  private readonly nominalV: number;
  private readonly noiseV: number;
  private readonly nominalFrequencyHz: number;
  private frequency = 50;
  private readonly now: () => number;
  private readonly random: () => number;
  private relayClosed = false;
  private evDrawing = true;
  private evCurrentA: number[];
  private energyWh: number;
  private lastAt: number;
  private sampledAt = -Infinity;
  private readonly measurementIntervalMs: number;
  private voltages: number[] = [];
  private powerW: number[] = [];

  constructor(options: MeterPhysicsOptions) {
    this.phases = options.phases;
    this.nominalV = options.voltageV ?? 230;
    this.noiseV = options.voltageNoiseV ?? 1;
    this.nominalFrequencyHz = options.frequencyHz ?? 50;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.measurementIntervalMs = options.measurementIntervalMs ?? 1000;
    this.energyWh = options.startEnergyWh ?? 0;
    this.evCurrentA = this.normaliseCurrents(options.evCurrentA ?? new Array<number>(this.phases).fill(16));
    this.lastAt = this.now();
    this.sampleElectrics();
  }

  private normaliseCurrents(a: number[]): number[] {
    return Array.from({ length: this.phases }, (_, i) => Math.max(0, a[i] ?? 0));
  }

  /** Integrates the power held since the last step; new voltage noise once per measurement interval. */
  private advance(): void {
    const t = this.now();
    const dtH = Math.max(0, t - this.lastAt) / 3_600_000;
    const total = this.powerW.reduce((s, p) => s + p, 0);
    this.energyWh += total * dtH;
    this.lastAt = t;
    if (t - this.sampledAt >= this.measurementIntervalMs) this.sampleElectrics();
  }

  private currents(): number[] {
    return this.relayClosed && this.evDrawing ? this.evCurrentA : new Array<number>(this.phases).fill(0);
  }

  private sampleElectrics(): void {
    this.sampledAt = this.now();
    this.voltages = Array.from({ length: this.phases }, () => this.nominalV + (this.random() * 2 - 1) * this.noiseV);
    this.frequency = this.nominalFrequencyHz + (this.random() * 2 - 1) * 0.02;
    this.updatePower();
  }

  private updatePower(): void {
    const amps = this.currents();
    this.powerW = this.voltages.map((v, i) => v * amps[i]!);
  }

  setRelayClosed(closed: boolean): void {
    this.advance();
    this.relayClosed = closed;
    this.updatePower();
  }

  get isRelayClosed(): boolean {
    return this.relayClosed;
  }

  /** Whether the EV asks for power (charging) or not (suspended by the EV). */
  setEvDrawing(drawing: boolean): void {
    this.advance();
    this.evDrawing = drawing;
    this.updatePower();
  }

  setEvCurrent(amps: number[]): void {
    this.advance();
    this.evCurrentA = this.normaliseCurrents(amps);
    this.updatePower();
  }

  /** The meter's values now. */
  values(): MeterValues {
    this.advance();
    const amps = this.currents();
    const v: MeterValues = {
      energyImportWh: this.energyWh,
      energyExportWh: 0,
      powerW: this.powerW.reduce((s, p) => s + p, 0),
      frequencyHz: this.frequency,
    };
    const names = [
      ['voltageL1V', 'currentL1A', 'powerL1W'],
      ['voltageL2V', 'currentL2A', 'powerL2W'],
      ['voltageL3V', 'currentL3A', 'powerL3W'],
    ] as const;
    for (let i = 0; i < this.phases; i++) {
      const [vn, an, pn] = names[i]!;
      v[vn] = this.voltages[i]!;
      v[an] = amps[i]!;
      v[pn] = this.powerW[i]!;
    }
    return v;
  }
}
