import { randomUUID } from 'node:crypto';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import type { MeterReading } from './meter-reading.js';
import { Connector } from './connector.js';
import { fireAt, type ExpiryTimer } from './expiry-timer.js';
import { reservationMatches } from './reservation-desk.js';
import { initialConnectorInputs } from './connector-state.js';
import type { StationEvent, TransactionSnapshot } from './events.js';
import { DEFAULT_SAFETY, type ChargingSettings, type EvsePort, type SafetySettings } from './ports.js';
import { contactorFault, highestCurrentA, LATCHED_FAULTS, SESSION_FAULTS, watchOvercurrent, type OvercurrentWatch } from './supervision.js';
import { isTrippingFault, mayAuthorize, nextTripLatch, NOT_TRIPPED, TRIP_STOP_REASONS, type TripEvent, type TripLatch } from './trip-latch.js';
import { NOTHING_HELD, startPointReached, stopPointLost, updateHeld, type EvseConditions, type HeldDuringTransaction } from './tx-points.js';
import type { ChargingState, ConnectorStatus, FaultKind, IdToken, Reservation, ReservationResult, StopReason, TxTrigger } from './types.js';

/** Why the EVSE is re-evaluated: the transaction trigger it reports, and the stop reason if it ends one. */
export interface Cause {
  trigger: TxTrigger;
  stopReason?: StopReason;
  /** The id token presented to stop (StopAuthorized): a token of the group may stop another's session. */
  idToken?: IdToken;
}

/** A cause that stops a transaction whatever the stop points: it always has a reason. */
export type StopCause = Cause & Required<Pick<Cause, 'stopReason'>>;

/** Who may charge on this EVSE now. */
export interface Authorization {
  idToken: IdToken;
  groupIdToken?: IdToken;
  source: 'token' | 'remote' | 'free';
  remoteStartId?: number;
  /** A remote start may name the connector. */
  connectorId?: number;
  /** The reservation this authorization uses. */
  reservationId?: number;
}

interface ActiveTransaction {
  snapshot: TransactionSnapshot;
  held: HeldDuringTransaction;
  /** The id token has been reported to the CSMS (sent once, E03.FR.01). */
  idTokenReported: boolean;
  connectorReported: boolean;
  remoteStartReported: boolean;
  /**
   * The charging state the CSMS last heard for this transaction; every event after a change
   * carries the new one, Ended included (E01.FR.18, E02.FR.13). Undefined after a restart: the
   * first event then says it afresh.
   */
  reportedChargingState?: ChargingState;
  /** Set when authorization ended without ending the transaction; the reason it ends with later (F04.FR.03). */
  deauthorizedReason?: StopReason;
  ending: boolean;
  durationTimer?: TimerHandle;
  /** Found running after a restart: nothing is decided about it until the meter has answered. */
  recovering?: boolean;
  /** The CSMS rejected the id token and StopTxOnInvalidId is false: energy only up to MaxEnergyOnInvalidId. */
  invalidToken?: boolean;
}

const DEAUTHORIZING_TRIGGERS = new Set<TxTrigger>(['RemoteStop', 'StopAuthorized', 'Deauthorized', 'EVConnectTimeout', 'EnergyLimitReached', 'TimeLimitReached']);

const idTokensEqual = (a: IdToken | undefined, b: IdToken | undefined): boolean =>
  a !== undefined && b !== undefined && a.idToken === b.idToken && a.type === b.type;

/**
 * One EVSE: its connectors' state machines, who is authorized, and its transaction, started and
 * stopped at the configured points. Effects go out through the ports (relays) and as events.
 */
export class Evse {
  readonly connectors: Connector[];
  private readonly clock: Clock;
  private readonly newTransactionId: () => string;
  private authorization: Authorization | undefined;
  private tx: ActiveTransaction | undefined;
  private lastStatus = new Map<number, ConnectorStatus>();
  private readonly subscriptions: Subscription[] = [];
  private evConnectionTimer: TimerHandle | undefined;
  private idleSince: number | undefined;
  private evaluating = false;
  private pendingCause: Cause | undefined;
  private waitingForReading = false;
  /** Availability at each level: the station's, this EVSE's, each connector's. */
  private stationOperative = true;
  private evseOperative = true;
  private readonly connectorOperative = new Map<number, boolean>();
  /** Availability changes waiting for the transaction to end (G03.FR.03/G04). */
  private scheduled: Array<() => void> = [];
  private readonly faults = new Set<FaultKind>();
  /** Set by a safety trip; energy comes back only after a deliberate act (see trip-latch.ts). */
  private tripLatch: TripLatch = NOT_TRIPPED;
  private vehicleArrivals = 0;
  /** Per connector: what its contactor's coil was last told, what its feedback contact says (undefined: not wired), and the timer giving them time to agree. */
  private readonly contactors: Array<{ coil: boolean; contact?: boolean; timer?: TimerHandle }>;
  private overcurrentWatch: OvercurrentWatch = {};
  /** A stop decided outside the stop points (a safety fault, a reset), carried out at the next step. */
  private forcedStop: StopCause | undefined;
  private ending: Promise<void> = Promise.resolve();
  private closed = false;
  private reservation: Reservation | undefined;
  private reservationTimer: ExpiryTimer | undefined;
  /** Kept free for reservations of no particular EVSE (see ReservationDesk): Reserved for everyone else. */
  private heldForReservations = false;
  private readonly authorizationSubject = new BehaviorSubject<Authorization | undefined>(undefined);
  /**
   * Who may charge, after each decision in which it changed. An authorization before a vehicle is
   * plugged in changes no connector (it reaches the connector the vehicle will use), yet 1.6
   * reports such a connector as Preparing: its adapter follows this.
   */
  readonly authorization$: Observable<Authorization | undefined> = this.authorizationSubject.asObservable();

  constructor(
    private readonly port: EvsePort,
    private readonly settings: () => ChargingSettings,
    private readonly emit: (event: StationEvent) => void,
    initialOperative: { station: boolean; evse: boolean; connectors: Record<number, boolean> } = { station: true, evse: true, connectors: {} },
    private readonly safety: SafetySettings = DEFAULT_SAFETY,
    /** Where the trip latch is kept: a restart (a crash, a power cut) is no deliberate act either. */
    private readonly latchStore: { initial: TripLatch; save(latch: TripLatch): void } = { initial: NOT_TRIPPED, save: () => undefined },
    /** Time and transaction ids come from outside, so that tests run on fake time with known ids. */
    time: { clock?: Clock; newTransactionId?: () => string } = {},
  ) {
    this.clock = time.clock ?? systemClock;
    this.newTransactionId = time.newTransactionId ?? randomUUID;
    this.tripLatch = latchStore.initial;
    this.contactors = port.connectors.map(() => ({ coil: false }));
    this.stationOperative = initialOperative.station;
    this.evseOperative = initialOperative.evse;
    this.connectors = port.connectors.map((c) => {
      const operative = initialOperative.connectors[c.connectorId] ?? true;
      this.connectorOperative.set(c.connectorId, operative);
      return new Connector(port.evseId, c.connectorId, initialConnectorInputs(port.maxCurrentA, this.effectiveOperative(c.connectorId)));
    });
  }

  get id(): number {
    return this.port.evseId;
  }

  /** Starts following the hardware: plugs, meter readings and health. Emits the initial statuses. */
  start(): void {
    for (const [i, c] of this.port.connectors.entries()) {
      const connector = this.connectors[i]!;
      if (c.plugged$) {
        // The first reading is how the cable was found at start, not a vehicle arriving.
        let firstReading = true;
        this.subscriptions.push(
          c.plugged$.subscribe((plugged) => {
            const was = connector.inputs.plugged;
            const arrived = plugged && !firstReading && !this.connectors.some((x) => x.inputs.plugged);
            firstReading = false;
            if (was === plugged) return;
            // Before the dispatch: free charging authorizes on the status change the plug causes.
            if (arrived) {
              this.vehicleArrivals++;
              this.updateTripLatch({ type: 'VehicleArrived', trippingFaultActive: this.trippingFaultActive });
            }
            connector.dispatch({ type: plugged ? 'Plugged' : 'Unplugged' });
            this.evaluate({ trigger: plugged ? 'CablePluggedIn' : 'EVCommunicationLost', stopReason: 'EVDisconnected' });
            if (!plugged && !this.connectors.some((x) => x.inputs.plugged)) {
              this.endSessionFaults('the vehicle left');
              this.updateTripLatch({ type: 'VehicleLeft', trippingFaultActive: this.trippingFaultActive });
            }
          }),
        );
      }
      if (c.relayFeedback$) {
        this.subscriptions.push(
          c.relayFeedback$.subscribe((closed) => {
            this.contactors[i]!.contact = closed;
            this.superviseContactor(i);
          }),
        );
      }
    }
    this.subscriptions.push(this.port.meter.readings$.subscribe((r) => this.onReading(r)));
    this.subscriptions.push(
      this.port.meter.health$.subscribe((h) => {
        if (h.state === 'failed') this.onMeterFailed(h.lastFault?.message ?? 'the meter does not answer');
      }),
    );
    if (this.port.meter.latest) this.onReading(this.port.meter.latest);
    this.evaluate({ trigger: 'Trigger' });
  }

  /**
   * A transaction that was running when the agent stopped without ending it (a crash, a power
   * cut). Its relay stays open; once the meter answers it is resumed (when configured, the vehicle
   * is still plugged in and the meter has not gone backwards) or ended with PowerLoss.
   */
  recover(snapshot: TransactionSnapshot): void {
    this.tx = {
      snapshot: { ...snapshot },
      held: { evConnected: snapshot.connectorId !== undefined, authorized: snapshot.idToken !== undefined, powerPathClosed: false, energyTransfer: false },
      idTokenReported: true,
      connectorReported: snapshot.connectorId !== undefined,
      remoteStartReported: true,
      ending: false,
      recovering: true,
    };
  }

  private decideRecovery(reading: MeterReading): void {
    const tx = this.tx;
    if (!tx?.recovering) return;
    tx.recovering = false;
    const s = this.settings();
    const connector = this.connectors.find((c) => c.connectorId === tx.snapshot.connectorId);
    const idToken = tx.snapshot.idToken;
    if (s.resumeAfterPowerLoss && connector?.inputs.plugged && idToken && reading.energyImportWh >= tx.snapshot.meterStartWh) {
      this.authorization = {
        idToken,
        ...(tx.snapshot.groupIdToken ? { groupIdToken: tx.snapshot.groupIdToken } : {}),
        source: 'token',
        connectorId: connector.connectorId,
      };
      this.evaluate({ trigger: 'ChargingStateChanged' });
      return;
    }
    this.forcedStop = { trigger: 'AbnormalCondition', stopReason: 'PowerLoss' };
    this.evaluate({ trigger: 'AbnormalCondition' });
  }

  // ---- what the outside tells the EVSE ----

  get authorizedBy(): Authorization | undefined {
    return this.authorization;
  }

  get transaction(): TransactionSnapshot | undefined {
    return this.tx && !this.tx.ending ? { ...this.tx.snapshot } : undefined;
  }

  /** Whether any transaction (including one still ending) is on this EVSE. */
  get busy(): boolean {
    return this.tx !== undefined;
  }

  get isFaulted(): boolean {
    return this.connectors.every((c) => c.view.status === 'Faulted');
  }

  get isOperative(): boolean {
    return this.stationOperative && this.evseOperative;
  }

  /** The connector a session uses: the named one, else the plugged one. */
  private sessionConnector(): Connector | undefined {
    const named = this.authorization?.connectorId ?? this.tx?.snapshot.connectorId;
    if (named !== undefined) return this.connectors.find((c) => c.connectorId === named);
    return this.connectors.find((c) => c.inputs.plugged);
  }

  // ---- reservations ----

  get reservedFor(): Reservation | undefined {
    return this.reservation;
  }

  /** The OCPP connector types of its connectors. */
  get connectorTypes(): string[] {
    return this.port.connectors.map((c) => c.type ?? 'Unknown');
  }

  /** Shows the connectors Reserved while unspecified reservations need this EVSE (2.0.1 H01.FR.20/24). */
  holdForReservations(held: boolean): void {
    if (this.heldForReservations === held || this.closed) return;
    this.heldForReservations = held;
    this.showReserved();
    this.evaluate({ trigger: 'Trigger' });
  }

  /** Which connectors show Reserved: those of this EVSE's own reservation, or all while held. */
  private showReserved(): void {
    const r = this.reservation;
    for (const c of this.connectors) {
      const reserved = this.heldForReservations || (r !== undefined && (r.connectorId === undefined || r.connectorId === c.connectorId));
      c.dispatch({ type: reserved ? 'ReservationPlaced' : 'ReservationEnded' });
    }
  }

  /** Keeps the EVSE (or a connector) for one driver until the reservation expires, is used or cancelled. */
  reserve(reservation: Reservation): ReservationResult {
    const targets = this.connectors.filter((c) => reservation.connectorId === undefined || c.connectorId === reservation.connectorId);
    if (targets.length === 0) return 'Rejected';
    if (targets.every((c) => c.view.status === 'Faulted')) return 'Faulted';
    if (targets.every((c) => c.view.status === 'Unavailable')) return 'Unavailable';
    const sameId = this.reservation?.id === reservation.id;
    if ((this.reservation && !sameId) || this.authorization || this.tx || targets.some((c) => c.inputs.plugged)) return 'Occupied';
    if (sameId) this.clearReservation();
    this.reservation = reservation;
    this.showReserved();
    this.reservationTimer = fireAt(this.clock, reservation.expiresAt, () => this.endReservation('Expired'));
    this.evaluate({ trigger: 'Trigger' });
    return 'Accepted';
  }

  private clearReservation(): Reservation | undefined {
    const r = this.reservation;
    if (!r) return undefined;
    this.reservation = undefined;
    this.reservationTimer?.cancel();
    this.reservationTimer = undefined;
    this.showReserved();
    return r;
  }

  /** Ends the reservation: used by its driver, expired, or cancelled by the CSMS. */
  endReservation(reason: 'Used' | 'Expired' | 'Cancelled' | 'Removed'): boolean {
    const r = this.clearReservation();
    if (!r) return false;
    // The connectors' new status first, then the end (2.0.1 H04: StatusNotification, then ReservationStatusUpdate).
    this.evaluate({ trigger: 'Trigger' });
    this.emit({ type: 'ReservationEnded', evseId: this.id, reservationId: r.id, reason, timestamp: this.clock.now() });
    return true;
  }

  /**
   * Grants charging to an id token (after the authority accepted it, a remote start, or free mode).
   * False when refused: while a safety trip is active, or by free charging after a trip until the
   * vehicle has been unplugged (see trip-latch.ts).
   */
  authorize(auth: Authorization, trigger: TxTrigger = 'Authorized'): boolean {
    if (this.closed) return false;
    if (!this.mayBeAuthorized(auth.source)) return false;
    this.updateTripLatch({ type: 'Authorized', by: auth.source, trippingFaultActive: false });
    // The reserved driver arrived: the reservation is used by this session.
    if (this.reservation && reservationMatches(this.reservation, auth.idToken, auth.groupIdToken)) {
      auth = { ...auth, reservationId: this.reservation.id };
      this.clearReservation();
      this.emit({ type: 'ReservationEnded', evseId: this.id, reservationId: auth.reservationId!, reason: 'Used', timestamp: this.clock.now() });
    }
    this.authorization = auth;
    this.armEvConnectionTimeout();
    this.evaluate({ trigger });
    return true;
  }

  /** Latched by a safety trip and not yet released by a deliberate act (see trip-latch.ts). */
  get tripped(): boolean {
    return this.tripLatch.tripped;
  }

  /** How many times a vehicle was plugged in since start (one found plugged in at start is not counted). */
  get plugIns(): number {
    return this.vehicleArrivals;
  }

  /** The latch as it is (what tripped it last), for the local status. */
  get trip(): TripLatch {
    return this.tripLatch;
  }

  /** Whether an authorization of this kind would be granted now (see trip-latch.ts). */
  mayBeAuthorized(by: Authorization['source']): boolean {
    return mayAuthorize(this.tripLatch, by, this.trippingFaultActive, this.safety.resumeAfterTrip);
  }

  private get trippingFaultActive(): boolean {
    return [...this.faults].some(isTrippingFault);
  }

  private updateTripLatch(event: TripEvent): void {
    const before = this.tripLatch;
    this.tripLatch = nextTripLatch(before, event, this.safety.resumeAfterTrip);
    if (this.tripLatch.tripped !== before.tripped || this.tripLatch.cause !== before.cause) this.latchStore.save(this.tripLatch);
  }

  /** Ends the authorization; the transaction ends or goes on per the stop points. */
  deauthorize(cause: Cause): void {
    if (!this.authorization) return;
    this.authorization = undefined;
    this.clearEvConnectionTimeout();
    if (this.tx && !this.tx.ending && cause.stopReason) this.tx.deauthorizedReason = cause.stopReason;
    this.evaluate(cause);
  }

  /** Whether this token may end the current session: the same token, or one of its group (C09 / E07). */
  mayStop(idToken: IdToken, groupIdToken?: IdToken): boolean {
    const auth = this.authorization;
    const txToken = this.tx?.snapshot.idToken;
    const sessionGroup = auth?.groupIdToken ?? this.tx?.snapshot.groupIdToken;
    return (
      idTokensEqual(idToken, auth?.idToken) ||
      idTokensEqual(idToken, txToken) ||
      (groupIdToken !== undefined && idTokensEqual(groupIdToken, sessionGroup))
    );
  }

  /** The CSMS says the transaction's token is not (or no longer) valid (E06.FR.04, C15). */
  tokenRejected(): void {
    if (!this.tx) return;
    if (this.settings().stopTxOnInvalidId) {
      this.deauthorize({ trigger: 'Deauthorized', stopReason: 'DeAuthorized' });
      return;
    }
    // E05.FR.02/03: the transaction goes on, but energy flows only until MaxEnergyOnInvalidId.
    this.tx.invalidToken = true;
    this.limitInvalidTokenEnergy();
  }

  /** Suspends the energy (SuspendedEVSE) of a transaction with a rejected token once it had its allowance. */
  private limitInvalidTokenEnergy(): void {
    const tx = this.tx;
    if (!tx?.invalidToken || tx.ending || tx.snapshot.energyWh < (this.settings().maxEnergyOnInvalidIdWh ?? 0)) return;
    if (this.connectors.every((c) => c.inputs.currentLimitA === 0)) return;
    for (const c of this.connectors) c.dispatch({ type: 'CurrentLimitChanged', amps: 0 });
    this.evaluate({ trigger: 'ChargingStateChanged' });
  }

  /** A fault this EVSE found itself (contactor, overcurrent): raised, and told as an event. */
  private raiseOwnFault(fault: FaultKind, detail: string): void {
    if (this.faults.has(fault)) return;
    this.raiseFault(fault);
    this.tellFault(fault, true, detail);
  }

  private clearOwnFault(fault: FaultKind, detail: string): void {
    if (!this.faults.has(fault)) return;
    this.clearFault(fault);
    this.tellFault(fault, false, detail);
  }

  private tellFault(fault: FaultKind, active: boolean, detail: string): void {
    this.emit({ type: 'FaultChanged', evseId: this.id, fault, active, detail, timestamp: this.clock.now() });
  }

  /** The vehicle left: the faults of its session (a contactor that did not close, overcurrent) go with it. */
  private endSessionFaults(detail: string): void {
    for (const fault of SESSION_FAULTS) {
      const connector = this.contactorFaultBlocker(fault);
      if (!connector) this.clearOwnFault(fault, detail);
    }
  }

  /**
   * The local "clear faults" action (an installer on site, after a check): clears the faults that
   * do not clear by themselves. A contactor fault stays while its feedback still disagrees; faults
   * of inputs (emergency stop, RCD) and of the meter follow their source and are not touched.
   * Returns what was cleared and what stays, with why.
   */
  clearLatchedFaults(): { cleared: FaultKind[]; remaining: Array<{ fault: FaultKind; reason: string }> } {
    const cleared: FaultKind[] = [];
    const remaining: Array<{ fault: FaultKind; reason: string }> = [];
    for (const fault of [...this.faults]) {
      if (!LATCHED_FAULTS.has(fault) && !SESSION_FAULTS.has(fault)) {
        remaining.push({ fault, reason: 'follows its input; it clears when the input is released' });
        continue;
      }
      const blocker = this.contactorFaultBlocker(fault);
      if (blocker) {
        remaining.push({ fault, reason: blocker });
        continue;
      }
      this.clearOwnFault(fault, 'cleared by the local action');
      cleared.push(fault);
    }
    return { cleared, remaining };
  }

  /** Why a contactor fault cannot be cleared yet: its feedback still disagrees with the coil. */
  private contactorFaultBlocker(fault: FaultKind): string | undefined {
    if (fault !== 'contactor-welded' && fault !== 'contactor-failed') return undefined;
    const i = this.contactors.findIndex((k) => k.contact !== undefined && contactorFault(k.coil, k.contact) === fault);
    return i >= 0 ? `connector ${this.connectors[i]!.connectorId}: the feedback contact still disagrees with the coil` : undefined;
  }

  /**
   * Compares a contactor's feedback with its coil once it had contactorFeedbackTimeoutMs to follow
   * a switch: a lasting disagreement is a fault (welded, or failed to close).
   */
  private superviseContactor(i: number): void {
    const k = this.contactors[i]!;
    if (k.contact === undefined || this.closed) return;
    if (!contactorFault(k.coil, k.contact)) {
      k.timer?.cancel();
      k.timer = undefined;
      return;
    }
    if (k.timer) return;
    k.timer = this.clock.setTimeout(() => {
      k.timer = undefined;
      const fault = k.contact === undefined ? undefined : contactorFault(k.coil, k.contact);
      if (!fault) return;
      const connectorId = this.connectors[i]!.connectorId;
      const detail =
        fault === 'contactor-welded'
          ? `connector ${connectorId}: contactor welded (its feedback reports it closed ${this.safety.contactorFeedbackTimeoutMs} ms after it was released)`
          : `connector ${connectorId}: contactor failed to close (its feedback reports it open ${this.safety.contactorFeedbackTimeoutMs} ms after it was energised)`;
      this.raiseOwnFault(fault, detail);
    }, this.safety.contactorFeedbackTimeoutMs);
  }

  raiseFault(fault: FaultKind): void {
    if (this.faults.has(fault)) return;
    this.faults.add(fault);
    for (const c of this.connectors) c.dispatch({ type: 'FaultRaised', fault });
    const reason = TRIP_STOP_REASONS[fault];
    if (reason) this.forceStop({ trigger: 'AbnormalCondition', stopReason: reason });
    this.evaluate({ trigger: 'AbnormalCondition' });
    // After the relay opened (evaluate): the latch is saved (Station writes it to disk before the
    // next turn of the event loop). Nothing can authorize in between, since the fault is already active.
    this.updateTripLatch({ type: 'FaultRaised', fault });
  }

  clearFault(fault: FaultKind): void {
    if (!this.faults.delete(fault)) return;
    for (const c of this.connectors) c.dispatch({ type: 'FaultCleared', fault });
    this.evaluate({ trigger: 'ChargingStateChanged' });
  }

  hasFault(fault: FaultKind): boolean {
    return this.faults.has(fault);
  }

  private effectiveOperative(connectorId: number): boolean {
    return this.stationOperative && this.evseOperative && (this.connectorOperative.get(connectorId) ?? true);
  }

  private applyAvailability(): void {
    for (const c of this.connectors) c.dispatch({ type: 'AvailabilityChanged', operative: this.effectiveOperative(c.connectorId) });
  }

  /**
   * Sets availability at one level (G03/G04). Inoperative waits for a running transaction to end
   * (Scheduled); operative applies at once.
   */
  setAvailability(level: 'station' | 'evse' | { connectorId: number }, operative: boolean): 'Accepted' | 'Scheduled' {
    const apply = (): void => {
      if (level === 'station') this.stationOperative = operative;
      else if (level === 'evse') this.evseOperative = operative;
      else this.connectorOperative.set(level.connectorId, operative);
      this.applyAvailability();
    };
    const affectsSession =
      this.tx !== undefined && (typeof level === 'string' || level.connectorId === (this.tx.snapshot.connectorId ?? level.connectorId));
    if (!operative && affectsSession) {
      this.scheduled.push(apply);
      return 'Scheduled';
    }
    // A change that supersedes a scheduled one at the same level must not be undone by it later.
    this.scheduled = [];
    apply();
    this.evaluate({ trigger: 'Trigger' });
    return 'Accepted';
  }

  availabilityOf(connectorId?: number): { operative: boolean } {
    return { operative: connectorId === undefined ? this.isOperative : this.effectiveOperative(connectorId) };
  }

  /** Ends the session now, e.g. for a reset, with its trigger and reason. */
  abort(cause: StopCause): Promise<void> {
    this.forceStop(cause);
    this.evaluate(cause);
    return this.ending;
  }

  /** Ends the authorization and, at the next step, the transaction, whatever the stop points. */
  private forceStop(cause: StopCause): void {
    if (this.authorization) {
      this.authorization = undefined;
      this.clearEvConnectionTimeout();
    }
    if (this.tx && !this.tx.ending) this.forcedStop = cause;
  }

  // ---- timers and meter ----

  private armEvConnectionTimeout(): void {
    this.clearEvConnectionTimeout();
    if (this.connectors.some((c) => c.inputs.plugged)) return;
    const s = this.settings().evConnectionTimeoutS;
    if (s <= 0) return;
    // E03.FR.05 / F02.FR.07: an authorization without a cable does not wait for ever.
    this.evConnectionTimer = this.clock.setTimeout(() => {
      this.evConnectionTimer = undefined;
      if (!this.connectors.some((c) => c.inputs.plugged)) this.deauthorize({ trigger: 'EVConnectTimeout', stopReason: 'Timeout' });
    }, s * 1000);
  }

  private clearEvConnectionTimeout(): void {
    this.evConnectionTimer?.cancel();
    this.evConnectionTimer = undefined;
  }

  private get meterFailed(): boolean {
    return this.connectors.some((c) => c.inputs.meter === 'failed');
  }

  private onMeterFailed(why: string): void {
    const fresh = !this.meterFailed;
    for (const c of this.connectors) c.dispatch({ type: 'MeterFailed' });
    if (this.settings().onMeterFailure === 'stop') this.forceStop({ trigger: 'AbnormalCondition', stopReason: 'Other' });
    this.evaluate({ trigger: 'AbnormalCondition' });
    // Told after the relays opened (evaluate), so telling cannot delay them.
    if (fresh) this.tellFault('meter', true, why);
  }

  private onReading(r: MeterReading): void {
    const wasReady = this.connectors.every((c) => c.inputs.meter === 'ok');
    const wasFailed = this.meterFailed;
    if (!wasReady) for (const c of this.connectors) c.dispatch({ type: 'MeterRecovered' });
    if (wasFailed) this.tellFault('meter', false, 'the meter answers again');
    this.superviseCurrent(r);
    if (this.tx?.recovering) {
      this.decideRecovery(r);
      return;
    }
    const tx = this.tx;
    if (tx && !tx.ending) {
      tx.snapshot.energyWh = Math.max(0, r.energyImportWh - tx.snapshot.meterStartWh);
      this.limitInvalidTokenEnergy();
      const limit = this.settings().maxEnergyWh;
      if (limit !== undefined && tx.snapshot.energyWh >= limit && this.authorization) {
        this.deauthorize({ trigger: 'EnergyLimitReached', stopReason: 'EnergyLimitReached' });
        return;
      }
    }
    this.detectEvDemand(r);
    if (!wasReady || this.waitingForReading) this.evaluate({ trigger: 'Trigger' });
  }

  /** Overcurrent (see watchOvercurrent): the relay opens and the session ends (OvercurrentFault). */
  private superviseCurrent(r: MeterReading): void {
    const verdict = watchOvercurrent(this.overcurrentWatch, r, this.port.maxCurrentA, this.safety);
    this.overcurrentWatch = verdict.watch;
    const trip = verdict.trip;
    if (!trip || this.faults.has('overcurrent')) return;
    this.raiseOwnFault('overcurrent', `${trip.amps.toFixed(1)} A for ${trip.forS.toFixed(1)} s, above ${trip.thresholdA.toFixed(1)} A (maxCurrentA ${this.port.maxCurrentA} A + ${this.safety.overcurrentMarginPercent}%)`);
  }

  /**
   * Without a control pilot, the meter tells whether the EV takes energy: with the relay closed,
   * current below evIdleCurrentA on every phase for evIdleAfterS means the EV suspended.
   */
  private detectEvDemand(r: MeterReading): void {
    const connector = this.connectors.find((c) => c.view.relayClosed);
    if (!connector) {
      this.idleSince = undefined;
      return;
    }
    const s = this.settings();
    const amps = highestCurrentA(r);
    const now = r.timestamp.getTime();
    if (amps >= s.evIdleCurrentA) {
      this.idleSince = undefined;
      if (connector.inputs.evSuspended) {
        connector.dispatch({ type: 'EvReady' });
        this.evaluate({ trigger: 'ChargingStateChanged' });
      }
      return;
    }
    this.idleSince ??= now;
    if (!connector.inputs.evSuspended && now - this.idleSince >= s.evIdleAfterS * 1000) {
      connector.dispatch({ type: 'EvSuspended' });
      this.evaluate({ trigger: 'ChargingStateChanged' });
    }
  }

  // ---- the decision ----

  private conditions(): EvseConditions {
    const session = this.sessionConnector();
    const view = session?.view;
    return {
      evConnected: this.connectors.some((c) => c.inputs.plugged),
      authorized: this.authorization !== undefined,
      powerPathClosed: view?.relayClosed ?? false,
      energyTransfer: view?.chargingState === 'Charging',
    };
  }

  /** Re-derives everything after a change: connector inputs, relays, statuses, the transaction. */
  evaluate(cause: Cause): void {
    if (this.closed) return;
    if (this.evaluating) {
      this.pendingCause = cause;
      return;
    }
    this.evaluating = true;
    try {
      let next: Cause | undefined = cause;
      while (next) {
        this.pendingCause = undefined;
        this.step(next);
        next = this.pendingCause;
      }
    } finally {
      this.evaluating = false;
    }
    if (this.authorizationSubject.value !== this.authorization) this.authorizationSubject.next(this.authorization);
  }

  /**
   * One decision: inputs and statuses first, then the transaction, then the relays. A transaction
   * that starts is announced (and journaled by whoever listens) before its relay closes, so no
   * energy ever flows outside a recorded transaction.
   */
  private step(cause: Cause): void {
    // Safety before bookkeeping: a relay that must open opens now, before any event is emitted
    // (whoever listens, sockets and disk included, cannot delay it). Closing waits for the end.
    this.openRelays();
    this.syncConnectors();
    this.transactionStep(cause);
    this.applyRelays();
  }

  /** Opens the relays the connectors' states no longer allow closed; closes none. */
  private openRelays(): void {
    for (const [i, c] of this.connectors.entries()) if (this.contactors[i]!.coil && !c.view.relayClosed) this.setCoil(i, false);
  }

  private applyRelays(): void {
    for (const [i, c] of this.connectors.entries()) this.setCoil(i, c.view.relayClosed);
  }

  /** Drives a connector's relay, and has its contactor's feedback watched from each switch on. */
  private setCoil(i: number, energised: boolean): void {
    this.port.connectors[i]!.setRelay(energised);
    const k = this.contactors[i]!;
    if (k.coil === energised) return;
    k.coil = energised;
    this.superviseContactor(i);
  }

  /** Brings the connectors' inputs up to date and reports status changes. */
  private syncConnectors(): void {
    const session = this.sessionConnector();
    // The authorization reaches the session's connector; the others wait while it is in use.
    for (const c of this.connectors) {
      const isSession = c === session;
      c.dispatch({ type: isSession && this.authorization ? 'Authorized' : 'AuthorizationEnded' });
      const inUse = session !== undefined && !isSession && (session.inputs.plugged || this.tx !== undefined);
      c.dispatch({ type: 'SiblingInUse', inUse });
    }
    if (this.connectors.some((c) => c.inputs.plugged)) this.clearEvConnectionTimeout();
    const now = this.clock.now();
    for (const c of this.connectors) {
      // G01.FR.05: when the EV leaves a connector that is scheduled to become Unavailable once the
      // transaction ends (G03.FR.05), it is reported Unavailable, never Available in between.
      const status = c.view.status === 'Available' && this.tx !== undefined && this.scheduled.length > 0 ? 'Unavailable' : c.view.status;
      if (this.lastStatus.get(c.connectorId) !== status) {
        this.lastStatus.set(c.connectorId, status);
        this.emit({ type: 'ConnectorStatusChanged', evseId: this.id, connectorId: c.connectorId, status, timestamp: now });
      }
    }
  }

  private transactionStep(cause: Cause): void {
    const now = this.clock.now();
    const s = this.settings();
    const c = this.conditions();
    const session = this.sessionConnector();
    const chargingState = session?.view.chargingState ?? 'Idle';
    const tx = this.tx;
    if (!tx) {
      const point = startPointReached(s.txStartPoints, c);
      if (!point) return;
      const reading = this.port.meter.latest;
      if (!reading) {
        // E01 needs a meter start value: start as soon as the first reading arrives.
        this.waitingForReading = true;
        return;
      }
      this.waitingForReading = false;
      this.startTransaction(cause, chargingState, reading, now);
      return;
    }
    if (tx.ending || tx.recovering) return;
    tx.held = updateHeld(tx.held, c);
    tx.snapshot.chargingState = chargingState;
    const forced = this.forcedStop;
    if (forced || stopPointLost(s.txStopPoints, c, tx.held)) {
      this.forcedStop = undefined;
      // A transaction's end ends its authorization; the relay opens before the final reading.
      this.authorization = undefined;
      this.clearEvConnectionTimeout();
      this.syncConnectors();
      // The relay opens before the final reading is taken.
      this.applyRelays();
      this.ending = this.endTransaction(forced ?? cause);
      return;
    }
    const update: Partial<Pick<TransactionEventOut, 'chargingState' | 'idToken' | 'connectorId' | 'remoteStartId' | 'reservationId'>> = {};
    if (chargingState !== tx.reportedChargingState) update.chargingState = chargingState;
    const auth = this.authorization;
    if (auth && !tx.idTokenReported) {
      tx.snapshot.idToken = auth.idToken;
      if (auth.groupIdToken) tx.snapshot.groupIdToken = auth.groupIdToken;
      update.idToken = auth.idToken;
      tx.idTokenReported = true;
      // E02.FR.03: the reservation the authorization used, in the same message.
      if (auth.reservationId !== undefined) {
        tx.snapshot.reservationId = auth.reservationId;
        update.reservationId = auth.reservationId;
      }
    }
    if (auth?.remoteStartId !== undefined && !tx.remoteStartReported) {
      tx.snapshot.remoteStartId = auth.remoteStartId;
      update.remoteStartId = auth.remoteStartId;
      tx.remoteStartReported = true;
    }
    if (session?.inputs.plugged && !tx.connectorReported) {
      tx.snapshot.connectorId = session.connectorId;
      update.connectorId = session.connectorId;
      tx.connectorReported = true;
    }
    // Ending an authorization is news for the CSMS even when nothing else changed (F03.FR.02).
    const deauthorizing = DEAUTHORIZING_TRIGGERS.has(cause.trigger);
    if (Object.keys(update).length === 0 && !deauthorizing) return;
    tx.reportedChargingState = chargingState;
    this.emit({
      type: 'TransactionUpdated',
      evseId: this.id,
      transaction: { ...tx.snapshot },
      // F02.FR.21: the first event after a remote start says so, whatever else happened with it.
      trigger: update.remoteStartId !== undefined ? 'RemoteStart' : cause.trigger === 'Trigger' ? 'ChargingStateChanged' : cause.trigger,
      timestamp: now,
      ...update,
    });
  }

  private startTransaction(cause: Cause, chargingState: ChargingState, reading: MeterReading, now: Date): void {
    const auth = this.authorization;
    const session = this.sessionConnector();
    const connectorId = session?.inputs.plugged ? session.connectorId : undefined;
    const snapshot: TransactionSnapshot = {
      id: this.newTransactionId(),
      evseId: this.id,
      ...(connectorId !== undefined ? { connectorId } : {}),
      startedAt: now,
      meterStartWh: reading.energyImportWh,
      ...(auth ? { idToken: auth.idToken } : {}),
      ...(auth?.groupIdToken ? { groupIdToken: auth.groupIdToken } : {}),
      ...(auth?.remoteStartId !== undefined ? { remoteStartId: auth.remoteStartId } : {}),
      ...(auth?.reservationId !== undefined ? { reservationId: auth.reservationId } : {}),
      chargingState,
      energyWh: 0,
    };
    const tx: ActiveTransaction = {
      snapshot,
      held: updateHeld(NOTHING_HELD, this.conditions()),
      idTokenReported: auth !== undefined,
      connectorReported: connectorId !== undefined,
      remoteStartReported: auth?.remoteStartId !== undefined,
      reportedChargingState: chargingState,
      ending: false,
    };
    this.tx = tx;
    const maxS = this.settings().maxDurationS;
    if (maxS !== undefined) {
      tx.durationTimer = this.clock.setTimeout(() => {
        if (this.tx === tx && !tx.ending) this.deauthorize({ trigger: 'TimeLimitReached', stopReason: 'TimeLimitReached' });
      }, maxS * 1000);
    }
    const trigger: TxTrigger =
      auth?.remoteStartId !== undefined ? 'RemoteStart' : cause.trigger === 'Trigger' ? 'ChargingStateChanged' : cause.trigger;
    this.emit({
      type: 'TransactionStarted',
      evseId: this.id,
      transaction: { ...snapshot },
      trigger,
      timestamp: now,
      chargingState,
      ...(auth ? { idToken: auth.idToken } : {}),
      ...(connectorId !== undefined ? { connectorId } : {}),
      ...(auth?.remoteStartId !== undefined ? { remoteStartId: auth.remoteStartId } : {}),
      ...(auth?.reservationId !== undefined ? { reservationId: auth.reservationId } : {}),
      reading,
    });
  }

  /**
   * Ends the transaction: the relay is already open (authorization gone or EV unplugged), so a
   * fresh reading taken now holds all the energy of the transaction and none of the next.
   */
  private endTransaction(cause: Cause): Promise<void> {
    const tx = this.tx;
    if (!tx || tx.ending) return Promise.resolve();
    tx.ending = true;
    tx.durationTimer?.cancel();
    const reason: StopReason = cause.stopReason ?? tx.deauthorizedReason ?? 'Other';
    // A cause that only ends the authorization keeps the reason it was deauthorized for (F04.FR.03).
    const stoppedReason = cause.trigger === 'EVCommunicationLost' && tx.deauthorizedReason ? tx.deauthorizedReason : reason;
    return (async () => {
      const fresh = await this.port.meter.poll().catch(() => undefined);
      const reading = fresh ?? this.port.meter.latest;
      const now = this.clock.now();
      const meterStopWh = Math.max(tx.snapshot.meterStartWh, reading?.energyImportWh ?? tx.snapshot.meterStartWh);
      const session = this.connectors.find((c) => c.connectorId === tx.snapshot.connectorId);
      const chargingState = session?.view.chargingState ?? 'Idle';
      const snapshot: TransactionSnapshot = {
        ...tx.snapshot,
        chargingState,
        energyWh: meterStopWh - tx.snapshot.meterStartWh,
        endedAt: now,
        meterStopWh,
        stoppedReason,
      };
      this.tx = undefined;
      // The next session gets energy again.
      if (tx.invalidToken) for (const c of this.connectors) c.dispatch({ type: 'CurrentLimitChanged', amps: this.port.maxCurrentA });
      this.emit({
        type: 'TransactionEnded',
        evseId: this.id,
        transaction: snapshot,
        trigger: cause.trigger === 'Trigger' ? 'ChargingStateChanged' : cause.trigger,
        timestamp: now,
        stoppedReason,
        // Idle when the vehicle left, EVConnected when a stop ended it with the cable still in.
        ...(chargingState !== tx.reportedChargingState ? { chargingState } : {}),
        // The token that stopped it (1.6 StopTransaction.idTag), which may be another of the group.
        ...(cause.trigger === 'StopAuthorized' && (cause.idToken ?? tx.snapshot.idToken) ? { idToken: cause.idToken ?? tx.snapshot.idToken } : {}),
        ...(reading ? { reading } : {}),
      });
      const scheduled = this.scheduled;
      this.scheduled = [];
      for (const apply of scheduled) apply();
      this.evaluate({ trigger: 'Trigger' });
    })();
  }

  stop(): void {
    this.closed = true;
    this.reservationTimer?.cancel();
    this.clearEvConnectionTimeout();
    this.tx?.durationTimer?.cancel();
    for (const k of this.contactors) k.timer?.cancel();
    for (const s of this.subscriptions) s.unsubscribe();
    for (const [i] of this.connectors.entries()) this.port.connectors[i]!.setRelay(false);
    for (const c of this.connectors) c.complete();
    this.authorizationSubject.complete();
  }
}

type TransactionEventOut = Extract<StationEvent, { type: 'TransactionUpdated' }>;
