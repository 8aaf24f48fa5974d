import type { StationEvent, TransactionSnapshot } from './events.js';
import { applyRelays, clearEvConnectionTimeout, syncConnectors } from './evse-connectors.js';
import { anyPlugged, dropUndefined, sessionIndex, viewOf, type Draft } from './evse-draft.js';
import { relayHeld } from './evse-pilot.js';
import { firmwareHoldApplies, type ActiveTransaction, type Cause, type EvseState } from './evse-state.js';
import type { MeterReading } from './meter-reading.js';
import { NOTHING_HELD, startPointReached, stopPointLost, updateHeld, type EvseConditions } from './tx-points.js';
import type { ChargingState, StopReason, TxTrigger } from './types.js';

/** The transaction's start, updates and the first half of its end (E01, E02, E06), as part of a decision. */

type TransactionUpdate = Partial<Pick<Extract<StationEvent, { type: 'TransactionUpdated' }>, 'chargingState' | 'idToken' | 'connectorId' | 'remoteStartId' | 'reservationId'>>;

/** Causes that end an authorization: news for the CSMS even when nothing else changed (F03.FR.02). */
const DEAUTHORIZING_TRIGGERS: ReadonlySet<TxTrigger> = new Set<TxTrigger>(['RemoteStop', 'StopAuthorized', 'Deauthorized', 'EVConnectTimeout', 'EnergyLimitReached', 'TimeLimitReached']);

/** A transaction event's trigger: a bare re-evaluation reports as ChargingStateChanged. */
const reportedTrigger = (cause: Cause): TxTrigger => (cause.trigger === 'Trigger' ? 'ChargingStateChanged' : cause.trigger);

export function conditionsOf(s: EvseState): EvseConditions {
  const session = sessionIndex(s);
  const view = session === undefined ? undefined : viewOf(s, session);
  return {
    evConnected: anyPlugged(s),
    authorized: s.authorization !== undefined,
    powerPathClosed: (view?.relayClosed ?? false) || (session !== undefined && relayHeld(s, session)),
    energyTransfer: view?.chargingState === 'Charging',
  };
}

/** The session connector's charging state (Idle without one). */
export function sessionChargingState(s: EvseState, connectorId?: number): ChargingState {
  const i = connectorId === undefined ? sessionIndex(s) : s.config.connectorIds.indexOf(connectorId);
  return i === undefined || i < 0 ? 'Idle' : viewOf(s, i).chargingState;
}

/** E01 start (at the first start point reached), E06 stop (a stop point lost, or a forced stop), else an update when there is news. */
export function transactionStep(d: Draft, cause: Cause): void {
  const s = d.s;
  const c = conditionsOf(s);
  const chargingState = sessionChargingState(s);
  const tx = s.tx;
  if (!tx) {
    // L01.FR.07: a vehicle plugged into an EVSE held for a firmware install starts nothing.
    if (firmwareHoldApplies(s) || !startPointReached(d.env.settings.txStartPoints, c)) return;
    const reading = s.latestReading;
    // E01 needs a meter start value: start as soon as the first reading arrives.
    s.waitingForReading = reading === undefined;
    if (reading) startTransaction(d, cause, chargingState, reading);
    return;
  }
  // While the relay is held for a current reduction, the end waits for it to open (holdPilotRelease).
  if (tx.ending || tx.recovering || s.pilot?.release) return;
  tx.held = updateHeld(tx.held, c);
  tx.snapshot.chargingState = chargingState;
  const forced = s.forcedStop;
  if (forced || stopPointLost(d.env.settings.txStopPoints, c, tx.held)) {
    s.forcedStop = undefined;
    // A transaction's end ends its authorization; the relay opens before the final reading.
    s.authorization = undefined;
    clearEvConnectionTimeout(d);
    syncConnectors(d);
    applyRelays(d);
    beginEnd(d, tx, forced ?? cause);
    return;
  }
  reportNews(d, tx, cause, chargingState);
}

/** A TransactionUpdated with what changed since the last event, if anything did. */
function reportNews(d: Draft, tx: ActiveTransaction, cause: Cause, chargingState: ChargingState): void {
  const s = d.s;
  const update: TransactionUpdate = {};
  if (chargingState !== tx.reportedChargingState) update.chargingState = chargingState;
  const auth = s.authorization;
  if (auth && !tx.idTokenReported) {
    tx.snapshot.idToken = auth.idToken;
    if (auth.groupIdToken) tx.snapshot.groupIdToken = auth.groupIdToken;
    if (auth.decidedBy) tx.snapshot.authorizationSource = auth.decidedBy;
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
  const session = sessionIndex(s);
  if (session !== undefined && s.connectors[session]!.plugged && !tx.connectorReported) {
    tx.snapshot.connectorId = s.config.connectorIds[session]!;
    update.connectorId = tx.snapshot.connectorId;
    tx.connectorReported = true;
  }
  if (Object.keys(update).length === 0 && !DEAUTHORIZING_TRIGGERS.has(cause.trigger)) return;
  tx.reportedChargingState = chargingState;
  d.out.push({
    type: 'Emit',
    event: {
      type: 'TransactionUpdated',
      evseId: s.config.evseId,
      transaction: { ...tx.snapshot },
      // F02.FR.21: the first event after a remote start says so, whatever else happened with it.
      trigger: update.remoteStartId !== undefined ? 'RemoteStart' : reportedTrigger(cause),
      timestamp: d.now,
      ...update,
    },
  });
}

/**
 * Starts a transaction. Its TransactionStarted is emitted in this decision's events, which the
 * runner carries out before any relay closes (evse-command.ts): its listeners journal it first.
 */
function startTransaction(d: Draft, cause: Cause, chargingState: ChargingState, reading: MeterReading): void {
  const s = d.s;
  const auth = s.authorization;
  const session = sessionIndex(s);
  const connectorId = session !== undefined && s.connectors[session]!.plugged ? s.config.connectorIds[session] : undefined;
  const snapshot: TransactionSnapshot = {
    id: d.env.newTransactionId(),
    evseId: s.config.evseId,
    connectorId,
    startedAt: d.now,
    meterStartWh: reading.energyImportWh,
    idToken: auth?.idToken,
    groupIdToken: auth?.groupIdToken,
    authorizationSource: auth?.decidedBy,
    remoteStartId: auth?.remoteStartId,
    reservationId: auth?.reservationId,
    chargingState,
    energyWh: 0,
  };
  dropUndefined(snapshot);
  s.tx = {
    snapshot,
    held: updateHeld(NOTHING_HELD, conditionsOf(s)),
    idTokenReported: auth !== undefined,
    connectorReported: connectorId !== undefined,
    remoteStartReported: auth?.remoteStartId !== undefined,
    reportedChargingState: chargingState,
  };
  const maxS = d.env.settings.maxDurationS;
  if (maxS !== undefined) d.out.push({ type: 'ArmTimer', name: 'duration', ms: maxS * 1000 });
  const event: StationEvent = {
    type: 'TransactionStarted',
    evseId: s.config.evseId,
    transaction: { ...snapshot },
    trigger: auth?.remoteStartId !== undefined ? 'RemoteStart' : reportedTrigger(cause),
    timestamp: d.now,
    chargingState,
    idToken: auth?.idToken,
    connectorId,
    remoteStartId: auth?.remoteStartId,
    reservationId: auth?.reservationId,
    reading,
  };
  dropUndefined(event);
  d.out.push({ type: 'Emit', event });
}

/**
 * The first half of the end: the relay is already open (authorization gone or EV unplugged), so a
 * fresh reading, asked for now and taken after the relays opened, holds all the energy of the
 * transaction and none of the next. The end is emitted when it answers (finishTransaction).
 */
export function beginEnd(d: Draft, tx: ActiveTransaction, cause: Cause): void {
  if (tx.ending) return;
  const reason: StopReason = cause.stopReason ?? tx.deauthorizedReason ?? 'Other';
  // A cause that only ends the authorization keeps the reason it was deauthorized for (F04.FR.03).
  const stoppedReason = cause.trigger === 'EVCommunicationLost' && tx.deauthorizedReason ? tx.deauthorizedReason : reason;
  tx.ending = { cause, stoppedReason };
  d.out.push({ type: 'CancelTimer', name: 'duration' });
  d.out.push({ type: 'PollFinalReading' });
}

/** The charging rate changed significantly (smart charging): a transaction event says so, whatever else changed (K01, ChargingRateChanged). */
export function reportRateChange(d: Draft): void {
  const tx = d.s.tx;
  if (!tx || tx.ending || tx.recovering || d.s.pilot?.release) return;
  // An update of this same decision already told the new rate.
  if (d.out.some((c) => c.type === 'Emit' && c.event.type === 'TransactionUpdated' && c.event.trigger === 'ChargingRateChanged')) return;
  const chargingState = sessionChargingState(d.s);
  const event: StationEvent = { type: 'TransactionUpdated', evseId: d.s.config.evseId, transaction: { ...tx.snapshot }, trigger: 'ChargingRateChanged', timestamp: d.now };
  if (chargingState !== tx.reportedChargingState) event.chargingState = chargingState;
  tx.reportedChargingState = chargingState;
  d.out.push({ type: 'Emit', event });
}
