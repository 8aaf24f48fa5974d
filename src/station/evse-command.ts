import type { ConnectorInputs } from './connector-state.js';
import type { StationEvent } from './events.js';
import type { EvseInput, TimerName } from './evse-input.js';
import type { TripLatch } from './trip-latch.js';

/** The effects decide() asks for; the runner (evse-runner.ts) carries them out, in the order of commandPhase. */
export type EvseCommand =
  | { type: 'SetRelay'; index: number; closed: boolean }
  /** The current offered over the control pilot, A; `lower` when it goes down (after stop only such a one goes out). */
  | { type: 'OfferCurrent'; amps: number; lower: boolean }
  /** Drives a cable lock to hold (before its relay closes) or to release (its answer comes back as UnlockFailed when it holds on). */
  | { type: 'SetLock'; index: number; locked: boolean }
  | { type: 'Emit'; event: StationEvent }
  /** Tells the connector's observers (status$, view$) its new inputs. */
  | { type: 'PublishConnector'; index: number; inputs: ConnectorInputs }
  /** Reads the meter afresh; its answer comes back as the input FinalReading. */
  | { type: 'PollFinalReading' }
  | { type: 'ArmTimer'; name: TimerName; ms: number }
  | { type: 'CancelTimer'; name: TimerName }
  | { type: 'SaveTripLatch'; latch: TripLatch }
  /** Handles this input next, after every command of this decision (and after inputs already waiting). */
  | { type: 'Then'; input: EvseInput };

/**
 * The order the runner carries out one decision's commands in, whatever order decide() listed them:
 * 0. relays that open, and the pilot's offer: safety first, before anything else (no listener, disk
 *    or socket, can delay them);
 * 1. events, connector states, timers, the trip latch (in decide()'s order): a transaction start is
 *    emitted here, and its listeners journal it synchronously;
 * 2. relays that close: only after the start above is recorded, so no energy flows outside a
 *    recorded transaction;
 * 3. the final reading of an ending transaction: after the relay opened in 0, so it holds all the
 *    energy of the transaction and none of the next; the end is emitted when it answers.
 */
export function commandPhase(c: EvseCommand): 0 | 1 | 2 | 3 {
  switch (c.type) {
    case 'SetRelay':
      return c.closed ? 2 : 0;
    case 'OfferCurrent':
      // Up or down, the offer is no energy by itself (the relay closes in 2): it goes out before
      // the events, whose journaling (an fdatasync) must not hold back a limit's boundary.
      return 0;
    case 'PollFinalReading':
      return 3;
    default:
      return 1;
  }
}

/** The commands in the order they are carried out (stable: same phase, decide()'s order). */
export function inExecutionOrder(commands: readonly EvseCommand[]): EvseCommand[] {
  return commands
    .map((command, i) => ({ command, i, phase: commandPhase(command) }))
    .sort((a, b) => a.phase - b.phase || a.i - b.i)
    .map((x) => x.command);
}
