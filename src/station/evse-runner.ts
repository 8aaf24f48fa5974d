import type { Clock, TimerHandle } from './clock.js';
import { inExecutionOrder, type EvseCommand } from './evse-command.js';
import { decide } from './evse-decide.js';
import type { EvseInput, TimerName } from './evse-input.js';
import type { DecideEnv, EvseState } from './evse-state.js';
import type { ConnectorInputs } from './connector-state.js';
import type { StationEvent } from './events.js';
import type { MeterReading } from './meter-reading.js';
import type { TripLatch } from './trip-latch.js';

/** Where the runner's commands go: the hardware, the listeners, the latch store. */
export interface EvseEffects {
  setRelay(index: number, closed: boolean): void;
  /** The current offered over the control pilot, A. */
  offerCurrent(amps: number): void;
  /** Drives a cable lock to hold or to release the cable. */
  setLock(index: number, locked: boolean): void;
  emit(event: StationEvent): void;
  publishConnector(index: number, inputs: ConnectorInputs): void;
  /** A fresh reading for the end of a transaction; undefined (or a rejection) when the meter does not answer. */
  pollMeter(): Promise<MeterReading | undefined>;
  /** The latest reading, when the fresh one does not come. */
  latestReading(): MeterReading | undefined;
  saveTripLatch(latch: TripLatch): void;
  /** After each input whose decision changed the state. */
  stateChanged?(state: EvseState): void;
}

/**
 * Runs an EVSE: feeds inputs to decide() one at a time and carries out the commands. An input
 * that arrives while another is handled (a listener reacting to an event, a relay's feedback)
 * waits in the queue for its turn: none is lost, none overwrites another.
 *
 * The order of the effects is the one commandPhase states, whatever decide() listed: relays that
 * open, then events (a transaction start is journaled synchronously by its listeners), then relays
 * that close. At a transaction's end the relay opens, then the final reading is polled, and only
 * when it answers is the end emitted (the input FinalReading): the journal never lacks a start
 * for energy that flowed, and the meter stop holds all of the transaction's energy.
 */
export class EvseRunner {
  private current: EvseState;
  private readonly queue: EvseInput[] = [];
  private running = false;
  private readonly afterDrain: Array<() => void> = [];
  private readonly timers = new Map<TimerName, TimerHandle>();
  /** Settled when the transaction's end being read (PollFinalReading) has been emitted. */
  private ending: Promise<void> = Promise.resolve();
  private endingSettled: (() => void) | undefined;

  constructor(
    initial: EvseState,
    private readonly env: () => DecideEnv,
    private readonly clock: Clock,
    private readonly effects: EvseEffects,
  ) {
    this.current = initial;
  }

  get state(): EvseState {
    return this.current;
  }

  /** Resolves when the transaction ending now (if any) has been emitted. */
  get endingDone(): Promise<void> {
    return this.ending;
  }

  /** Handles the input now, or after the one being handled (and those already waiting). */
  send(input: EvseInput): void {
    this.queue.push(input);
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.handle(next);
    } finally {
      this.running = false;
    }
    for (const then of this.afterDrain.splice(0)) then();
  }

  /**
   * Calls `then` once every input sent so far has been handled: at once when none is being
   * handled, else when the queue has drained (for a caller that sent an input from inside a
   * listener and needs to see its outcome).
   */
  whenSettled(then: () => void): void {
    if (this.running) this.afterDrain.push(then);
    else then();
  }

  /** Stops: the relays open, every timer is cancelled; nothing but an ending transaction's end is decided after. */
  stop(): void {
    this.send({ type: 'Stop' });
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private handle(input: EvseInput): void {
    const { state, commands } = decide(this.current, input, this.clock.now(), this.env());
    const changed = state !== this.current;
    this.current = state;
    for (const command of inExecutionOrder(commands)) this.execute(command);
    if (input.type === 'FinalReading') this.settleEnding();
    if (changed) this.effects.stateChanged?.(state);
  }

  private execute(command: EvseCommand): void {
    switch (command.type) {
      case 'SetRelay':
        // Never energise after stop: a late decision cannot close a relay the agent has let go of.
        if (command.closed && this.current.closed) return;
        return this.effects.setRelay(command.index, command.closed);
      case 'OfferCurrent':
        // After stop only a lower offer (0 A) goes out.
        if (!command.lower && this.current.closed) return;
        return this.effects.offerCurrent(command.amps);
      case 'SetLock':
        return this.effects.setLock(command.index, command.locked);
      case 'Emit':
        return this.effects.emit(command.event);
      case 'PublishConnector':
        return this.effects.publishConnector(command.index, command.inputs);
      case 'SaveTripLatch':
        return this.effects.saveTripLatch(command.latch);
      case 'ArmTimer': {
        this.timers.get(command.name)?.cancel();
        if (this.current.closed) return;
        const name = command.name;
        this.timers.set(
          name,
          this.clock.setTimeout(() => {
            this.timers.delete(name);
            this.send({ type: 'TimerFired', name });
          }, command.ms),
        );
        return;
      }
      case 'CancelTimer':
        this.timers.get(command.name)?.cancel();
        this.timers.delete(command.name);
        return;
      case 'Then':
        this.queue.push(command.input);
        return;
      case 'PollFinalReading':
        return this.pollFinalReading();
    }
  }

  /** Asked only after the relay opened (phase 3): the reading goes back in as FinalReading. */
  private pollFinalReading(): void {
    this.ending = new Promise<void>((resolve) => (this.endingSettled = resolve));
    void this.effects
      .pollMeter()
      .catch(() => undefined)
      .then((fresh) => this.send({ type: 'FinalReading', reading: fresh ?? this.effects.latestReading() }));
  }

  private settleEnding(): void {
    const settled = this.endingSettled;
    this.endingSettled = undefined;
    settled?.();
  }
}
