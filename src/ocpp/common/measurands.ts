import type { MeasurandName } from '../../config/station-config.js';
import type { MeterReading } from '../../station/meter-reading.js';

/**
 * Meter readings as OCPP sampled values, the same in 1.6 and 2.0.1: measurand names, phases and
 * units per the MeasurandEnumType both versions share. Register values are reported exactly as
 * the meter holds them, never rebased to the transaction (2.0.1 J02.FR.17).
 */

export type { MeasurandName };

/** Every measurand the station's meters can give. */
export const MEASURANDS: readonly MeasurandName[] = [
  'Energy.Active.Import.Register',
  'Energy.Active.Export.Register',
  'Power.Active.Import',
  'Current.Import',
  'Voltage',
  'Frequency',
];

export interface SampledValue {
  value: number;
  measurand: MeasurandName;
  phase?: 'L1' | 'L2' | 'L3' | 'L1-N' | 'L2-N' | 'L3-N';
  unit: 'Wh' | 'W' | 'A' | 'V' | 'Hz';
}

const PHASES = [
  ['L1', 'L1-N', 'currentL1A', 'voltageL1V', 'powerL1W'],
  ['L2', 'L2-N', 'currentL2A', 'voltageL2V', 'powerL2W'],
  ['L3', 'L3-N', 'currentL3A', 'voltageL3V', 'powerL3W'],
] as const;

/** Rounds to what the meter can really tell, so messages carry no float noise. */
const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** The sampled values of the given measurands that this reading holds. */
export function sampledValues(reading: MeterReading, measurands: readonly string[]): SampledValue[] {
  const out: SampledValue[] = [];
  for (const m of measurands) {
    switch (m) {
      case 'Energy.Active.Import.Register':
        out.push({ value: round(reading.energyImportWh, 3), measurand: m, unit: 'Wh' });
        break;
      case 'Energy.Active.Export.Register':
        if (reading.energyExportWh !== undefined) out.push({ value: round(reading.energyExportWh, 3), measurand: m, unit: 'Wh' });
        break;
      case 'Power.Active.Import':
        // Import only: power flowing back is not import.
        if (reading.powerW !== undefined) out.push({ value: round(Math.max(0, reading.powerW), 1), measurand: m, unit: 'W' });
        for (const [phase, , , , power] of PHASES) {
          const v = reading[power];
          if (v !== undefined) out.push({ value: round(Math.max(0, v), 1), measurand: m, phase, unit: 'W' });
        }
        break;
      case 'Current.Import':
        for (const [phase, , current] of PHASES) {
          const v = reading[current];
          if (v !== undefined) out.push({ value: round(Math.abs(v), 3), measurand: m, phase, unit: 'A' });
        }
        break;
      case 'Voltage':
        for (const [, phaseN, , voltage] of PHASES) {
          const v = reading[voltage];
          if (v !== undefined) out.push({ value: round(v, 1), measurand: m, phase: phaseN, unit: 'V' });
        }
        break;
      case 'Frequency':
        if (reading.frequencyHz !== undefined) out.push({ value: round(reading.frequencyHz, 2), measurand: m, unit: 'Hz' });
        break;
      default:
        break; // a measurand this meter cannot give: left out rather than invented
    }
  }
  return out;
}
