import type { Clock } from './clock.js';
import type { StationEvent } from './events.js';
import type { Evse } from './evse.js';
import { fireAt, type ExpiryTimer } from './expiry-timer.js';
import type { StateStore } from './ports.js';
import { coverable, heldEvses, serves, unmatched, type FreeEvse } from './reservation-coverage.js';
import type { IdToken, Reservation, ReservationResult } from './types.js';

type StoredReservation = Omit<Reservation, 'expiresAt'> & { evseId?: number; expiresAt: string };

const tokensEqual = (a: IdToken | undefined, b: IdToken | undefined): boolean => a !== undefined && b !== undefined && a.idToken === b.idToken && a.type === b.type;

/** Whether a driver may use a reservation: its own token, or one of its group (2.0.1 H03.FR.04-06, 1.6 parentIdTag). */
export const reservationMatches = (r: Reservation, idToken: IdToken, groupIdToken?: IdToken): boolean =>
  tokensEqual(idToken, r.idToken) || (r.groupIdToken !== undefined && (tokensEqual(groupIdToken, r.groupIdToken) || tokensEqual(idToken, r.groupIdToken)));

/**
 * Every reservation of the station: those of one EVSE (held by the EVSE itself) and those of no
 * particular EVSE, optionally of a connector type, kept here. For the latter the station keeps
 * enough free EVSEs at all times: one nobody else may take shows Reserved, and a driver is turned
 * away from it unless the reservations can do without it. Reservations are kept across restarts.
 * Version-neutral: 2.0.1 H01-H04 drive all of it, 1.6 ReserveNow the per-EVSE part.
 */
export class ReservationDesk {
  private floating: Array<{ reservation: Reservation; timer: ExpiryTimer }> = [];
  private refreshQueued = false;
  private closed = false;

  constructor(
    private readonly evses: readonly Evse[],
    private readonly emit: (event: StationEvent) => void,
    private readonly store: StateStore,
    private readonly clock: Clock,
  ) {}

  /**
   * The reservations stored before a restart (2.0.1 B01.FR.13). One that expired while the agent
   * was down ends as Expired now (H04.FR.01: the CSMS must still hear of it).
   */
  restore(): void {
    let expired = false;
    for (const stored of this.store.read<StoredReservation[]>('reservations') ?? []) {
      const { evseId, ...rest } = stored;
      const reservation: Reservation = { ...rest, expiresAt: new Date(stored.expiresAt) };
      if (reservation.expiresAt.getTime() <= this.clock.nowMs()) {
        expired = true;
        this.emit({ type: 'ReservationEnded', evseId, reservationId: reservation.id, reason: 'Expired', timestamp: this.clock.now() });
        continue;
      }
      if (evseId === undefined) this.keep(reservation);
      else this.evse(evseId)?.reserve(reservation);
    }
    if (expired) this.save();
  }

  /** Every event of the station: the reservations are checked against what changed. */
  onEvent(e: StationEvent): void {
    if (e.type === 'ReservationEnded') this.save();
    this.changed();
  }

  /** Something changed that may take an EVSE from the reservations or give one back (an authorization, too). */
  changed(): void {
    if (this.refreshQueued || this.closed) return;
    this.refreshQueued = true;
    // After the event has reached every subscriber, so that what this causes comes after it.
    queueMicrotask(() => {
      this.refreshQueued = false;
      this.refresh();
    });
  }

  /**
   * A reservation of one EVSE (evseId) or of none in particular. A reservation with the id of one
   * held already replaces it (2.0.1 H01.FR.02, 1.6 5.13).
   */
  reserve(evseId: number | undefined, reservation: Reservation): ReservationResult {
    const previousFloating = this.floating.find((f) => f.reservation.id === reservation.id);
    if (previousFloating) this.drop(previousFloating.reservation.id);
    const result = evseId === undefined ? this.reserveAny(reservation) : this.reserveEvse(evseId, reservation);
    if (result !== 'Accepted') {
      if (previousFloating) this.keep(previousFloating.reservation);
      return result;
    }
    // One held by another EVSE ends now that the new one is in place.
    this.evses.find((e) => e.id !== evseId && e.reservedFor?.id === reservation.id)?.endReservation('Cancelled');
    this.save();
    this.refresh();
    return 'Accepted';
  }

  private reserveEvse(evseId: number, reservation: Reservation): ReservationResult {
    const evse = this.evse(evseId);
    if (!evse) return 'Rejected';
    if (reservation.connectorType !== undefined && !evse.connectorTypes.includes(reservation.connectorType)) return 'Rejected';
    if (!evse.isOperative) return 'Unavailable';
    // An EVSE the unspecified reservations need is not free for another (H01.FR.07/09, H01.FR.11).
    const free = this.freeEvses(false);
    const others = free.filter((f) => f.id !== evseId);
    if (evse.reservedFor?.id !== reservation.id && others.length < free.length && !coverable(this.unspecified, others)) return 'Occupied';
    return evse.reserve(reservation);
  }

  /** H01.FR.04/06: accepted while an Available EVSE (of the type) is left for it; else why not (H01.FR.11/12/14). */
  private reserveAny(reservation: Reservation): ReservationResult {
    const targets = this.evses.filter((e) => serves({ id: e.id, connectorTypes: e.connectorTypes }, reservation));
    if (targets.length === 0) return 'Rejected';
    // The EVSE that holds the reservation being replaced counts as free for it (H01.FR.02).
    if (coverable([...this.unspecified, reservation], this.freeEvses(true, reservation.id))) {
      this.keep(reservation);
      return 'Accepted';
    }
    const faulted = (e: Evse): boolean => e.connectors.every((c) => c.view.status === 'Faulted');
    const unavailable = (e: Evse): boolean => faulted(e) || !e.isOperative || e.connectors.every((c) => !c.inputs.operative || c.inputs.firmwareHold);
    if (targets.every(faulted)) return 'Faulted';
    if (targets.every(unavailable)) return 'Unavailable';
    return 'Occupied';
  }

  /** Cancels a reservation by its id (2.0.1 H02, 1.6 5.1); false when there is none. */
  cancel(reservationId: number): boolean {
    if (this.end(reservationId, 'Cancelled')) return true;
    return this.evses.find((e) => e.reservedFor?.id === reservationId)?.endReservation('Cancelled') ?? false;
  }

  /** Whether this driver may take the EVSE: its reservation, or one the others can do without (H03). */
  mayUse(evse: Evse, idToken: IdToken, groupIdToken?: IdToken): boolean {
    if (evse.reservedFor) return reservationMatches(evse.reservedFor, idToken, groupIdToken);
    return this.verdict(evse, idToken, groupIdToken) !== 'blocked';
  }

  /**
   * The unspecified reservation of this driver that the EVSE would serve (H03.FR.02/03/05/06), if
   * any; the EVSE's own reservation is the EVSE's business (Evse.authorize).
   */
  claimable(evse: Evse, idToken: IdToken, groupIdToken?: IdToken): number | undefined {
    if (evse.reservedFor) return undefined;
    const verdict = this.verdict(evse, idToken, groupIdToken);
    return typeof verdict === 'number' ? verdict : undefined;
  }

  /** The driver took the EVSE with it: the reservation is used (H03.FR.09). */
  markUsed(evse: Evse, reservationId: number): void {
    if (!this.drop(reservationId)) return;
    this.emit({ type: 'ReservationEnded', evseId: evse.id, reservationId, reason: 'Used', timestamp: this.clock.now() });
  }

  /** The reservations of no particular EVSE, oldest first. */
  get unspecified(): Reservation[] {
    return this.floating.map((f) => f.reservation);
  }

  /**
   * Brings the reservations in line with the EVSEs: one whose EVSE became Faulted or Unavailable
   * is removed (H01.FR.16/17), as are unspecified ones no free EVSE is left for, the latest first;
   * the EVSEs the rest need show Reserved.
   */
  refresh(): void {
    if (this.closed) return;
    for (const e of this.evses) {
      const r = e.reservedFor;
      if (!r) continue;
      const targets = e.connectors.filter((c) => r.connectorId === undefined || c.connectorId === r.connectorId);
      if (targets.every((c) => !c.inputs.operative || c.view.status === 'Faulted')) e.endReservation('Removed');
    }
    const free = this.freeEvses(false);
    const lost = unmatched(this.unspecified, free).map((i) => this.floating[i]!.reservation.id);
    for (const id of lost.reverse()) this.end(id, 'Removed');
    const held = heldEvses(this.unspecified, free);
    for (const e of this.evses) e.holdForReservations(held.has(e.id));
  }

  stop(): void {
    this.closed = true;
    for (const f of this.floating) f.timer.cancel();
  }

  // ---- inside ----

  private evse(evseId: number): Evse | undefined {
    return this.evses.find((e) => e.id === evseId);
  }

  /**
   * The EVSEs an unspecified reservation can count on: operative, not faulted, nobody authorized or
   * charging, no reservation of their own. `strictlyAvailable` (to accept a new one) also wants
   * nothing plugged in; a vehicle plugged in without authorization does not take an EVSE away from
   * a reservation already made (G01.FR.09). The EVSE holding reservation `replacing` counts as free.
   */
  private freeEvses(strictlyAvailable: boolean, replacing?: number): FreeEvse[] {
    return this.evses
      .filter(
        (e) =>
          e.isOperative &&
          !e.authorizedBy &&
          e.transaction?.idToken === undefined &&
          (!e.reservedFor || e.reservedFor.id === replacing) &&
          e.connectors.some((c) => c.inputs.operative && c.view.status !== 'Faulted') &&
          !(strictlyAvailable && e.connectors.some((c) => c.inputs.plugged)) &&
          // L01.FR.07: an EVSE held Unavailable for a firmware install takes no new reservation (one it has stays).
          !(strictlyAvailable && e.connectors.every((c) => c.inputs.firmwareHold)),
      )
      .map((e) => ({ id: e.id, connectorTypes: e.connectorTypes }));
  }

  /** For a driver at a free EVSE: the id of their unspecified reservation it can serve, else whether the others allow it. */
  private verdict(evse: Evse, idToken: IdToken, groupIdToken?: IdToken): number | 'free' | 'blocked' {
    const demands = this.unspecified;
    if (demands.length === 0) return 'free';
    const free = this.freeEvses(false);
    const here = free.find((f) => f.id === evse.id);
    if (!here) return 'free';
    const others = free.filter((f) => f.id !== evse.id);
    for (const r of demands) {
      if (reservationMatches(r, idToken, groupIdToken) && serves(here, r) && coverable(demands.filter((d) => d !== r), others)) return r.id;
    }
    return coverable(demands, others) ? 'free' : 'blocked';
  }

  private keep(reservation: Reservation): void {
    const timer = fireAt(this.clock, reservation.expiresAt, () => this.end(reservation.id, 'Expired'));
    this.floating.push({ reservation, timer });
  }

  /** Forgets an unspecified reservation without telling anyone. */
  private drop(reservationId: number): Reservation | undefined {
    const i = this.floating.findIndex((f) => f.reservation.id === reservationId);
    if (i < 0) return undefined;
    const [f] = this.floating.splice(i, 1);
    f!.timer.cancel();
    return f!.reservation;
  }

  /** Ends an unspecified reservation: the EVSEs it held are free first, then it is told (H04). */
  private end(reservationId: number, reason: 'Expired' | 'Cancelled' | 'Removed'): boolean {
    if (!this.drop(reservationId)) return false;
    this.refresh();
    this.emit({ type: 'ReservationEnded', reservationId, reason, timestamp: this.clock.now() });
    return true;
  }

  private save(): void {
    const all: StoredReservation[] = [
      ...this.evses.flatMap((e) => (e.reservedFor ? [{ ...e.reservedFor, evseId: e.id, expiresAt: e.reservedFor.expiresAt.toISOString() }] : [])),
      ...this.floating.map((f) => ({ ...f.reservation, expiresAt: f.reservation.expiresAt.toISOString() })),
    ];
    this.store.write('reservations', all);
  }
}
