import type { MeterEvent } from '../roles/power-meter.js';
import type { MeterCounters, MeterFaultKind, MeterHealth, MeterReading } from '../../station/meter-reading.js';

/** The outcome of one poll, as the health rules see it. */
export type PollOutcome =
  | { ok: true; reading: MeterReading; requests: number; retries: number; faults: MeterFaultKind[] }
  | { ok: false; kind: MeterFaultKind; message: string; requests: number; retries: number; faults: MeterFaultKind[] };

export function initialHealth(): MeterHealth {
  const counters: MeterCounters = {
    polls: 0,
    goodPolls: 0,
    failedPolls: 0,
    requests: 0,
    retries: 0,
    timeouts: 0,
    crcErrors: 0,
    exceptions: 0,
    ioErrors: 0,
    rejectedReadings: 0,
  };
  return { state: 'unknown', consecutiveFailedPolls: 0, counters };
}

const COUNTER_OF: Partial<Record<MeterFaultKind, keyof MeterCounters>> = {
  timeout: 'timeouts',
  crc: 'crcErrors',
  exception: 'exceptions',
  io: 'ioErrors',
  'energy-backwards': 'rejectedReadings',
  'invalid-value': 'rejectedReadings',
};

/**
 * Pure health transition: counts what happened in a poll and decides whether the meter has failed
 * (failAfterPolls failed polls in a row, or at once when its energy went backwards) or recovered
 * (a good poll after failing).
 */
export function nextHealth(
  health: MeterHealth,
  outcome: PollOutcome,
  failAfterPolls: number,
  now: Date,
): { health: MeterHealth; events: MeterEvent[] } {
  const counters = { ...health.counters };
  counters.polls++;
  counters.requests += outcome.requests;
  counters.retries += outcome.retries;
  for (const f of outcome.faults) {
    const c = COUNTER_OF[f];
    if (c) counters[c]++;
  }
  const events: MeterEvent[] = [];
  if (outcome.ok) {
    counters.goodPolls++;
    if (health.state === 'failed') events.push({ type: 'recovered' });
    return {
      health: { ...health, state: 'ok', consecutiveFailedPolls: 0, counters, lastGoodAt: now },
      events,
    };
  }
  counters.failedPolls++;
  const consecutive = health.consecutiveFailedPolls + 1;
  events.push({ type: 'poll-failed', kind: outcome.kind, message: outcome.message });
  let state = health.state;
  // A register that went backwards is not noise on the line but a meter that was swapped, reset or
  // is broken: no reading of it can be billed, so it fails on the first one.
  const failsNow = consecutive >= failAfterPolls || outcome.kind === 'energy-backwards';
  if (failsNow && state !== 'failed') {
    state = 'failed';
    events.push({ type: 'failed', kind: outcome.kind, message: outcome.message });
  }
  return {
    health: {
      ...health,
      state,
      consecutiveFailedPolls: consecutive,
      counters,
      lastFault: { kind: outcome.kind, message: outcome.message, at: now },
    },
    events,
  };
}

/**
 * Checks a decoded reading before it is passed on: every value a finite number, and the energy
 * register never lower than the last good reading (a meter swapped, reset or misread must not
 * turn into negative energy on a bill).
 */
export function checkReading(
  reading: MeterReading,
  lastGood: MeterReading | undefined,
): { ok: true } | { ok: false; kind: 'energy-backwards' | 'invalid-value'; message: string } {
  for (const [name, value] of Object.entries(reading)) {
    if (name === 'timestamp') continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { ok: false, kind: 'invalid-value', message: `${name} is not a finite number (${String(value)})` };
    }
  }
  if (reading.energyImportWh < 0) {
    return { ok: false, kind: 'invalid-value', message: `energyImportWh is negative (${reading.energyImportWh})` };
  }
  if (lastGood && reading.energyImportWh < lastGood.energyImportWh) {
    return {
      ok: false,
      kind: 'energy-backwards',
      message: `energy went backwards: ${reading.energyImportWh} Wh after ${lastGood.energyImportWh} Wh`,
    };
  }
  if (
    lastGood?.energyExportWh !== undefined &&
    reading.energyExportWh !== undefined &&
    reading.energyExportWh < lastGood.energyExportWh
  ) {
    return {
      ok: false,
      kind: 'energy-backwards',
      message: `export energy went backwards: ${reading.energyExportWh} Wh after ${lastGood.energyExportWh} Wh`,
    };
  }
  return { ok: true };
}
