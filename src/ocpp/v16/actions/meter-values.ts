import type { MeterValuesRequest } from 'ocpp-messages/v1.6/index.js';
import type { MeterReading } from '../../../station/meter-reading.js';
import { sampledValues } from '../../common/measurands.js';

export type MeterValue16 = MeterValuesRequest['meterValue'][number];
export type ReadingContext16 = NonNullable<MeterValue16['sampledValue'][number]['context']>;

/** One 1.6 MeterValue: the measurands of one reading at one time (7.28); values are strings in 1.6. */
export function meterValue16(reading: MeterReading, measurands: readonly string[], context: ReadingContext16, timestamp: string): MeterValue16 | undefined {
  const values = sampledValues(reading, measurands).map((v) => ({
    value: String(v.value),
    context,
    format: 'Raw' as const,
    measurand: v.measurand,
    phase: v.phase,
    location: 'Outlet' as const,
    // 1.6's UnitOfMeasure has no Hz: a frequency goes without a unit.
    unit: v.unit !== 'Hz' ? v.unit : undefined,
  }));
  return values.length > 0 ? { timestamp, sampledValue: values } : undefined;
}

/** 4.7 MeterValues; transactionId when the values belong to a transaction. */
export function meterValuesRequest(connectorId: number, values: MeterValue16[], transactionId?: number): MeterValuesRequest {
  return { connectorId, transactionId, meterValue: values };
}
