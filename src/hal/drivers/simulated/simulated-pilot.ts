import { Subject, type Observable } from 'rxjs';
import type { VehicleState } from '../../roles/board-support.js';
import { RegisterReadError } from '../../meter/register-reader.js';
import { encodeOfferedCurrent, encodeVehicleState } from '../../pilot/codec.js';
import type { PilotProfile } from '../../pilot/profile.js';
import type { PilotRegisterPort } from '../../pilot/register-port.js';
import { ModbusException, ModbusExceptionError } from './simulated-meter-device.js';
import { SimulatedVehicle } from './simulated-vehicle.js';

/** Faults the simulated board can show: silent is a board with a broken wire. */
export type SimulatedPilotFault = { mode: 'none' } | { mode: 'silent' } | { mode: 'exception'; code: number };

/**
 * A simulated pilot board as its registers, per the same profile the real driver reads (the
 * EVSE DIN / EVSE-WB map first), with a simulated vehicle behind its pilot. The state register
 * is computed from the vehicle and the offered current at each read, so a vehicle plugged in,
 * charging or faulted shows at the next poll as on the real board.
 */
export class SimulatedPilotBoard {
  fault: SimulatedPilotFault = { mode: 'none' };
  readonly vehicle: SimulatedVehicle;
  /** The cable's rating the proximity pilot gives, A (0: no cable / not reported). */
  cableRatingA = 32;
  private readonly holding = new Map<number, number>();
  private readonly changes = new Subject<void>();

  constructor(
    readonly profile: PilotProfile,
    readonly unitId = profile.serialDefaults?.unitId ?? 1,
    vehicle?: SimulatedVehicle,
  ) {
    this.vehicle = vehicle ?? new SimulatedVehicle();
    const r = profile.registers;
    this.holding.set(r.offeredCurrent.register, 0);
    if (r.turnOff) this.holding.set(r.turnOff.register, 0);
  }

  /** The current the board offers now, A: none while turned off (the turn-off bit). */
  get offeredCurrentA(): number {
    const off = this.profile.registers.turnOff;
    if (off && ((this.holding.get(off.register) ?? 0) >> off.bit) & 1) return 0;
    return this.holding.get(this.profile.registers.offeredCurrent.register) ?? 0;
  }

  get vehicleState(): VehicleState {
    return this.vehicle.pilotState(this.offeredCurrentA);
  }

  /** The current the vehicle draws now, A, per phase: the offer, at most its limit, while in C or D. */
  get drawnCurrentA(): number {
    return this.vehicle.drawnCurrentA(this.offeredCurrentA);
  }

  /**
   * Each change of what the vehicle may draw: a write that changed the offered current, or a change
   * to the vehicle made through updateVehicle(). The simulated meter follows it.
   */
  get changes$(): Observable<void> {
    return this.changes.asObservable();
  }

  /** Changes the vehicle (plugs it, makes it full, faults it) and tells changes$. */
  updateVehicle(change: (vehicle: SimulatedVehicle) => void): void {
    change(this.vehicle);
    this.changes.next();
  }

  private stateRaw(): number {
    const p = this.profile;
    const letter = this.vehicleState;
    // E and F both are the board's "failure" where the map has one value for errors.
    return encodeVehicleState(p, letter) ?? encodeVehicleState(p, letter === 'F' ? 'E' : 'F') ?? 0;
  }

  private word(fn: number, address: number): number {
    const r = this.profile.registers;
    if (fn === r.vehicleState.readFunction && address === r.vehicleState.register) return this.stateRaw();
    if (r.cableRating && fn === r.cableRating.readFunction && address === r.cableRating.register) {
      return this.vehicle.plugged ? this.cableRatingA : 0;
    }
    const held = this.holding.get(address);
    if (held !== undefined && (fn === r.offeredCurrent.readFunction || fn === r.turnOff?.readFunction)) return held;
    // Between the mapped registers the board has others the agent does not use (the EVSE DIN's 1001,
    // the current it outputs now): a block read across them is answered, as the board answers it;
    // their values are not modelled.
    const mapped = [r.offeredCurrent, r.vehicleState, r.cableRating, r.turnOff].filter((x) => x !== undefined);
    const within = address > Math.min(...mapped.map((x) => x.register)) && address < Math.max(...mapped.map((x) => x.register));
    if (within && mapped.some((x) => x.readFunction === fn)) return 0;
    throw new ModbusExceptionError(ModbusException.IllegalDataAddress);
  }

  /** Registers as a read request gets them, or a ModbusExceptionError, as the board would answer. */
  readRegisters(fn: number, start: number, count: number): number[] {
    if (this.fault.mode === 'exception') throw new ModbusExceptionError(this.fault.code);
    if (count < 1 || count > 125) throw new ModbusExceptionError(ModbusException.IllegalDataValue);
    return Array.from({ length: count }, (_, i) => this.word(fn, start + i));
  }

  /** A write of one register; the board accepts only the writable ones and only sane currents. */
  writeRegister(address: number, value: number): void {
    const offerBefore = this.offeredCurrentA;
    this.store(address, value);
    if (this.offeredCurrentA !== offerBefore) this.changes.next();
  }

  private store(address: number, value: number): void {
    if (this.fault.mode === 'exception') throw new ModbusExceptionError(this.fault.code);
    const r = this.profile.registers;
    if (address === r.offeredCurrent.register) {
      if (value !== 0 && encodeOfferedCurrent(this.profile, value) !== value) throw new ModbusExceptionError(ModbusException.IllegalDataValue);
    } else if (address !== r.turnOff?.register) {
      throw new ModbusExceptionError(ModbusException.IllegalDataAddress);
    }
    this.holding.set(address, value & 0xffff);
  }

  /** A write request (function 6 or 16) as a slave passes it on: every word or none. */
  writeRegisters(fn: number, start: number, values: number[]): void {
    const r = this.profile.registers;
    if (fn !== r.offeredCurrent.writeFunction && fn !== r.turnOff?.writeFunction) throw new ModbusExceptionError(ModbusException.IllegalFunction);
    if (values.length < 1) throw new ModbusExceptionError(ModbusException.IllegalDataValue);
    const before = new Map(this.holding);
    const offerBefore = this.offeredCurrentA;
    try {
      values.forEach((v, i) => this.store(start + i, v));
    } catch (err) {
      for (const [a, v] of before) this.holding.set(a, v);
      throw err;
    }
    if (this.offeredCurrentA !== offerBefore) this.changes.next();
  }
}

/** The simulated board in the same process, as the driver's register port (no wire). */
export class SimulatedPilotPort implements PilotRegisterPort {
  constructor(readonly board: SimulatedPilotBoard) {}

  get description(): string {
    return `simulated ${this.board.profile.id} unit ${this.board.unitId}`;
  }

  private check(): void {
    if (this.board.fault.mode === 'silent') throw new RegisterReadError('timeout', 'no answer (timed out)');
  }

  async readRegisters(fn: 3 | 4, start: number, count: number): Promise<number[]> {
    this.check();
    try {
      return this.board.readRegisters(fn, start, count);
    } catch (err) {
      if (err instanceof ModbusExceptionError) throw new RegisterReadError('exception', err.message, err.code);
      throw err;
    }
  }

  async writeRegister(_fn: 6 | 16, address: number, value: number): Promise<void> {
    this.check();
    try {
      this.board.writeRegister(address, value);
    } catch (err) {
      if (err instanceof ModbusExceptionError) throw new RegisterReadError('exception', err.message, err.code);
      throw err;
    }
  }
}
