import { randomUUID } from 'node:crypto';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import { systemClock, type Clock } from './clock.js';
import { Connector } from './connector.js';
import { viewOf } from './evse-draft.js';
import { availabilityOutcome } from './evse-availability.js';
import { faultClearing, type FaultClearingOutcome } from './evse-faults.js';
import type { EvseInput } from './evse-input.js';
import { reservationOutcome } from './evse-reservation.js';
import { EvseRunner } from './evse-runner.js';
import { mayBeAuthorized, mayStop } from './evse-session.js';
import { effectiveOperative, initialEvseState, type Authorization, type AvailabilityLevel, type AvailabilityLevels, type Cause, type EvseState, type StopCause } from './evse-state.js';
import type { StationEvent, TransactionSnapshot } from './events.js';
import { DEFAULT_SAFETY, type ChargingSettings, type EvsePort, type SafetySettings } from './ports.js';
import { NOT_TRIPPED, type TripLatch } from './trip-latch.js';
import type { FaultKind, IdToken, Reservation, ReservationResult, TxTrigger } from './types.js';

export type { Authorization, Cause, StopCause } from './evse-state.js';

export interface EvseOptions {
  port: EvsePort;
  /** The charging rules in force, read at each decision. */
  settings: () => ChargingSettings;
  emit: (event: StationEvent) => void;
  /** The availability kept from before a restart (default: operative everywhere). */
  availability?: AvailabilityLevels;
  safety?: SafetySettings;
  /** Where the trip latch is kept: a restart (a crash, a power cut) is no deliberate act either. */
  latchStore?: { initial: TripLatch; save(latch: TripLatch): void };
  clock?: Clock;
  /** Makes a new transaction's id (default: randomUUID). */
  newTransactionId?: () => string;
}

/**
 * One EVSE: the hardware's news and the outside's requests become inputs of decide()
 * (evse-decide.ts), run in order by the EvseRunner, which drives the relays and emits the events.
 * This class only wires the ports to the runner and answers questions about the state.
 */
export class Evse {
  readonly connectors: Connector[];
  private readonly runner: EvseRunner;
  private readonly subscriptions: Subscription[] = [];
  private readonly safety: SafetySettings;
  private readonly authorizationSubject = new BehaviorSubject<Authorization | undefined>(undefined);
  /**
   * Who may charge, after each decision in which it changed. An authorization before a vehicle is
   * plugged in changes no connector (it reaches the connector the vehicle will use), yet 1.6
   * reports such a connector as Preparing: its adapter follows this.
   */
  readonly authorization$: Observable<Authorization | undefined> = this.authorizationSubject.asObservable();

  constructor(private readonly options: EvseOptions) {
    const { port } = options;
    this.safety = options.safety ?? DEFAULT_SAFETY;
    const latchStore = options.latchStore ?? { initial: NOT_TRIPPED, save: () => undefined };
    const pilot = port.pilot;
    const initial = initialEvseState(
      {
        evseId: port.evseId,
        maxCurrentA: port.maxCurrentA,
        connectorIds: port.connectors.map((c) => c.connectorId),
        locks: port.connectors.map((c) => c.lock !== undefined),
        pilot: pilot ? { ventilation: pilot.ventilation, releaseTimeoutMs: pilot.releaseTimeoutMs } : undefined,
      },
      options.availability,
      latchStore.initial,
    );
    this.connectors = port.connectors.map((c, i) => new Connector(port.evseId, c.connectorId, initial.connectors[i]));
    const newTransactionId = options.newTransactionId ?? randomUUID;
    this.runner = new EvseRunner(initial, () => ({ settings: options.settings(), safety: this.safety, newTransactionId }), options.clock ?? systemClock, {
      setRelay: (i, closed) => port.connectors[i]!.setRelay(closed),
      offerCurrent: (amps) => pilot?.offerCurrent(amps),
      setLock: (i, locked) => this.driveLock(i, locked),
      emit: options.emit,
      publishConnector: (i, inputs) => this.connectors[i]!.publish(inputs),
      pollMeter: () => port.meter.poll(),
      latestReading: () => port.meter.latest,
      saveTripLatch: (latch) => latchStore.save(latch),
      stateChanged: (s) => {
        if (this.authorizationSubject.value !== s.authorization && !this.authorizationSubject.closed) this.authorizationSubject.next(s.authorization);
      },
    });
  }

  get id(): number {
    return this.options.port.evseId;
  }

  /** A lock driven to release answers whether it let go; one that holds on is a fault (cable-lock). */
  private driveLock(index: number, locked: boolean): void {
    const c = this.options.port.connectors[index];
    if (locked) return c?.lock?.();
    void c
      ?.unlock?.()
      .catch(() => false)
      .then((released) => {
        if (!released) this.send({ type: 'UnlockFailed', index });
      });
  }

  /** F05: an UnlockConnector the lock did not carry out is a fault too (cable-lock). */
  unlockFailed(connectorId: number): void {
    const index = this.options.port.connectors.findIndex((c) => c.connectorId === connectorId);
    if (index >= 0) this.send({ type: 'UnlockFailed', index });
  }

  private send(input: EvseInput): void {
    this.runner.send(input);
  }

  private get state(): EvseState {
    return this.runner.state;
  }

  /** Starts following the hardware: plugs, meter readings and health. Emits the initial statuses. */
  start(): void {
    const { port } = this.options;
    for (const [index, c] of port.connectors.entries()) {
      if (c.plugged$) {
        let initial = true;
        this.subscriptions.push(
          c.plugged$.subscribe((plugged) => {
            this.send({ type: 'PlugChanged', index, plugged, initial });
            initial = false;
          }),
        );
      }
      if (c.relayFeedback$) this.subscriptions.push(c.relayFeedback$.subscribe((closed) => this.send({ type: 'ContactChanged', index, closed })));
      if (c.lockFeedback$) this.subscriptions.push(c.lockFeedback$.subscribe((locked) => this.send({ type: 'LockFeedback', index, locked })));
    }
    if (port.pilot) {
      this.subscriptions.push(port.pilot.reports$.subscribe((report) => this.send({ type: 'PilotChanged', report })));
      this.subscriptions.push(
        port.pilot.health$.subscribe((h) => {
          if (h.state === 'failed') this.send({ type: 'PilotHealth', failure: h.why ?? 'no answer' });
          else if (h.state === 'ok') this.send({ type: 'PilotHealth' });
        }),
      );
    }
    this.subscriptions.push(port.meter.readings$.subscribe((reading) => this.send({ type: 'Reading', reading })));
    this.subscriptions.push(
      port.meter.health$.subscribe((h) => {
        if (h.state === 'failed') this.send({ type: 'MeterFailed', why: h.lastFault?.message ?? 'the meter does not answer' });
      }),
    );
    if (port.meter.latest) this.send({ type: 'Reading', reading: port.meter.latest });
    this.send({ type: 'Started' });
  }

  /**
   * A transaction that was running when the agent stopped without ending it (a crash, a power
   * cut). Its relay stays open; once the meter answers it is resumed (when configured, the vehicle
   * is still plugged in and the meter has not gone backwards) or ended with PowerLoss.
   */
  recover(snapshot: TransactionSnapshot): void {
    this.send({ type: 'Recover', snapshot });
  }

  // ---- what the outside asks ----

  get authorizedBy(): Authorization | undefined {
    return this.state.authorization;
  }

  get transaction(): TransactionSnapshot | undefined {
    const tx = this.state.tx;
    return tx && !tx.ending ? { ...tx.snapshot } : undefined;
  }

  /** Whether any transaction (including one still ending) is on this EVSE. */
  get busy(): boolean {
    return this.state.tx !== undefined;
  }

  get isFaulted(): boolean {
    return this.state.connectors.every((_, i) => viewOf(this.state, i).status === 'Faulted');
  }

  get isOperative(): boolean {
    return this.state.availability.station && this.state.availability.evse;
  }

  get reservedFor(): Reservation | undefined {
    return this.state.reservation;
  }

  /** The OCPP connector types of its connectors. */
  get connectorTypes(): string[] {
    return this.options.port.connectors.map((c) => c.type ?? 'Unknown');
  }

  /** Latched by a safety trip and not yet released by a deliberate act (see trip-latch.ts). */
  get tripped(): boolean {
    return this.state.tripLatch.tripped;
  }

  /** The latch as it is (what tripped it last), for the local status. */
  get trip(): TripLatch {
    return this.state.tripLatch;
  }

  /** How many times a vehicle was plugged in since start (one found plugged in at start is not counted). */
  get plugIns(): number {
    return this.state.vehicleArrivals;
  }

  /** Shows the connectors Reserved while unspecified reservations need this EVSE (2.0.1 H01.FR.20/24). */
  holdForReservations(held: boolean): void {
    if (this.state.heldForReservations !== held) this.send({ type: 'HoldForReservations', held });
  }

  /** L01.FR.07: Unavailable while not in use and a firmware install waits; lifted when it no longer does. */
  holdForFirmware(held: boolean): void {
    // Sent even when the state says so already: a hold and its lifting may both wait in the queue.
    this.send({ type: 'HoldForFirmware', held });
  }

  /** Keeps the EVSE (or a connector) for one driver until the reservation expires, is used or cancelled. */
  reserve(reservation: Reservation): ReservationResult {
    const outcome = reservationOutcome(this.state, reservation);
    if (outcome === 'Accepted') this.send({ type: 'Reserve', reservation });
    return outcome;
  }

  /** Ends the reservation: used by its driver, expired, or cancelled by the CSMS. False when there is none. */
  endReservation(reason: 'Used' | 'Expired' | 'Cancelled' | 'Removed'): boolean {
    if (!this.state.reservation) return false;
    this.send({ type: 'EndReservation', reason });
    return true;
  }

  /**
   * Grants charging to an id token (after the authority accepted it, a remote start, or free mode).
   * False when refused: while a safety trip is active, or by free charging after a trip until the
   * vehicle has been unplugged (see trip-latch.ts).
   */
  authorize(auth: Authorization, trigger: TxTrigger = 'Authorized'): boolean {
    if (!this.mayBeAuthorized(auth.source)) return false;
    this.send({ type: 'Authorize', auth, trigger });
    return true;
  }

  /** Calls `then` once the inputs sent so far (an authorization from inside a listener, say) have been decided. */
  whenSettled(then: () => void): void {
    this.runner.whenSettled(then);
  }

  /** Whether an authorization of this kind would be granted now (see trip-latch.ts). */
  mayBeAuthorized(by: Authorization['source']): boolean {
    return mayBeAuthorized(this.state, by, this.safety);
  }

  /** Ends the authorization; the transaction ends or goes on per the stop points. */
  deauthorize(cause: Cause): void {
    if (this.state.authorization) this.send({ type: 'Deauthorize', cause });
  }

  /** Whether this token may end the current session: the same token, or one of its group (C09 / E07). */
  mayStop(idToken: IdToken, groupIdToken?: IdToken): boolean {
    return mayStop(this.state, idToken, groupIdToken);
  }

  /** The CSMS says the transaction's token is not (or no longer) valid (E06.FR.04, C15). */
  tokenRejected(): void {
    this.send({ type: 'TokenRejected' });
  }

  /** The limit smart charging and the local limits set, A per phase (undefined: none below maxCurrentA). */
  setChargingLimit(amps: number | undefined): void {
    this.send({ type: 'SetChargingLimit', amps });
  }

  /** The local "clear faults" action: what it cleared, and what stays with why (see faultClearing). */
  clearLatchedFaults(): FaultClearingOutcome {
    const outcome = faultClearing(this.state);
    this.send({ type: 'ClearLatchedFaults' });
    return outcome;
  }

  raiseFault(fault: FaultKind): void {
    this.send({ type: 'RaiseFault', fault });
  }

  clearFault(fault: FaultKind): void {
    this.send({ type: 'ClearFault', fault });
  }

  hasFault(fault: FaultKind): boolean {
    return this.state.faults.includes(fault);
  }

  /**
   * Sets availability at one level (G03/G04). Inoperative waits for a running transaction to end
   * (Scheduled); operative applies at once.
   */
  setAvailability(level: AvailabilityLevel, operative: boolean): 'Accepted' | 'Scheduled' {
    const outcome = availabilityOutcome(this.state, level, operative);
    this.send({ type: 'SetAvailability', level, operative });
    return outcome;
  }

  availabilityOf(connectorId?: number): { operative: boolean } {
    return { operative: connectorId === undefined ? this.isOperative : effectiveOperative(this.state.availability, connectorId) };
  }

  /** Ends the session now, e.g. for a reset, with its trigger and reason; resolves once the end is emitted. */
  abort(cause: StopCause): Promise<void> {
    this.send({ type: 'Abort', cause });
    return this.runner.endingDone;
  }

  stop(): void {
    this.runner.stop();
    for (const s of this.subscriptions) s.unsubscribe();
    for (const c of this.connectors) c.complete();
    this.authorizationSubject.complete();
  }
}
