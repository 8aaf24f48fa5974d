import { distinctUntilChanged, map, type Observable } from 'rxjs';
import { systemClock, type Clock } from '../../../station/clock.js';
import { PollLoop } from '../../poll-loop.js';
import type { MeterFaultKind } from '../../../station/meter-reading.js';
import type { VehicleState } from '../../roles/board-support.js';
import type { ControlPilot, PilotBoardError, PilotReading } from '../../roles/control-pilot.js';
import { ObservedPilot } from '../../pilot/observed-pilot.js';
import { RegisterReadError } from '../../meter/register-reader.js';
import { decodeVehicleState, encodeOfferedCurrent } from '../../pilot/codec.js';
import type { PilotProfile } from '../../pilot/profile.js';
import type { PilotRegisterPort } from '../../pilot/register-port.js';
import type { ModbusBus } from './modbus-bus.js';

/**
 * A control pilot board read and written through registers per its profile (the EVSE DIN /
 * EVSE-WB board first): polls the vehicle state, the cable rating and the offered current back,
 * writes the offered current, and tracks health as the meter does (failed after N failed polls
 * in a row, recovered on the next good one).
 */

export interface RegisterPilotOptions {
  name: string;
  profile: PilotProfile;
  port: PilotRegisterPort;
  /** Failed polls in a row after which the board is reported failed. */
  failAfterPolls: number;
  clock?: Clock;
}

/** The widest block a poll reads in one request (the unused words between are read too). */
const MAX_BLOCK_WORDS = 8;

export class RegisterPilot extends ObservedPilot implements ControlPilot {
  readonly name: string;
  private readonly clock: Clock;
  /** The register value we want in the current register; re-written when the board reads otherwise (e.g. after its reset). */
  private wantedRaw = 0;
  private writes: Promise<void> = Promise.resolve();
  private writesPending = 0;
  private readonly loop: PollLoop<PilotReading | undefined>;

  constructor(private readonly options: RegisterPilotOptions) {
    super(options.failAfterPolls);
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.loop = new PollLoop(this.clock, () => this.doPoll());
  }

  /** The vehicle state on every change (the letter of status$). */
  get vehicleState$(): Observable<VehicleState> {
    return this.status$.pipe(
      map((s) => s.vehicleState),
      distinctUntilChanged(),
    );
  }
  get vehicleState(): VehicleState | undefined {
    return this.status?.vehicleState;
  }
  /** The cable's rating from the proximity pilot, A; undefined until read or where the board has none. */
  get cableRatingA(): number | undefined {
    return this.latest?.cableRatingA;
  }
  /** The current we offer, A, as written to the board (0: paused). */
  get offeredCurrentA(): number {
    return this.wantedRaw;
  }

  /** Offers `amps` to the vehicle (0 pauses it). The write goes out at once; a poll repeats it if the board lost it. */
  setOfferedCurrent(amps: number): void {
    this.wantedRaw = encodeOfferedCurrent(this.options.profile, amps);
    void this.applyOffer().catch(() => undefined);
  }

  /** Writes the wanted current; resolves when written (rejects with the port's error). Writes go in order. */
  applyOffer(): Promise<void> {
    const spec = this.options.profile.registers.offeredCurrent;
    const run = (): Promise<void> => this.options.port.writeRegister(spec.writeFunction, spec.register, this.wantedRaw);
    // With no write on its way the request goes out now, in this turn: not after whatever else the
    // caller does synchronously (the core journaling a transaction event, an fdatasync).
    const result = this.writesPending === 0 ? run() : this.writes.then(run, run);
    this.writesPending++;
    this.writes = result.catch(() => undefined).finally(() => this.writesPending--);
    return result;
  }

  /** Polls once; concurrent callers share the poll in flight. */
  poll(): Promise<PilotReading | undefined> {
    return this.loop.poll();
  }

  /**
   * The registers a poll reads, by address: in one request where they lie close together under one
   * function (the EVSE DIN board's 1000-1003: 4 words, one request, about 20 ms at 9600 baud), else
   * one by one, the state first. Every request a poll makes costs a round on a shared line, and the
   * contactor waits on the state: reading it in one go is what keeps the vehicle's leaving C quick.
   */
  private async readAll(specs: ReadonlyArray<{ readFunction: 3 | 4; register: number }>): Promise<Map<number, number>> {
    const values = new Map<number, number>();
    const addresses = specs.map((s) => s.register);
    const low = Math.min(...addresses);
    const span = Math.max(...addresses) - low + 1;
    const oneFunction = specs.every((s) => s.readFunction === specs[0]!.readFunction);
    const groups = oneFunction && span <= MAX_BLOCK_WORDS ? [{ fn: specs[0]!.readFunction, start: low, count: span }] : specs.map((s) => ({ fn: s.readFunction, start: s.register, count: 1 }));
    for (const g of groups) {
      const words = await this.options.port.readRegisters(g.fn, g.start, g.count);
      if (words.length < g.count) throw new RegisterReadError('io', `FC${g.fn} ${g.start}: ${words.length} of ${g.count} words in the answer`);
      words.forEach((w, i) => values.set(g.start + i, w));
    }
    return values;
  }

  private async doPoll(): Promise<PilotReading | undefined> {
    const regs = this.options.profile.registers;
    let reading: PilotReading | undefined;
    let fault: { kind: MeterFaultKind; message: string } | undefined;
    try {
      const words = await this.readAll([regs.vehicleState, regs.offeredCurrent, ...(regs.cableRating ? [regs.cableRating] : [])]);
      const rawState = words.get(regs.vehicleState.register)!;
      const offeredRaw = words.get(regs.offeredCurrent.register)!;
      const cable = regs.cableRating ? words.get(regs.cableRating.register) : undefined;
      const vehicleState = decodeVehicleState(this.options.profile, rawState);
      // The EVSE DIN board says "failure" without saying which: its own, or the vehicle's diode.
      const boardErrors: PilotBoardError[] = vehicleState === 'F' ? ['board-failure'] : [];
      reading = { vehicleState, rawState, offeredCurrentA: offeredRaw, boardErrors };
      // 0: no cable in (or none reported): no rating to limit the offer by.
      if (cable !== undefined && cable > 0) reading.cableRatingA = cable;
    } catch (err) {
      const e = err instanceof RegisterReadError ? err : new RegisterReadError('io', err instanceof Error ? err.message : String(err));
      fault = { kind: e.kind, message: `${this.options.port.description}: ${e.message}` };
    }
    const now = this.clock.now();
    if (reading) {
      this.polledGood(reading, now);
      // The board forgot our offer (power cycle, its own timeout): say it again.
      if (reading.offeredCurrentA !== this.wantedRaw) await this.applyOffer().catch(() => undefined);
      return reading;
    }
    this.polledFailed(fault!, now);
    return undefined;
  }

  /** Polls every intervalMs (a slow poll shortens the next wait, never overlaps it). */
  start(intervalMs: number): void {
    this.loop.start(intervalMs);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.writes;
  }

  /** Stops polling and takes the offer back to 0 A (a board that still answers stops the PWM). */
  async close(): Promise<void> {
    await this.stop();
    if (this.wantedRaw !== 0) {
      this.wantedRaw = 0;
      await this.applyOffer().catch(() => undefined);
    }
    this.completeObservations();
  }
}

/**
 * A pilot board at one unit id on a shared Modbus bus (meters may be on the same line): reads
 * and writes queue on the bus like every meter's request, one at a time on the line.
 */
export class ModbusPilotPort implements PilotRegisterPort {
  constructor(
    private readonly bus: ModbusBus,
    readonly unitId: number,
  ) {}

  get description(): string {
    return `${this.bus.description} unit ${this.unitId}`;
  }

  // Urgent on the line: the contactor waits on the vehicle's state, a meter's reading can wait.
  readRegisters(fn: 3 | 4, start: number, count: number): Promise<number[]> {
    return this.bus.read(this.unitId, fn, start, count, { urgent: true });
  }

  writeRegister(fn: 6 | 16, address: number, value: number): Promise<void> {
    return this.bus.write(this.unitId, fn, address, [value], { urgent: true });
  }
}
