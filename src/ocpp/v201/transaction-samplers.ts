import type { MeterValueType } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { TimerHandle } from '../../station/clock.js';
import type { MeterReading } from '../../station/meter-reading.js';
import { AlignedSchedule } from '../../services/transactions/aligned-schedule.js';
import type { CsmsClock } from '../../services/registration/csms-clock.js';
import { meterValue } from './actions/meter-values.js';
import type { DeviceModel } from './device-model/device-model.js';

/**
 * The meter values a running transaction collects (Part 2 J, "Meter Values - Configuration"):
 * - SampledDataCtrlr.TxUpdatedInterval: TxUpdatedMeasurands sent at once in an Updated message (J02);
 * - SampledDataCtrlr.TxEndedInterval: TxEndedMeasurands every interval from the transaction's
 *   start, kept for the Ended message (context Sample.Periodic, E06.FR.11);
 * - AlignedDataCtrlr.TxEndedInterval: AlignedDataCtrlr.TxEndedMeasurands on every clock boundary
 *   of that interval counted from midnight, kept for the Ended message (context Sample.Clock,
 *   timestamped on the boundary).
 * What is kept goes with the transaction's journaled state (the adapter's business), so an Ended
 * message built after a restart still has it.
 */

/** The most samples kept for one Ended message: they are journaled, and must fit in one message (E06.FR.12). */
export const MAX_ENDED_SAMPLES = 100;

/**
 * The samples with `value` added. Over `max`, intermediate samples go, every other one (E06.FR.13),
 * never the first nor the latest.
 */
export function keepEndedSample(samples: readonly MeterValueType[], value: MeterValueType, max = MAX_ENDED_SAMPLES): MeterValueType[] {
  const kept = [...samples, value];
  if (kept.length <= max) return kept;
  return kept.filter((_, i) => i % 2 === 0 || i === kept.length - 1);
}

/** Samples as the journal gave them back: only well-formed ones are kept. */
export function reviveEndedSamples(raw: unknown): MeterValueType[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (v): v is MeterValueType =>
      typeof v === 'object' && v !== null && typeof (v as MeterValueType).timestamp === 'string' && Array.isArray((v as MeterValueType).sampledValue) && (v as MeterValueType).sampledValue.length > 0,
  );
}

/** What the samplers need of a running transaction. */
export interface SampledTransaction {
  evseId: number;
  snapshot: { startedAt: Date };
}

export interface TransactionSamplersOptions {
  clock: CsmsClock;
  /** Where the intervals and measurands are read, each time they are needed. */
  deviceModel(): DeviceModel;
  latestReading(evseId: number): MeterReading | undefined;
  /** The transactions running now, by id. */
  running(): ReadonlyMap<string, SampledTransaction>;
  /** A TxUpdatedInterval sample, to send now. */
  onUpdated(transactionId: string, value: MeterValueType): void;
  /** A TxEndedInterval sample (periodic or clock-aligned), to keep for the Ended message. */
  onEndedSample(transactionId: string, value: MeterValueType): void;
}

export class TransactionSamplers {
  private readonly timers = new Map<string, { updated?: TimerHandle; ended?: TimerHandle }>();
  private readonly alignedEnded: AlignedSchedule;

  constructor(private readonly options: TransactionSamplersOptions) {
    this.alignedEnded = new AlignedSchedule(
      options.clock,
      () => options.deviceModel().getInt('AlignedDataCtrlr', 'TxEndedInterval'),
      (boundary) => this.clockAligned(boundary),
    );
  }

  /** Plans the clock-aligned samples: at start, and whenever AlignedDataCtrlr or the clock changed. */
  schedule(): void {
    this.alignedEnded.schedule();
  }

  /** Starts (again) a transaction's periodic samplers: at its start, after a restart, when SampledDataCtrlr changed. */
  start(transactionId: string, tx: SampledTransaction): void {
    this.stop(transactionId);
    const dm = this.options.deviceModel();
    const timers: { updated?: TimerHandle; ended?: TimerHandle } = {};
    this.timers.set(transactionId, timers);
    const updatedS = dm.getInt('SampledDataCtrlr', 'TxUpdatedInterval');
    if (updatedS > 0) {
      timers.updated = this.options.clock.local.setInterval(() => {
        const value = this.sample(tx.evseId, dm.getList('SampledDataCtrlr', 'TxUpdatedMeasurands'));
        if (value) this.options.onUpdated(transactionId, value);
      }, updatedS * 1000);
    }
    const endedMs = dm.getInt('SampledDataCtrlr', 'TxEndedInterval') * 1000;
    if (endedMs > 0) {
      // Every interval from the start of the transaction, so a restart keeps the rhythm.
      const next = (): void => {
        const sinceStartMs = this.options.clock.local.nowMs() - tx.snapshot.startedAt.getTime();
        const waitMs = endedMs - (((sinceStartMs % endedMs) + endedMs) % endedMs);
        timers.ended = this.options.clock.local.setTimeout(() => {
          const value = this.sample(tx.evseId, dm.getList('SampledDataCtrlr', 'TxEndedMeasurands'));
          if (value) this.options.onEndedSample(transactionId, value);
          next();
        }, waitMs);
      };
      next();
    }
  }

  stop(transactionId: string): void {
    const timers = this.timers.get(transactionId);
    if (!timers) return;
    timers.updated?.cancel();
    timers.ended?.cancel();
    this.timers.delete(transactionId);
  }

  stopAll(): void {
    this.alignedEnded.stop();
    for (const id of [...this.timers.keys()]) this.stop(id);
  }

  /** The measurands of the EVSE's latest reading, at the reading's time (Sample.Periodic). */
  private sample(evseId: number, measurands: readonly string[]): MeterValueType | undefined {
    const reading = this.options.latestReading(evseId);
    return reading && meterValue(reading, measurands, 'Sample.Periodic', this.options.clock.iso(reading.timestamp));
  }

  /** A boundary of AlignedDataCtrlr.TxEndedInterval: each running transaction keeps a sample, timestamped on it. */
  private clockAligned(boundary: Date): void {
    const measurands = this.options.deviceModel().getList('AlignedDataCtrlr', 'TxEndedMeasurands');
    const timestamp = boundary.toISOString(); // already on the CSMS' clock
    for (const [transactionId, tx] of this.options.running()) {
      const reading = this.options.latestReading(tx.evseId);
      const value = reading && meterValue(reading, measurands, 'Sample.Clock', timestamp);
      if (value) this.options.onEndedSample(transactionId, value);
    }
  }
}
