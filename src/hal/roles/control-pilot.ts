import type { Observable } from 'rxjs';
import type { MeterFaultKind } from '../../station/meter-reading.js';
import type { VehicleState } from './board-support.js';

/**
 * The control pilot part of the board support role (IEC 61851-1): a board that offers the vehicle
 * a current over the pilot's PWM (0: none, the vehicle must stop drawing), reads the vehicle's
 * state A-F and, where the board has it, the cable's rating from the proximity pilot and its own
 * error flags. The EVSE DIN / EVSE-WB Modbus board, OpenEVSE over RAPI and the simulated board
 * play it; the charging core sees only this.
 */

/** Errors a pilot board reports of itself or of the vehicle beside the state letter. */
export type PilotBoardError =
  /** The vehicle's diode is missing or shorted (the negative half of the pilot follows the positive). */
  | 'diode-check'
  /** The board's residual current / ground fault detection tripped. */
  | 'ground-fault'
  /** No protective earth found. */
  | 'no-ground'
  /** The board's own relay is stuck closed. */
  | 'stuck-relay'
  | 'over-temperature'
  | 'over-current'
  /** Any other failure the board reports without saying which. */
  | 'board-failure';

export interface PilotStatus {
  vehicleState: VehicleState;
  /** The cable's current rating from the proximity pilot, A; absent where the board does not report one or no cable is in. */
  cableRatingA?: number;
  /** Empty when the board reports none. */
  boardErrors: readonly PilotBoardError[];
}

/** One read of the board, for commissioning (`evse-agent pilot read`). */
export interface PilotReading extends PilotStatus {
  /** The current the board says it offers now, A (0: no PWM). */
  offeredCurrentA: number;
  /** The raw state as the board gave it (a register value, a RAPI state number), for the installer. */
  rawState: number;
}

export interface PilotHealth {
  /** unknown until the first answer; failed after failAfterPolls failed polls in a row; ok again at the next good one. */
  state: 'unknown' | 'ok' | 'failed';
  consecutiveFailedPolls: number;
  polls: number;
  failedPolls: number;
  lastGoodAt?: Date;
  lastFault?: { kind: MeterFaultKind; message: string; at: Date };
}

export interface ControlPilot {
  /** For logs, e.g. "pilot evse-wb on /dev/ttyUSB0 unit 2". */
  readonly name: string;
  /** The vehicle's state and the board's flags, on every change; replays the latest. Nothing until the board first answered. */
  readonly status$: Observable<PilotStatus>;
  readonly status: PilotStatus | undefined;
  readonly health$: Observable<PilotHealth>;
  readonly health: PilotHealth;
  /** The latest full read. */
  readonly latest: PilotReading | undefined;
  /**
   * Offers `amps` to the vehicle (below 6 A, IEC 61851-1's least PWM current: 0, the vehicle must
   * stop drawing). Sent at once; repeated when the board is found to have lost it.
   */
  setOfferedCurrent(amps: number): void;
  /** The current offered now as sent to the board, A (0: none). */
  readonly offeredCurrentA: number;
  /** Reads the board now; undefined when it does not answer. Concurrent callers share the read. */
  poll(): Promise<PilotReading | undefined>;
  /** Starts reading the board every pollIntervalMs. */
  start(pollIntervalMs: number): void;
  /** Stops reading; the offer is left at 0 A where the board still answers. */
  close(): Promise<void>;
}
