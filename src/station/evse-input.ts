import type { TransactionSnapshot } from './events.js';
import type { Authorization, AvailabilityLevel, Cause, StopCause } from './evse-state.js';
import type { MeterReading } from './meter-reading.js';
import type { FaultKind, PilotReport, Reservation, TxTrigger } from './types.js';

/**
 * What can happen to an EVSE: each is one input to decide() (evse-decide.ts), handled one at a
 * time, in the order they arrived (evse-runner.ts).
 */

/** The named timers decide() arms and cancels; when one falls due it comes back as TimerFired. */
export type TimerName = 'ev-connection' | 'duration' | 'reservation' | 'pilot-release' | `contactor-${number}` | `lock-${number}`;

export type EvseInput =
  /** Following the hardware starts: the statuses are reported a first time. */
  | { type: 'Started' }
  /** A connector's plug detection changed; `initial` for how the cable was found at start (no vehicle arriving). */
  | { type: 'PlugChanged'; index: number; plugged: boolean; initial: boolean }
  /** The evaluation after a plug change, once the connector's new state was published (free charging authorizes on it first). */
  | { type: 'PlugSettled'; plugged: boolean }
  | { type: 'ContactChanged'; index: number; closed: boolean }
  /** The control pilot board read something new. */
  | { type: 'PilotChanged'; report: PilotReport }
  /** The pilot board stopped answering (failure: why), or answers again (undefined). */
  | { type: 'PilotHealth'; failure?: string }
  /** A cable lock's feedback contact changed: true while it holds the cable. */
  | { type: 'LockFeedback'; index: number; locked: boolean }
  /** A cable lock did not let go of the cable when released (its feedback still says it holds). */
  | { type: 'UnlockFailed'; index: number }
  | { type: 'Reading'; reading: MeterReading }
  | { type: 'MeterFailed'; why: string }
  /** The final reading of an ending transaction: the fresh one, else the latest (undefined: none at all). */
  | { type: 'FinalReading'; reading: MeterReading | undefined }
  | { type: 'TimerFired'; name: TimerName }
  | { type: 'Authorize'; auth: Authorization; trigger: TxTrigger }
  | { type: 'Deauthorize'; cause: Cause }
  /** The CSMS says the transaction's token is not (or no longer) valid (E06.FR.04, C15). */
  | { type: 'TokenRejected' }
  /** Smart charging or a local limit sets the EVSE's limit, A per phase (undefined: none). */
  | { type: 'SetChargingLimit'; amps: number | undefined }
  /** Ends the session now (a reset, a stop of the agent, a remote stop without authorization). */
  | { type: 'Abort'; cause: StopCause }
  | { type: 'RaiseFault'; fault: FaultKind }
  | { type: 'ClearFault'; fault: FaultKind }
  /** The local "clear faults" action. */
  | { type: 'ClearLatchedFaults' }
  | { type: 'SetAvailability'; level: AvailabilityLevel; operative: boolean }
  | { type: 'Reserve'; reservation: Reservation }
  | { type: 'EndReservation'; reason: 'Used' | 'Expired' | 'Cancelled' | 'Removed' }
  | { type: 'HoldForReservations'; held: boolean }
  /** A firmware install waits for the running transactions (held), or no longer does (OCPP L01.FR.07). */
  | { type: 'HoldForFirmware'; held: boolean }
  /** A transaction left running when the agent last stopped (a crash, a power cut). */
  | { type: 'Recover'; snapshot: TransactionSnapshot }
  | { type: 'Stop' };
