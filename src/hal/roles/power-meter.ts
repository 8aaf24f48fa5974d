import type { Observable } from 'rxjs';
import type { MeterFaultKind, MeterHealth, MeterReading } from '../../station/meter-reading.js';

/**
 * The power meter role: what the agent knows of an EVSE's energy meter. A Modbus meter (RTU or
 * TCP) and the simulated meter play it alike (drivers/modbus, drivers/simulated); the charging
 * core never learns which one it has.
 */

export type MeterEvent =
  | { type: 'poll-failed'; kind: MeterFaultKind; message: string }
  | { type: 'failed'; kind: MeterFaultKind; message: string }
  | { type: 'recovered' };

/** One poll as it ended: how long it took and whether it gave a good reading (for metrics). */
export interface MeterPoll {
  durationMs: number;
  ok: boolean;
  /** Why it failed. */
  kind?: MeterFaultKind;
}

export interface PowerMeter {
  /** A name for logs, e.g. "evse 1 meter (eastron-sdm630, unit 1)". */
  readonly name: string;
  /** Good readings only: a reading that failed a check never appears here. */
  readonly readings$: Observable<MeterReading>;
  /** The current health; replays the latest to a new subscriber. */
  readonly health$: Observable<MeterHealth>;
  readonly events$: Observable<MeterEvent>;
  /** Every poll as it ends; optional: a meter without it reports no poll durations. */
  readonly polls$?: Observable<MeterPoll>;
  readonly latest: MeterReading | undefined;
  readonly health: MeterHealth;
  /** Polls once now; resolves with the reading, or undefined when the poll failed (see health). */
  poll(): Promise<MeterReading | undefined>;
  /** Polls every intervalMs until stop(); one poll at a time, never overlapping. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
  /** Stops polling and releases the meter's line. */
  close(): Promise<void>;
}
