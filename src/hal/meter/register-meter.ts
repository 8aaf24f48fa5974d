import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { checkReading, initialHealth, nextHealth, type PollOutcome } from './meter-health.js';
import type { MeterEvent, MeterPoll, PowerMeter } from '../roles/power-meter.js';
import type { RegisterReader } from './register-reader.js';
import { systemClock, type Clock } from '../../station/clock.js';
import { PollLoop } from '../poll-loop.js';
import type { MeterFaultKind, MeterHealth, MeterReading, MeterValues } from '../../station/meter-reading.js';
import { RegisterReadError } from './register-reader.js';
import type { MeterProfile } from './profile.js';
import { decodeAnswer, planReads, type ReadRequest } from './read-plan.js';

export interface RegisterMeterOptions {
  name: string;
  profile: MeterProfile;
  reader: RegisterReader;
  /** Extra attempts of a failed request within one poll. */
  retries: number;
  /** Failed polls in a row after which the meter is reported failed. */
  failAfterPolls: number;
  /** Time for the readings' timestamps and the poll cadence; default the system clock. */
  clock?: Clock;
}

/**
 * A meter read through registers per its profile: plans the fewest requests, retries, decodes,
 * checks every reading, and tracks health. Used for Modbus meters and the simulated meter alike.
 */
export class RegisterMeter implements PowerMeter {
  readonly name: string;
  readonly plan: readonly ReadRequest[];
  private readonly readingsSubject = new Subject<MeterReading>();
  private readonly healthSubject = new BehaviorSubject<MeterHealth>(initialHealth());
  private readonly eventsSubject = new Subject<MeterEvent>();
  private readonly pollsSubject = new Subject<MeterPoll>();
  private lastGood: MeterReading | undefined;
  private readonly clock: Clock;
  private readonly loop: PollLoop<MeterReading | undefined>;

  constructor(private readonly options: RegisterMeterOptions) {
    this.name = options.name;
    this.plan = planReads(options.profile);
    this.clock = options.clock ?? systemClock;
    this.loop = new PollLoop(this.clock, () => this.doPoll());
  }

  get readings$(): Observable<MeterReading> {
    return this.readingsSubject.asObservable();
  }
  get health$(): Observable<MeterHealth> {
    return this.healthSubject.asObservable();
  }
  get events$(): Observable<MeterEvent> {
    return this.eventsSubject.asObservable();
  }
  get polls$(): Observable<MeterPoll> {
    return this.pollsSubject.asObservable();
  }
  get latest(): MeterReading | undefined {
    return this.lastGood;
  }
  get health(): MeterHealth {
    return this.healthSubject.value;
  }
  get profile(): MeterProfile {
    return this.options.profile;
  }

  /** Polls once. Concurrent callers share the poll in flight: one meter, one request at a time. */
  poll(): Promise<MeterReading | undefined> {
    return this.loop.poll();
  }

  private async doPoll(): Promise<MeterReading | undefined> {
    const startedMs = this.clock.nowMs();
    const faults: MeterFaultKind[] = [];
    let requests = 0;
    let retries = 0;
    const values: Partial<MeterValues> = {};
    let outcome: PollOutcome | undefined;
    for (const request of this.plan) {
      let lastError: RegisterReadError | undefined;
      let registers: number[] | undefined;
      for (let attempt = 0; attempt <= this.options.retries; attempt++) {
        if (attempt > 0) retries++;
        requests++;
        try {
          registers = await this.options.reader.readRegisters(request.function, request.start, request.count);
          break;
        } catch (err) {
          lastError =
            err instanceof RegisterReadError ? err : new RegisterReadError('io', err instanceof Error ? err.message : String(err));
          faults.push(lastError.kind);
        }
      }
      if (!registers) {
        const e = lastError ?? new RegisterReadError('io', 'no answer');
        outcome = {
          ok: false,
          kind: e.kind,
          message: `${this.options.reader.description}: FC${request.function} ${request.start}+${request.count}: ${e.message}`,
          requests,
          retries,
          faults,
        };
        break;
      }
      try {
        Object.assign(values, decodeAnswer(request, registers, this.options.profile.notAvailableIsMax));
      } catch (err) {
        faults.push('invalid-value');
        outcome = { ok: false, kind: 'invalid-value', message: (err as Error).message, requests, retries, faults };
        break;
      }
    }
    const now = this.clock.now();
    let reading: MeterReading | undefined;
    if (!outcome && values.energyImportWh === undefined) {
      faults.push('invalid-value');
      outcome = { ok: false, kind: 'invalid-value', message: 'the meter reports no import energy', requests, retries, faults };
    }
    if (!outcome) {
      reading = { ...(values as MeterValues), timestamp: now };
      const check = checkReading(reading, this.lastGood);
      if (check.ok) {
        outcome = { ok: true, reading, requests, retries, faults };
      } else {
        faults.push(check.kind);
        outcome = { ok: false, kind: check.kind, message: check.message, requests, retries, faults };
        reading = undefined;
      }
    }
    const next = nextHealth(this.healthSubject.value, outcome, this.options.failAfterPolls, now);
    if (reading) this.lastGood = reading;
    this.healthSubject.next(next.health);
    for (const e of next.events) this.eventsSubject.next(e);
    if (reading) this.readingsSubject.next(reading);
    this.pollsSubject.next({ durationMs: this.clock.nowMs() - startedMs, ok: outcome.ok, kind: outcome.ok ? undefined : outcome.kind });
    return reading;
  }

  /** Polls every intervalMs until stop(), one poll at a time. */
  start(intervalMs: number): void {
    this.loop.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Stops polling and releases the reader (the bus stays open for other meters on it). */
  async close(): Promise<void> {
    await this.stop();
    await this.options.reader.close();
    this.readingsSubject.complete();
    this.eventsSubject.complete();
    this.pollsSubject.complete();
    this.healthSubject.complete();
  }
}
