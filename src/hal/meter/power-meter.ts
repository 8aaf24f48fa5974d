import type { Observable } from 'rxjs';
import type { MeterFaultKind, MeterHealth, MeterReading } from '../../station/meter-reading.js';

/**
 * The power meter port: what the rest of the agent knows of an energy meter. Modbus meters and the
 * simulated meter sit behind it alike; the charging core never learns which one it has.
 */

export type MeterEvent =
  | { type: 'poll-failed'; kind: MeterFaultKind; message: string }
  | { type: 'failed'; kind: MeterFaultKind; message: string }
  | { type: 'recovered' };

export interface PowerMeter {
  /** A name for logs, e.g. "evse 1 meter (eastron-sdm630, unit 1)". */
  readonly name: string;
  /** Good readings only: a reading that failed a check never appears here. */
  readonly readings$: Observable<MeterReading>;
  /** The current health; replays the latest to a new subscriber. */
  readonly health$: Observable<MeterHealth>;
  readonly events$: Observable<MeterEvent>;
  readonly latest: MeterReading | undefined;
  readonly health: MeterHealth;
  /** Polls once now; resolves with the reading, or undefined when the poll failed (see health). */
  poll(): Promise<MeterReading | undefined>;
  /** Polls every intervalMs until stop(); one poll at a time, never overlapping. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

/** An error of one register read, classified so that health can count it. */
export class RegisterReadError extends Error {
  constructor(
    readonly kind: Exclude<MeterFaultKind, 'energy-backwards' | 'invalid-value'>,
    message: string,
    readonly exceptionCode?: number,
  ) {
    super(message);
    this.name = 'RegisterReadError';
  }
}

/** Reads registers from one meter: one Modbus request per call. Drivers implement this. */
export interface RegisterReader {
  readonly description: string;
  readRegisters(fn: 3 | 4, start: number, count: number): Promise<number[]>;
  close(): Promise<void>;
}
