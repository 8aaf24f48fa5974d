import type { TimerHandle } from '../../station/clock.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { CsmsClock } from '../registration/csms-clock.js';
import { AlignedSchedule } from './aligned-schedule.js';

/** A sampler of every running transaction at a fixed interval. */
export interface PeriodicSampler {
  /** The interval now, in seconds; 0 or less: none. Read when a transaction's sampling starts. */
  intervalS(): number;
  /**
   * 'sampling-start': every interval from when sampling started (1.6 MeterValueSampleInterval,
   * 2.0.1 TxUpdatedInterval); 'transaction-start': every interval counted from the transaction's
   * start, so that a restart keeps the rhythm (2.0.1 SampledDataCtrlr.TxEndedInterval).
   */
  from: 'sampling-start' | 'transaction-start';
  /** The EVSE's latest reading, at a tick of this sampler (none without a reading). */
  onSample(transactionId: string, reading: MeterReading): void;
}

/** A sampler at every boundary of an interval counted from midnight, on the CSMS' clock. */
export interface AlignedSampler {
  intervalS(): number;
  onBoundary(boundary: Date): void;
}

/** What sampling needs of a running transaction. */
export interface SampledTransaction {
  evseId: number;
  snapshot: { startedAt: Date };
}

export interface MeterSamplingOptions {
  /** The CSMS' clock (aligned boundaries), over the local one (timers). */
  clock: CsmsClock;
  latestReading(evseId: number): MeterReading | undefined;
  periodic: readonly PeriodicSampler[];
  aligned: readonly AlignedSampler[];
}

/**
 * Metering, the same for both versions: periodic samplers per running transaction, and the
 * clock-aligned schedules (2.0.1 J01/J02, 1.6 9.1.5/9.1.20). Which measurands, and what a sample
 * becomes (a message now, a value kept for the end), is the version's business in the callbacks.
 */
export class MeterSampling {
  private readonly timers = new Map<string, TimerHandle[]>();
  private readonly schedules: AlignedSchedule[];

  constructor(private readonly options: MeterSamplingOptions) {
    this.schedules = options.aligned.map((a) => new AlignedSchedule(options.clock, () => a.intervalS(), (boundary) => a.onBoundary(boundary)));
  }

  /** Plans the clock-aligned samples: at start, and whenever an interval or the clock changed. */
  schedule(): void {
    for (const s of this.schedules) s.schedule();
  }

  /** Starts (again) a transaction's periodic samplers: at its start, after a restart, when an interval changed. */
  start(transactionId: string, tx: SampledTransaction): void {
    this.stop(transactionId);
    const local = this.options.clock.local;
    const timers: TimerHandle[] = [];
    this.timers.set(transactionId, timers);
    for (const sampler of this.options.periodic) {
      const intervalMs = sampler.intervalS() * 1000;
      if (intervalMs <= 0) continue;
      const tick = (): void => {
        const reading = this.options.latestReading(tx.evseId);
        if (reading) sampler.onSample(transactionId, reading);
      };
      if (sampler.from === 'sampling-start') {
        timers.push(local.setInterval(tick, intervalMs));
        continue;
      }
      // Every interval from the start of the transaction, so a restart keeps the rhythm.
      const slot = timers.length;
      const next = (): void => {
        const sinceStartMs = local.nowMs() - tx.snapshot.startedAt.getTime();
        const waitMs = intervalMs - (((sinceStartMs % intervalMs) + intervalMs) % intervalMs);
        timers[slot] = local.setTimeout(() => {
          tick();
          next();
        }, waitMs);
      };
      timers.push({ cancel: () => undefined });
      next();
    }
  }

  stop(transactionId: string): void {
    for (const t of this.timers.get(transactionId) ?? []) t.cancel();
    this.timers.delete(transactionId);
  }

  stopAll(): void {
    for (const s of this.schedules) s.stop();
    for (const id of [...this.timers.keys()]) this.stop(id);
  }
}
