import { dispatch, dispatchAll, viewOf, type Draft } from './evse-draft.js';
import { meterFailed, onMeterAnswers, superviseCurrent } from './evse-faults.js';
import { deauthorize, limitInvalidTokenEnergy } from './evse-session.js';
import { evaluate } from './evse-step.js';
import type { TransactionSnapshot } from './events.js';
import type { MeterReading } from './meter-reading.js';
import { highestCurrentA } from './supervision.js';

/** What a meter reading decides: supervision, the transaction's energy and limits, EV demand, and power-loss recovery. */

export function onReading(d: Draft, r: MeterReading): void {
  const s = d.s;
  s.latestReading = r;
  const wasReady = s.connectors.every((c) => c.meter === 'ok');
  const wasFailed = meterFailed(s);
  if (!wasReady) dispatchAll(d, { type: 'MeterRecovered' });
  if (wasFailed) onMeterAnswers(d);
  superviseCurrent(d, r);
  if (s.tx?.recovering) {
    decideRecovery(d, r);
    return;
  }
  const tx = s.tx;
  if (tx && !tx.ending) {
    tx.snapshot.energyWh = Math.max(0, r.energyImportWh - tx.snapshot.meterStartWh);
    limitInvalidTokenEnergy(d);
    const limit = d.env.settings.maxEnergyWh;
    if (limit !== undefined && tx.snapshot.energyWh >= limit && s.authorization) {
      deauthorize(d, { trigger: 'EnergyLimitReached', stopReason: 'EnergyLimitReached' });
      return;
    }
  }
  detectEvDemand(d, r);
  if (!wasReady || s.waitingForReading) evaluate(d, { trigger: 'Trigger' });
}

/**
 * Without a control pilot, the meter tells whether the EV takes energy: with the relay closed,
 * current below evIdleCurrentA on every phase for evIdleAfterS means the EV suspended.
 */
function detectEvDemand(d: Draft, r: MeterReading): void {
  const s = d.s;
  // With a pilot the vehicle says itself whether it draws (state B or C).
  if (s.pilot) return;
  const index = s.connectors.findIndex((_, i) => viewOf(s, i).relayClosed);
  if (index < 0) {
    s.idleSince = undefined;
    return;
  }
  const settings = d.env.settings;
  const now = r.timestamp.getTime();
  if (highestCurrentA(r) >= settings.evIdleCurrentA) {
    s.idleSince = undefined;
    if (s.connectors[index]!.evSuspended) {
      dispatch(d, index, { type: 'EvReady' });
      evaluate(d, { trigger: 'ChargingStateChanged' });
    }
    return;
  }
  s.idleSince ??= now;
  if (!s.connectors[index]!.evSuspended && now - s.idleSince >= settings.evIdleAfterS * 1000) {
    dispatch(d, index, { type: 'EvSuspended' });
    evaluate(d, { trigger: 'ChargingStateChanged' });
  }
}

/**
 * A transaction that was running when the agent stopped without ending it (a crash, a power
 * cut). Its relay stays open; once the meter answers it is resumed (decideRecovery) or ended.
 */
export function recover(d: Draft, snapshot: TransactionSnapshot): void {
  d.s.tx = {
    snapshot: { ...snapshot },
    held: { evConnected: snapshot.connectorId !== undefined, authorized: snapshot.idToken !== undefined, powerPathClosed: false, energyTransfer: false },
    idTokenReported: true,
    connectorReported: snapshot.connectorId !== undefined,
    remoteStartReported: true,
    recovering: true,
  };
}

/**
 * The first reading after a restart decides a recovered transaction: it goes on when configured
 * (resumeAfterPowerLoss), the vehicle is still plugged in and the meter has not gone backwards;
 * else it ends with PowerLoss.
 */
function decideRecovery(d: Draft, reading: MeterReading): void {
  const s = d.s;
  const tx = s.tx;
  if (!tx?.recovering) return;
  tx.recovering = false;
  const index = s.config.connectorIds.indexOf(tx.snapshot.connectorId ?? -1);
  const idToken = tx.snapshot.idToken;
  if (d.env.settings.resumeAfterPowerLoss && index >= 0 && s.connectors[index]!.plugged && idToken && reading.energyImportWh >= tx.snapshot.meterStartWh) {
    s.authorization = { idToken, groupIdToken: tx.snapshot.groupIdToken, source: 'token', decidedBy: tx.snapshot.authorizationSource, connectorId: s.config.connectorIds[index] };
    evaluate(d, { trigger: 'ChargingStateChanged' });
    return;
  }
  s.forcedStop = { trigger: 'AbnormalCondition', stopReason: 'PowerLoss' };
  evaluate(d, { trigger: 'AbnormalCondition' });
}
