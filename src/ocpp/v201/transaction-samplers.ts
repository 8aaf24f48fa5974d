import type { MeterValueType } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { CsmsClock } from '../../services/registration/csms-clock.js';
import { MeterSampling, type SampledTransaction } from '../../services/transactions/meter-sampling.js';
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
 * - AlignedDataCtrlr.Interval: the aligned measurands to send at every boundary (J01), when the
 *   adapter asks for them (onAligned).
 * What is kept goes with the transaction's journaled state (the adapter's business), so an Ended
 * message built after a restart still has it. The timers are the metering service's.
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

export type { SampledTransaction };

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
  /** A boundary of AlignedDataCtrlr.Interval (J01); without it, none is scheduled. */
  onAligned?(boundary: Date): void;
}

/** The 2.0.1 device model's samplers on the version-neutral metering service. */
export class TransactionSamplers {
  private readonly sampling: MeterSampling;

  constructor(private readonly options: TransactionSamplersOptions) {
    const dm = (): DeviceModel => options.deviceModel();
    const onAligned = options.onAligned;
    this.sampling = new MeterSampling({
      clock: options.clock,
      latestReading: options.latestReading,
      periodic: [
        {
          intervalS: () => dm().getInt('SampledDataCtrlr', 'TxUpdatedInterval'),
          from: 'sampling-start',
          onSample: (id, reading) => {
            const value = this.periodicValue(reading, dm().getList('SampledDataCtrlr', 'TxUpdatedMeasurands'));
            if (value) options.onUpdated(id, value);
          },
        },
        {
          intervalS: () => dm().getInt('SampledDataCtrlr', 'TxEndedInterval'),
          from: 'transaction-start',
          onSample: (id, reading) => {
            const value = this.periodicValue(reading, dm().getList('SampledDataCtrlr', 'TxEndedMeasurands'));
            if (value) options.onEndedSample(id, value);
          },
        },
      ],
      // J01 first: at a boundary both reach, the values sent go before the sample kept.
      aligned: [
        ...(onAligned ? [{ intervalS: () => dm().getInt('AlignedDataCtrlr', 'Interval'), onBoundary: onAligned }] : []),
        { intervalS: () => dm().getInt('AlignedDataCtrlr', 'TxEndedInterval'), onBoundary: (boundary: Date) => this.clockAligned(boundary) },
      ],
    });
  }

  /** Plans the clock-aligned samples: at start, and whenever AlignedDataCtrlr or the clock changed. */
  schedule(): void {
    this.sampling.schedule();
  }

  /** Starts (again) a transaction's periodic samplers: at its start, after a restart, when SampledDataCtrlr changed. */
  start(transactionId: string, tx: SampledTransaction): void {
    this.sampling.start(transactionId, tx);
  }

  stop(transactionId: string): void {
    this.sampling.stop(transactionId);
  }

  stopAll(): void {
    this.sampling.stopAll();
  }

  /** The measurands of the EVSE's latest reading, at the reading's time (Sample.Periodic). */
  private periodicValue(reading: MeterReading, measurands: readonly string[]): MeterValueType | undefined {
    return meterValue(reading, measurands, 'Sample.Periodic', this.options.clock.iso(reading.timestamp));
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
