import type { Subscription } from 'rxjs';
import type { MeterPhysics } from '../../hal/drivers/simulated/meter-physics.js';
import { SimulatedPilotBoard, type SimulatedPilotFault } from '../../hal/drivers/simulated/simulated-pilot.js';
import type { VehicleFault } from '../../hal/drivers/simulated/simulated-vehicle.js';
import type { PilotProfile } from '../../hal/pilot/profile.js';
import { UsageError } from '../io.js';

/**
 * meter-sim's pilot board: a SimulatedPilotBoard at its own unit id on the meter's line, with the
 * vehicle behind it, and the meter that measures what that vehicle draws. The EVSE DIN board drives
 * no contactor the meter could see here, so the contactor in front of the meter stays meter-sim's
 * `relay` (closed by default when a pilot is served): current flows while the vehicle is in C or
 * D (IEC 61851-1: it draws only with a PWM offer and wanting energy) and that relay is closed.
 */
export class MeterSimPilot {
  readonly board: SimulatedPilotBoard;
  private readonly subscription: Subscription;

  constructor(
    profile: PilotProfile,
    unitId: number,
    /** The meter the vehicle draws through (the first meter unit). */
    private readonly meter: MeterPhysics,
    options: { maxCurrentA: number },
  ) {
    this.board = new SimulatedPilotBoard(profile, unitId);
    this.board.vehicle.maxCurrentA = options.maxCurrentA;
    // A write of the offered current over the line, or a change to the vehicle: the meter follows.
    this.subscription = this.board.changes$.subscribe(() => this.follow());
    this.follow();
  }

  get unitId(): number {
    return this.board.unitId;
  }

  /** The meter's current: what the vehicle draws, on each of the meter's phases. */
  private follow(): void {
    this.meter.setEvDrawing(true);
    this.meter.setEvCurrent(new Array<number>(this.meter.phases).fill(this.board.drawnCurrentA));
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  /** The board's and the vehicle's state, for `status`. */
  status(): object {
    const v = this.board.vehicle;
    return {
      unitId: this.board.unitId,
      pilot: this.board.profile.id,
      fault: this.board.fault.mode,
      vehicleState: this.board.vehicleState,
      offeredCurrentA: this.board.offeredCurrentA,
      drawnCurrentA: this.board.drawnCurrentA,
      plugged: v.plugged,
      wantsEnergy: v.wantsEnergy,
      needsVentilation: v.needsVentilation,
      vehicleFault: v.fault,
      vehicleMaxCurrentA: v.maxCurrentA,
      cableRatingA: this.board.cableRatingA,
    };
  }

  /** `ev charging|suspended` on the piloted meter: the vehicle wants energy or is full. */
  setWantsEnergy(wants: boolean): void {
    this.board.updateVehicle((v) => (v.wantsEnergy = wants));
  }

  /** `load A[,A,A]` on the piloted meter: the most the vehicle draws (the largest phase). */
  setMaxCurrent(amps: number): void {
    this.board.updateVehicle((v) => (v.maxCurrentA = amps));
  }

  /** The board's own faults: silent (a broken wire) or a Modbus exception. */
  setFault(words: string[]): void {
    let fault: SimulatedPilotFault;
    if (words[0] === 'none' || words[0] === 'silent') fault = { mode: words[0] };
    else if (words[0] === 'exception') fault = { mode: 'exception', code: words[1] ? Number(words[1]) : 4 };
    else throw new UsageError(`the pilot board's fault is none, silent or exception [code], not "${words[0] ?? ''}"`);
    this.board.fault = fault;
  }

  /**
   * The vehicle's commands; returns false for a word that is not one (the meter's commands then
   * have it). Throws a UsageError for a known command used wrongly.
   */
  apply(cmd: string, rest: string[]): boolean {
    switch (cmd) {
      case 'plug':
        this.board.updateVehicle((v) => v.plugIn());
        return true;
      case 'unplug':
        this.board.updateVehicle((v) => v.unplug());
        return true;
      case 'cable': {
        const amps = Number(rest[0]);
        if (rest[0] === undefined || !Number.isInteger(amps) || amps < 0 || amps > 80) throw new UsageError('cable A (the rating, 0 to 80; 0: none)');
        this.board.cableRatingA = amps;
        return true;
      }
      case 'vehicle':
        this.vehicle(rest);
        return true;
      default:
        return false;
    }
  }

  private vehicle([what, arg]: string[]): void {
    switch (what) {
      case 'charge':
      case 'full':
        this.setWantsEnergy(what === 'charge');
        return;
      case 'ventilation':
      case 'no-ventilation':
        this.board.updateVehicle((v) => (v.needsVentilation = what === 'ventilation'));
        return;
      case 'fault': {
        if (arg !== 'none' && arg !== 'diode-short' && arg !== 'state-e') throw new UsageError('vehicle fault none|diode-short|state-e');
        const fault: VehicleFault = arg;
        this.board.updateVehicle((v) => (v.fault = fault));
        return;
      }
      case 'max': {
        const amps = Number(arg);
        if (arg === undefined || !Number.isFinite(amps) || amps < 0) throw new UsageError('vehicle max A');
        this.setMaxCurrent(amps);
        return;
      }
      default:
        throw new UsageError('vehicle charge|full|ventilation|no-ventilation|fault none|diode-short|state-e|max A');
    }
  }
}
