import type { MeterValuesRequest, MeterValueType, ReadingContextEnumType, SampledValueType } from 'ocpp-messages/v2.0/MeterValuesRequest.js';
import type { MeterReading } from '../../../station/meter-reading.js';
import { sampledValues } from '../../common/measurands.js';

/** One meterValue element: the configured measurands of one reading, at one timestamp (J01.FR.05/17). */
export function meterValue(reading: MeterReading, measurands: readonly string[], context: ReadingContextEnumType, timestamp: string): MeterValueType | undefined {
  const values: SampledValueType[] = sampledValues(reading, measurands).map((v) => ({
    value: v.value,
    context,
    measurand: v.measurand,
    phase: v.phase,
    location: 'Outlet',
    unitOfMeasure: { unit: v.unit },
  }));
  // A meterValue needs at least one sampled value (minItems 1).
  const [first, ...rest] = values;
  return first ? { timestamp, sampledValue: [first, ...rest] } : undefined;
}

/** J01: clock-aligned or triggered meter values of an EVSE outside a transaction. */
export function meterValuesRequest(evseId: number, value: MeterValueType): MeterValuesRequest {
  return { evseId, meterValue: [value] };
}
