import type { VehicleState } from '../../roles/board-support.js';

/**
 * An IEC 61851-1 vehicle as the control pilot sees it. Unplugged it is A; plugged it is B until the
 * EVSE offers a current (PWM) and it wants energy, then C (D when it asks for ventilation); at 0 A
 * (no PWM) it stops drawing and is B again. It can short its diode (the EVSE must see an error)
 * or pull the pilot to 0 V (E).
 */
export type VehicleFault = 'none' | 'diode-short' | 'state-e';

export class SimulatedVehicle {
  plugged = false;
  /** Whether the battery wants energy; a full vehicle stays in B with a current offered. */
  wantsEnergy = true;
  /** Asks for ventilation while charging (state D), as for vented batteries. */
  needsVentilation = false;
  fault: VehicleFault = 'none';
  /** The most the vehicle draws, A. */
  maxCurrentA: number;

  constructor(options: { maxCurrentA?: number } = {}) {
    this.maxCurrentA = options.maxCurrentA ?? 32;
  }

  plugIn(): void {
    this.plugged = true;
  }
  unplug(): void {
    this.plugged = false;
    this.fault = 'none';
  }

  /** The pilot state given the current the EVSE offers now (0: no PWM). */
  pilotState(offeredA: number): VehicleState {
    if (!this.plugged) return 'A';
    if (this.fault === 'state-e') return 'E';
    // A shorted diode makes the negative half of the pilot follow the positive: IEC 61851-1 has the
    // EVSE treat it as an error; the EVSE DIN board reports it as failure.
    if (this.fault === 'diode-short') return 'F';
    if (offeredA <= 0 || !this.wantsEnergy) return 'B';
    return this.needsVentilation ? 'D' : 'C';
  }

  /** The current drawn, A: the offer, at most the vehicle's own limit, while charging. */
  drawnCurrentA(offeredA: number): number {
    const s = this.pilotState(offeredA);
    return s === 'C' || s === 'D' ? Math.min(offeredA, this.maxCurrentA) : 0;
  }
}
