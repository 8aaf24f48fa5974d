import { armEvConnectionTimeout, clearEvConnectionTimeout } from './evse-connectors.js';
import { dispatchAll, emit, updateTripLatch, type Draft } from './evse-draft.js';
import { clearReservation } from './evse-reservation.js';
import type { Authorization, Cause, EvseState, StopCause } from './evse-state.js';
import { evaluate } from './evse-step.js';
import { reportRateChange } from './evse-transaction.js';
import { reservationMatches } from './reservation-desk.js';
import type { SafetySettings } from './ports.js';
import { isTrippingFault, mayAuthorize } from './trip-latch.js';
import type { IdToken, TxTrigger } from './types.js';

/** Who may charge: authorizations granted and ended, stops forced, limits on a rejected token. */

const idTokensEqual = (a: IdToken | undefined, b: IdToken | undefined): boolean =>
  a !== undefined && b !== undefined && a.idToken === b.idToken && a.type === b.type;

export const trippingFaultActive = (s: EvseState): boolean => s.faults.some(isTrippingFault);

/** Whether an authorization of this kind would be granted now (see trip-latch.ts). */
export function mayBeAuthorized(s: EvseState, by: Authorization['source'], safety: SafetySettings): boolean {
  return !s.closed && mayAuthorize(s.tripLatch, by, trippingFaultActive(s), safety.resumeAfterTrip);
}

/** Whether this token may end the current session: the same token, or one of its group (C09 / E07). */
export function mayStop(s: EvseState, idToken: IdToken, groupIdToken?: IdToken): boolean {
  const auth = s.authorization;
  const sessionGroup = auth?.groupIdToken ?? s.tx?.snapshot.groupIdToken;
  return idTokensEqual(idToken, auth?.idToken) || idTokensEqual(idToken, s.tx?.snapshot.idToken) || (groupIdToken !== undefined && idTokensEqual(groupIdToken, sessionGroup));
}

/**
 * Grants charging to an id token. Refused (nothing changes) while a safety trip forbids it; a
 * driver of this EVSE's reservation uses it up.
 */
export function authorize(d: Draft, granted: Authorization, trigger: TxTrigger): void {
  if (!mayBeAuthorized(d.s, granted.source, d.env.safety)) return;
  updateTripLatch(d, { type: 'Authorized', by: granted.source, trippingFaultActive: false });
  let auth = granted;
  const reservation = d.s.reservation;
  if (reservation && reservationMatches(reservation, auth.idToken, auth.groupIdToken)) {
    auth = { ...auth, reservationId: reservation.id };
    clearReservation(d);
    emit(d, { type: 'ReservationEnded', evseId: d.s.config.evseId, reservationId: reservation.id, reason: 'Used', timestamp: d.now });
  }
  d.s.authorization = auth;
  armEvConnectionTimeout(d);
  evaluate(d, { trigger });
}

/** Ends the authorization; the transaction ends or goes on per the stop points. */
export function deauthorize(d: Draft, cause: Cause): void {
  if (!d.s.authorization) return;
  d.s.authorization = undefined;
  clearEvConnectionTimeout(d);
  const tx = d.s.tx;
  if (tx && !tx.ending && cause.stopReason) tx.deauthorizedReason = cause.stopReason;
  evaluate(d, cause);
}

/** Ends the authorization and, at the next step, the transaction, whatever the stop points. */
export function forceStop(d: Draft, cause: StopCause): void {
  if (d.s.authorization) {
    d.s.authorization = undefined;
    clearEvConnectionTimeout(d);
  }
  if (d.s.tx && !d.s.tx.ending) d.s.forcedStop = cause;
}

/** The CSMS says the transaction's token is not (or no longer) valid (E06.FR.04, C15). */
export function tokenRejected(d: Draft): void {
  const tx = d.s.tx;
  if (!tx) return;
  if (d.env.settings.stopTxOnInvalidId) {
    deauthorize(d, { trigger: 'Deauthorized', stopReason: 'DeAuthorized' });
    return;
  }
  // E05.FR.02/03: the transaction goes on, but energy flows only until MaxEnergyOnInvalidId.
  tx.invalidToken = true;
  limitInvalidTokenEnergy(d);
}

/** Suspends the energy (SuspendedEVSE) of a transaction with a rejected token once it had its allowance. */
export function limitInvalidTokenEnergy(d: Draft): void {
  const tx = d.s.tx;
  if (!tx?.invalidToken || tx.ending || tx.allowanceUsed || tx.snapshot.energyWh < (d.env.settings.maxEnergyOnInvalidIdWh ?? 0)) return;
  tx.allowanceUsed = true;
  syncCurrentLimit(d);
  evaluate(d, { trigger: 'ChargingStateChanged' });
}

/**
 * The current the EVSE may offer, A per phase: its maxCurrentA, lowered by the limit smart
 * charging and the local limits set (K01, load balancing), and 0 once a rejected token's energy
 * allowance is used. Told to the connectors; the pilot offers it (evse-pilot.ts).
 */
export function syncCurrentLimit(d: Draft): void {
  const s = d.s;
  const spent = s.tx?.invalidToken && s.tx.allowanceUsed;
  const amps = spent ? 0 : Math.min(s.config.maxCurrentA, s.chargingLimitA ?? Infinity);
  dispatchAll(d, { type: 'CurrentLimitChanged', amps });
}

/**
 * Smart charging or a local limit set the EVSE's limit (undefined: none): the offer follows at
 * once. A running transaction hears of a change of LimitChangeSignificance or more (trigger
 * ChargingRateChanged).
 */
export function setChargingLimit(d: Draft, amps: number | undefined): void {
  if (d.s.chargingLimitA === amps) return;
  const before = Math.min(...d.s.connectors.map((c) => c.currentLimitA));
  d.s.chargingLimitA = amps;
  syncCurrentLimit(d);
  const after = Math.min(...d.s.connectors.map((c) => c.currentLimitA));
  evaluate(d, { trigger: 'ChargingRateChanged' });
  const significance = d.env.settings.limitChangeSignificancePercent;
  const changedPercent = before > 0 ? (Math.abs(after - before) / before) * 100 : after > 0 ? 100 : 0;
  if (significance !== undefined && changedPercent > 0 && changedPercent >= significance) reportRateChange(d);
}
