import { randomUUID } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import { systemClock, type Clock } from './clock.js';
import type { DeviceProblemChanged, StationEvent, TransactionSnapshot } from './events.js';
import { Evse, type Authorization } from './evse.js';
import { followFreeCharging } from './free-charging.js';
import { ReservationDesk } from './reservation-desk.js';
import { DEFAULT_SAFETY } from './ports.js';
import type { EvseSnapshot, FaultClearing, RemoteStartRequest, RemoteStartResult, StationOptions, TokenResult } from './station-types.js';
import { evseSnapshot } from './station-snapshot.js';
import { TripLatchStore } from './trip-latch-store.js';
import type { AvailabilityResult, ConnectorStatus, FaultKind, IdToken, Reservation, ReservationResult } from './types.js';

export type { AuthorizationMode, ConnectorSnapshot, EvseSnapshot, FaultClearing, RemoteStartRequest, RemoteStartResult, StationOptions, TokenResult } from './station-types.js';

interface StoredAvailability {
  station: boolean;
  evses: Record<string, { evse: boolean; connectors: Record<string, boolean> }>;
}

/**
 * The charging station: its EVSEs and what can be asked of them (present a token, start or stop
 * remotely, change availability, reset), and one stream of events for the protocol adapters. It
 * knows neither OCPP version nor any hardware.
 */
export class Station {
  private readonly eventsSubject = new Subject<StationEvent>();
  readonly evses: Evse[];
  private availability: StoredAvailability;
  private resetPending = false;
  /** A firmware install waits for the running transactions: no new session meanwhile (OCPP 2.0.1 L01.FR.07). */
  private sessionsHeld = false;
  private readonly authorizing = new Set<number>();
  private readonly reservations: ReservationDesk;
  private readonly clock: Clock;

  constructor(private readonly options: StationOptions) {
    this.clock = options.clock ?? systemClock;
    const time = { clock: this.clock, newTransactionId: options.newTransactionId ?? randomUUID };
    this.availability = options.store.read<StoredAvailability>('availability') ?? { station: true, evses: {} };
    const emit = (e: StationEvent): void => this.eventsSubject.next(e);
    const tripLatches = new TripLatchStore(options.store, options.onStoreError);
    this.evses = options.evses.map((port) => {
      const stored = this.availability.evses[String(port.evseId)];
      const connectors: Record<number, boolean> = {};
      for (const [k, v] of Object.entries(stored?.connectors ?? {})) connectors[Number(k)] = v;
      return new Evse({
        port,
        settings: options.settings,
        emit,
        availability: { station: this.availability.station, evse: stored?.evse ?? true, connectors },
        safety: options.safety ?? DEFAULT_SAFETY,
        latchStore: tripLatches.of(port.evseId),
        ...time,
      });
    });
    this.reservations = new ReservationDesk(this.evses, emit, options.store, this.clock);
  }

  /** Whether the station as a whole is operative (availability set at station level). */
  get stationOperative(): boolean {
    return this.availability.station;
  }

  /** Every status change, transaction event and fault, in the order they happen. */
  get events$(): Observable<StationEvent> {
    return this.eventsSubject.asObservable();
  }

  /** Starts following the hardware; the initial status of every connector is emitted. */
  start(): void {
    // Reservations survive a restart (2.0.1 B01.FR.13); the expired ones are simply gone.
    this.reservations.restore();
    this.eventsSubject.subscribe((e) => this.reservations.onEvent(e));
    // An authorization before a cable changes no status, yet takes the EVSE from the reservations.
    for (const e of this.evses) e.authorization$.subscribe(() => this.reservations.changed());
    for (const tx of this.options.recovered ?? []) {
      const evse = this.evse(tx.evseId);
      if (evse) evse.recover(tx);
    }
    for (const e of this.evses) {
      e.start();
      const mode = this.options.authorization;
      if (mode.mode === 'free') {
        followFreeCharging(e, {
          idToken: mode.idToken,
          mayStart: () => !this.resetPending && !this.sessionsHeld && this.reservations.mayUse(e, mode.idToken),
          authorize: (auth) => this.authorizeAt(e, auth),
          events$: this.eventsSubject,
        });
      }
    }
  }

  evse(evseId: number): Evse | undefined {
    return this.evses.find((e) => e.id === evseId);
  }

  /** One EVSE, or all of them when evseId is undefined (the whole station). */
  private evsesOf(evseId: number | undefined): Evse[] {
    return evseId === undefined ? this.evses : this.evses.filter((e) => e.id === evseId);
  }

  /**
   * Keeps an EVSE, or one of its connectors, for one driver until expiresAt (1.6 ReserveNow, 2.0.1
   * H01); with no evseId, any EVSE (of the reservation's connector type): see ReservationDesk.
   */
  reserve(evseId: number | undefined, reservation: Reservation): ReservationResult {
    return this.reservations.reserve(evseId, reservation);
  }

  /** Cancels a reservation by its id; false when there is none. */
  cancelReservation(reservationId: number): boolean {
    return this.reservations.cancel(reservationId);
  }

  /** The reservations of no particular EVSE (those of an EVSE: Evse.reservedFor). */
  get unspecifiedReservations(): Reservation[] {
    return this.reservations.unspecified;
  }

  /** Evse.authorize, using the driver's unspecified reservation when it has one here (H03.FR.09, H01.FR.15). */
  private authorizeAt(evse: Evse, auth: Authorization, trigger?: Parameters<Evse['authorize']>[1]): ReturnType<Evse['authorize']> {
    const reservationId = this.reservations.claimable(evse, auth.idToken, auth.groupIdToken);
    const result = evse.authorize(reservationId !== undefined ? { ...auth, reservationId } : auth, trigger);
    // Used only when the EVSE took the authorization (it may refuse one, e.g. after a safety trip);
    // asked from inside a listener (free charging), the authorization is decided once the current decision is done.
    if (reservationId !== undefined) {
      evse.whenSettled(() => {
        if (evse.authorizedBy?.reservationId === reservationId) this.reservations.markUsed(evse, reservationId);
      });
    }
    return result;
  }

  // ---- drivers at the station ----

  /**
   * A driver presents an id token at an EVSE's reader: it ends the session it belongs to, or is
   * checked with the authority and, when accepted, authorizes charging (C01, E07).
   */
  async presentIdToken(evseId: number, idToken: IdToken): Promise<TokenResult> {
    const evse = this.evse(evseId);
    if (!evse) throw new RangeError(`no EVSE ${evseId}`);
    if (evse.authorizedBy || evse.transaction) {
      // The same token, or one of its group, stops the session (E07, C09); others cannot.
      if (evse.mayStop(idToken)) {
        const transactionId = evse.transaction?.id;
        evse.deauthorize({ trigger: 'StopAuthorized', stopReason: 'Local', idToken });
        return { outcome: 'stopped', evseId, transactionId };
      }
      if (evse.authorizedBy) {
        const result = await this.options.authorizer.authorize(idToken, evseId);
        if (result.status === 'Accepted' && evse.mayStop(idToken, result.groupIdToken)) {
          const transactionId = evse.transaction?.id;
          evse.deauthorize({ trigger: 'StopAuthorized', stopReason: 'Local', idToken });
          return { outcome: 'stopped', evseId, transactionId };
        }
        return { outcome: 'rejected', status: 'Busy' };
      }
    }
    if (this.options.authorization.mode === 'free') return { outcome: 'rejected', status: 'Busy' };
    if (!evse.isOperative || evse.isFaulted || this.resetPending || this.sessionsHeld) return { outcome: 'rejected', status: 'Unavailable' };
    // Latched by a safety trip, with only an unplug bringing energy back (safety.resumeAfterTrip "replug").
    if (!evse.mayBeAuthorized('token')) return { outcome: 'rejected', status: 'Unavailable' };
    if (this.authorizing.has(evseId)) return { outcome: 'rejected', status: 'Busy' };
    this.authorizing.add(evseId);
    try {
      const result = await this.options.authorizer.authorize(idToken, evseId);
      if (result.status !== 'Accepted') return { outcome: 'rejected', status: result.status };
      if (evse.authorizedBy) return { outcome: 'rejected', status: 'Busy' };
      // A reserved EVSE is for its driver (and that driver's group) only.
      if (!this.reservations.mayUse(evse, idToken, result.groupIdToken)) return { outcome: 'rejected', status: 'Reserved' };
      // Refused while a safety trip is active (it may have come while the authority was asked).
      if (!this.authorizeAt(evse, { idToken, groupIdToken: result.groupIdToken, source: 'token', decidedBy: result.source })) return { outcome: 'rejected', status: 'Unavailable' };
      return { outcome: 'authorized', evseId };
    } finally {
      this.authorizing.delete(evseId);
    }
  }

  // ---- the CSMS' commands ----

  /** F01/F02 RequestStartTransaction. */
  async requestStart(req: RemoteStartRequest): Promise<RemoteStartResult> {
    if (this.resetPending) return { status: 'Rejected', reason: 'ResetPending' };
    if (this.sessionsHeld) return { status: 'Rejected', reason: 'Unavailable' };
    let evse: Evse | undefined;
    if (req.evseId !== undefined) {
      evse = this.evse(req.evseId);
      if (!evse) return { status: 'Rejected', reason: 'UnknownEvse' };
    } else {
      // F01.FR.20: pick an EVSE: one with a vehicle waiting first, else any free one.
      const free = this.evses.filter(
        (e) => e.isOperative && !e.isFaulted && !e.authorizedBy && !e.transaction?.idToken && this.reservations.mayUse(e, req.idToken, req.groupIdToken),
      );
      evse = free.find((e) => e.connectors.some((c) => c.inputs.plugged)) ?? free[0];
      if (!evse) return { status: 'Rejected', reason: 'NoEvseAvailable' };
    }
    if (!evse.isOperative) return { status: 'Rejected', reason: 'Unavailable' }; // F01.FR.23
    if (evse.isFaulted) return { status: 'Rejected', reason: 'Faulted' }; // F01.FR.23
    if (req.connectorId !== undefined) {
      const connector = evse.connectors.find((c) => c.connectorId === req.connectorId);
      if (!connector) return { status: 'Rejected', reason: 'UnknownEvse' };
      if (connector.view.status === 'Unavailable') return { status: 'Rejected', reason: 'Unavailable' };
      if (connector.view.status === 'Faulted') return { status: 'Rejected', reason: 'Faulted' };
    }
    if (evse.authorizedBy || evse.transaction?.idToken) return { status: 'Rejected', reason: 'Occupied' }; // F01.FR.24
    if (!evse.mayBeAuthorized('remote')) return { status: 'Rejected', reason: 'Faulted' }; // tripped, "replug": see trip-latch.ts
    if (!this.reservations.mayUse(evse, req.idToken, req.groupIdToken)) return { status: 'Rejected', reason: 'Reserved' }; // F01.FR.21/22
    const target = evse;
    const authorize = (groupIdToken: IdToken | undefined): boolean =>
      this.authorizeAt(
        target,
        {
          idToken: req.idToken,
          groupIdToken,
          source: 'remote',
          remoteStartId: req.remoteStartId,
          connectorId: req.connectorId,
        },
        'RemoteStart',
      );
    if (req.authorizeFirst) {
      // F01.FR.01: as if the token were presented locally. The answer to the CSMS does not wait for it.
      void this.options.authorizer.authorize(req.idToken, target.id).then(
        (result) => {
          if (result.status === 'Accepted' && !target.authorizedBy) authorize(result.groupIdToken);
        },
        () => undefined,
      );
    } else if (!authorize(req.groupIdToken)) {
      return { status: 'Rejected', reason: 'Faulted' };
    }
    const tx = evse.transaction;
    // F01.FR.13: a transaction that already runs unauthorized is named in the answer.
    return { status: 'Accepted', evseId: evse.id, transactionId: tx?.id };
  }

  /** F03 RequestStopTransaction: Accepted when the transaction runs here (F03.FR.07/08). */
  requestStop(transactionId: string): 'Accepted' | 'Rejected' {
    const evse = this.evses.find((e) => e.transaction?.id === transactionId);
    if (!evse) return 'Rejected';
    if (evse.authorizedBy) evse.deauthorize({ trigger: 'RemoteStop', stopReason: 'Remote' });
    else void evse.abort({ trigger: 'RemoteStop', stopReason: 'Remote' });
    return 'Accepted';
  }

  /**
   * F05 UnlockConnector: never during an authorized session (F05.FR.02); a fixed cable cannot be
   * unlocked; a socket without a lock holds nothing, so it counts as unlocked (F05.FR.06).
   */
  async unlockConnector(evseId: number, connectorId: number): Promise<'Unlocked' | 'UnlockFailed' | 'OngoingAuthorizedTransaction' | 'UnknownConnector' | 'FixedCable'> {
    const evse = this.evse(evseId);
    const index = evse?.connectors.findIndex((c) => c.connectorId === connectorId) ?? -1;
    const port = this.options.evses.find((e) => e.evseId === evseId)?.connectors[index];
    if (!evse || index < 0 || !port) return 'UnknownConnector';
    const session = evse.authorizedBy ?? (evse.transaction?.idToken ? evse.transaction : undefined);
    const sessionConnector = evse.transaction?.connectorId ?? evse.authorizedBy?.connectorId;
    if (session && (sessionConnector === undefined || sessionConnector === connectorId)) return 'OngoingAuthorizedTransaction';
    if (port.tethered) return 'FixedCable';
    if (!port.unlock) return 'Unlocked';
    if (await port.unlock()) return 'Unlocked';
    evse.unlockFailed(connectorId);
    return 'UnlockFailed';
  }

  /** The CSMS answered a transaction message saying the token is not valid. */
  tokenRejected(transactionId: string): void {
    this.evses.find((e) => e.transaction?.id === transactionId)?.tokenRejected();
  }

  /**
   * G03/G04 ChangeAvailability at station, EVSE or connector level. The state is kept across
   * restarts; going inoperative waits for running transactions (Scheduled).
   */
  changeAvailability(target: { evseId?: number; connectorId?: number }, operative: boolean): AvailabilityResult | 'UnknownTarget' {
    let results: Array<'Accepted' | 'Scheduled'>;
    if (target.evseId === undefined || target.evseId === 0) {
      this.availability.station = operative;
      results = this.evses.map((e) => e.setAvailability('station', operative));
    } else {
      const evse = this.evse(target.evseId);
      if (!evse) return 'UnknownTarget';
      const stored = (this.availability.evses[String(evse.id)] ??= { evse: true, connectors: {} });
      if (target.connectorId === undefined) {
        stored.evse = operative;
        results = [evse.setAvailability('evse', operative)];
      } else {
        if (!evse.connectors.some((c) => c.connectorId === target.connectorId)) return 'UnknownTarget';
        stored.connectors[String(target.connectorId)] = operative;
        results = [evse.setAvailability({ connectorId: target.connectorId }, operative)];
      }
    }
    this.options.store.write('availability', this.availability);
    return results.includes('Scheduled') ? 'Scheduled' : 'Accepted';
  }

  /** A fault of the whole station (undefined evseId) or of one EVSE. */
  raiseFault(fault: FaultKind, evseId: number | undefined, detail: string): void {
    const targets = this.evsesOf(evseId);
    const fresh = targets.some((e) => !e.hasFault(fault));
    for (const e of targets) e.raiseFault(fault);
    if (fresh) this.eventsSubject.next({ type: 'FaultChanged', evseId, fault, active: true, detail, timestamp: this.clock.now() });
  }

  /**
   * A device problem that is no charging fault (a card reader that cannot be read): only told to
   * the world, nothing in the core changes. The caller reports each change once.
   */
  deviceProblem(problem: Omit<DeviceProblemChanged, 'type' | 'timestamp'>): void {
    this.eventsSubject.next({ type: 'DeviceProblemChanged', ...problem, timestamp: this.clock.now() });
  }

  /** The local "clear faults" action, per EVSE (all when evseId is undefined): see Evse.clearLatchedFaults. */
  clearLatchedFaults(evseId?: number): FaultClearing[] {
    const targets = this.evsesOf(evseId);
    return targets.map((e) => ({ evseId: e.id, ...e.clearLatchedFaults() }));
  }

  clearFault(fault: FaultKind, evseId: number | undefined, detail: string): void {
    const targets = this.evsesOf(evseId);
    const had = targets.some((e) => e.hasFault(fault));
    for (const e of targets) e.clearFault(fault);
    if (had) this.eventsSubject.next({ type: 'FaultChanged', evseId, fault, active: false, detail, timestamp: this.clock.now() });
  }

  /**
   * B11/B12 Reset. Immediate: running transactions end now (ImmediateReset) and the promise
   * resolves when their last messages are out, ready for the restart. OnIdle: Scheduled while a
   * transaction runs; no new one starts; `whenIdle` resolves once the last one ended.
   */
  reset(type: 'Immediate' | 'OnIdle', evseId?: number): { status: 'Accepted' | 'Scheduled' | 'Rejected'; done: Promise<void> } {
    const targets = this.evsesOf(evseId);
    if (targets.length === 0) return { status: 'Rejected', done: Promise.resolve() };
    if (evseId === undefined) this.resetPending = true;
    if (type === 'Immediate') {
      const done = Promise.all(targets.map((e) => e.abort({ trigger: 'ResetCommand', stopReason: 'ImmediateReset' }))).then(() => undefined);
      return { status: 'Accepted', done };
    }
    const busy = targets.some((e) => e.busy);
    if (!busy) return { status: 'Accepted', done: Promise.resolve() };
    const done = new Promise<void>((resolve) => {
      const sub = this.eventsSubject.subscribe((e) => {
        if (e.type === 'TransactionEnded' && !targets.some((t) => t.busy)) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    return { status: 'Scheduled', done };
  }

  /**
   * A clean stop of the agent (SIGTERM/SIGINT, `systemctl restart`): no new session starts, and
   * every running transaction ends now with reason Reboot, its final reading taken after the relay
   * opened. Resolves once their ends have been emitted (and so queued durably by the adapter). Only
   * a crash or a power cut leaves a transaction for the next start, to end with PowerLoss.
   */
  shutdown(): Promise<void> {
    this.resetPending = true;
    // 2.0.1 has no trigger for a locally initiated reboot: ResetCommand would say the CSMS asked for
    // one, so AbnormalCondition (E06.FR.16), as for the other ends the station decides alone.
    return Promise.all(this.evses.map((e) => e.abort({ trigger: 'AbnormalCondition', stopReason: 'Reboot' }))).then(() => undefined);
  }

  /** L01.FR.07: while held, no new session starts and the EVSEs not in use show Unavailable (the running sessions go on). */
  holdNewSessions(held: boolean): void {
    this.sessionsHeld = held;
    for (const e of this.evses) e.holdForFirmware(held);
  }

  /** Transactions running now. */
  transactions(): TransactionSnapshot[] {
    return this.evses.flatMap((e) => (e.transaction ? [e.transaction] : []));
  }

  /** Each EVSE as the local status shows it. */
  snapshot(): EvseSnapshot[] {
    return this.evses.map(evseSnapshot);
  }

  statusOf(evseId: number, connectorId: number): ConnectorStatus | undefined {
    return this.evse(evseId)?.connectors.find((c) => c.connectorId === connectorId)?.view.status;
  }

  stop(): void {
    this.reservations.stop();
    for (const e of this.evses) e.stop();
    this.eventsSubject.complete();
  }
}
