import type { MeterValuesRequest } from 'ocpp-messages/v1.6/index.js';
import type { MeterReading } from '../../../station/meter-reading.js';
import { signedMeterValueFields, type SignedReading } from '../../../services/transactions/signed-readings.js';
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

/**
 * A signed reading as 1.6 carries it (OCA application note "Signed Meter Values in OCPP" 3.2.1,
 * example 5.2): a SampledValue of format SignedData whose value is the SignedMeterValueType JSON,
 * signedMeterData the Base64 of the OCMF text, on the energy register.
 */
export function signedMeterValue16(signed: SignedReading, context: ReadingContext16, timestamp: string, withPublicKey: boolean): MeterValue16 {
  return {
    timestamp,
    sampledValue: [
      {
        value: JSON.stringify(signedMeterValueFields(signed, withPublicKey)),
        context,
        format: 'SignedData',
        measurand: 'Energy.Active.Import.Register',
        location: 'Outlet',
        unit: 'Wh',
      },
    ],
  };
}
