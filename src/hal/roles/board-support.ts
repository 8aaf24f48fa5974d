import type { Observable } from 'rxjs';

/**
 * The board support role (EVerest's evse_board_support): one connector's power path, a contactor
 * with an optional auxiliary contact and a plug-detect input. Where the EVSE has a control pilot
 * board (offered current as PWM, the vehicle's state), that part of the role is the ControlPilot
 * (control-pilot.ts).
 */

/** The vehicle's control pilot state, IEC 61851-1: A none, B connected, C charging, D with ventilation, E/F error. */
export type VehicleState = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export interface BoardSupport {
  /**
   * Allows power to the vehicle (true: the contactor is energised) or removes it (false).
   * Synchronous, so that an exit or crash handler can still remove power.
   */
  allowPowerOn(allowed: boolean): void;
  /** Whether power is allowed now (the contactor's coil is energised). */
  readonly powerAllowed: boolean;
  readonly powerAllowed$: Observable<boolean>;
  /** Whether the contactor's auxiliary contact reports it closed; absent when not wired. */
  readonly contactorClosed$?: Observable<boolean>;
  /** Whether a vehicle is plugged in; absent when the connector has no plug detection. */
  readonly plugged$?: Observable<boolean>;
  /** Releases the lines; power is removed first, with allowPowerOn(false). */
  close(): Promise<void>;
}
