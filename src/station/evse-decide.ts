import { applyAvailability, holdForFirmware, setAvailability } from './evse-availability.js';
import type { EvseCommand } from './evse-command.js';
import { superviseContactor } from './evse-connectors.js';
import { anyPlugged, dropUndefined, emit, publishChanged, updateTripLatch, type Draft } from './evse-draft.js';
import { clearFault, clearLatchedFaults, contactorTimeUp, endSessionFaults, onMeterFailed, raiseFault } from './evse-faults.js';
import type { EvseInput, TimerName } from './evse-input.js';
import { onReading, recover } from './evse-reading.js';
import { endReservation, holdForReservations, reserve } from './evse-reservation.js';
import { lockFeedback, lockTimeUp, unlockFailed } from './evse-lock.js';
import { pilotChanged, pilotHealth, pilotReleaseTimeUp } from './evse-pilot.js';
import { plugChanged } from './evse-plug.js';
import { authorize, deauthorize, forceStop, setChargingLimit, syncCurrentLimit, tokenRejected, trippingFaultActive } from './evse-session.js';
import { copyState, type DecideEnv, type EvseState } from './evse-state.js';
import { evaluate } from './evse-step.js';
import { sessionChargingState } from './evse-transaction.js';
import type { MeterReading } from './meter-reading.js';
import type { StationEvent, TransactionSnapshot } from './events.js';

export interface Decision {
  state: EvseState;
  commands: EvseCommand[];
}

/**
 * The EVSE as a pure function: the state after `input` happened at `now`, and the effects to carry
 * out (evse-command.ts). The state given is not changed; the same state, input, time and settings
 * give the same decision (transaction ids come from env.newTransactionId).
 */
export function decide(state: EvseState, input: EvseInput, now: Date, env: DecideEnv): Decision {
  // Once stopped nothing is decided, except the end of a transaction already under way.
  if (state.closed && input.type !== 'FinalReading') return { state, commands: [] };
  const d: Draft = { s: copyState(state), out: [], now, env, published: [...state.connectors] };
  handle(d, input);
  publishChanged(d);
  return { state: d.s, commands: d.out };
}

function handle(d: Draft, input: EvseInput): void {
  switch (input.type) {
    case 'Started':
      return evaluate(d, { trigger: 'Trigger' });
    case 'PlugChanged':
      return plugChanged(d, input.index, input.plugged, input.initial);
    case 'PlugSettled':
      evaluate(d, { trigger: input.plugged ? 'CablePluggedIn' : 'EVCommunicationLost', stopReason: 'EVDisconnected' });
      if (!input.plugged && !anyPlugged(d.s)) {
        endSessionFaults(d, 'the vehicle left');
        updateTripLatch(d, { type: 'VehicleLeft', trippingFaultActive: trippingFaultActive(d.s) });
      }
      return;
    case 'PilotChanged':
      return pilotChanged(d, input.report);
    case 'PilotHealth':
      return pilotHealth(d, input.failure);
    case 'LockFeedback':
      return lockFeedback(d, input.index, input.locked);
    case 'UnlockFailed':
      return unlockFailed(d, input.index);
    case 'ContactChanged':
      d.s.contactors[input.index]!.contact = input.closed;
      return superviseContactor(d, input.index);
    case 'Reading':
      return onReading(d, input.reading);
    case 'MeterFailed':
      return onMeterFailed(d, input.why);
    case 'FinalReading':
      return finishTransaction(d, input.reading);
    case 'TimerFired':
      return timerFired(d, input.name);
    case 'Authorize':
      return authorize(d, input.auth, input.trigger);
    case 'Deauthorize':
      return deauthorize(d, input.cause);
    case 'TokenRejected':
      return tokenRejected(d);
    case 'SetChargingLimit':
      return setChargingLimit(d, input.amps);
    case 'Abort':
      forceStop(d, input.cause);
      return evaluate(d, input.cause);
    case 'RaiseFault':
      return raiseFault(d, input.fault);
    case 'ClearFault':
      return clearFault(d, input.fault);
    case 'ClearLatchedFaults':
      return clearLatchedFaults(d);
    case 'SetAvailability':
      return setAvailability(d, input);
    case 'Reserve':
      return reserve(d, input.reservation);
    case 'EndReservation':
      return endReservation(d, input.reason);
    case 'HoldForReservations':
      return holdForReservations(d, input.held);
    case 'HoldForFirmware':
      return holdForFirmware(d, input.held);
    case 'Recover':
      return recover(d, input.snapshot);
    case 'Stop':
      d.s.closed = true;
      for (let i = 0; i < d.s.connectors.length; i++) d.out.push({ type: 'SetRelay', index: i, closed: false });
      if (d.s.pilot && d.s.pilot.offeredA > 0) {
        d.s.pilot.offeredA = 0;
        d.out.push({ type: 'OfferCurrent', amps: 0, lower: true });
      }
      return;
  }
}

function timerFired(d: Draft, name: TimerName): void {
  if (name === 'ev-connection') {
    d.s.evConnectionTimerArmed = false;
    if (!anyPlugged(d.s)) deauthorize(d, { trigger: 'EVConnectTimeout', stopReason: 'Timeout' });
  } else if (name === 'duration') {
    if (d.s.tx && !d.s.tx.ending) deauthorize(d, { trigger: 'TimeLimitReached', stopReason: 'TimeLimitReached' });
  } else if (name === 'reservation') {
    endReservation(d, 'Expired');
  } else if (name === 'pilot-release') {
    pilotReleaseTimeUp(d);
  } else if (name.startsWith('lock-')) {
    lockTimeUp(d, Number(name.slice('lock-'.length)));
  } else {
    contactorTimeUp(d, Number(name.slice('contactor-'.length)));
  }
}

/**
 * The second half of the end (see beginEnd): the final reading is in, so the end is emitted; the
 * availability changes that waited for it apply, and the EVSE is evaluated afresh.
 */
function finishTransaction(d: Draft, reading: MeterReading | undefined): void {
  const s = d.s;
  const tx = s.tx;
  if (!tx?.ending) return;
  const { cause, stoppedReason } = tx.ending;
  const meterStopWh = Math.max(tx.snapshot.meterStartWh, reading?.energyImportWh ?? tx.snapshot.meterStartWh);
  const chargingState = sessionChargingState(s, tx.snapshot.connectorId ?? -1);
  const snapshot: TransactionSnapshot = {
    ...tx.snapshot,
    chargingState,
    energyWh: meterStopWh - tx.snapshot.meterStartWh,
    endedAt: d.now,
    meterStopWh,
    stoppedReason,
  };
  s.tx = undefined;
  // The next session gets energy again.
  syncCurrentLimit(d);
  // The token that stopped it (1.6 StopTransaction.idTag), which may be another of the group.
  const stoppedBy = cause.trigger === 'StopAuthorized' ? (cause.idToken ?? tx.snapshot.idToken) : undefined;
  const ended: StationEvent = {
    type: 'TransactionEnded',
    evseId: s.config.evseId,
    transaction: snapshot,
    trigger: cause.trigger === 'Trigger' ? 'ChargingStateChanged' : cause.trigger,
    timestamp: d.now,
    stoppedReason,
    // Idle when the vehicle left, EVConnected when a stop ended it with the cable still in.
    chargingState: chargingState !== tx.reportedChargingState ? chargingState : undefined,
    idToken: stoppedBy,
    reading,
  };
  dropUndefined(ended);
  emit(d, ended);
  const scheduled = s.scheduled;
  s.scheduled = [];
  for (const change of scheduled) applyAvailability(d, change);
  evaluate(d, { trigger: 'Trigger' });
}
