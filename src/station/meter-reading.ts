/**
 * What the charging core knows of an energy meter's readings and health: its own vocabulary, which
 * the power-meter role in src/hal implements (a Modbus meter, the simulated one) without the core
 * learning which.
 */

/** The values evse-agent reads from a meter, by name; the suffix is the unit. */
export const METER_VALUE_NAMES = [
  'energyImportWh',
  'energyExportWh',
  'powerW',
  'powerL1W',
  'powerL2W',
  'powerL3W',
  'currentL1A',
  'currentL2A',
  'currentL3A',
  'voltageL1V',
  'voltageL2V',
  'voltageL3V',
  'frequencyHz',
] as const;
export type MeterValueName = (typeof METER_VALUE_NAMES)[number];

/** One good reading: every value the meter offers, energy in Wh. */
export type MeterValues = Partial<Record<MeterValueName, number>> & { energyImportWh: number };
export interface MeterReading extends Readonly<MeterValues> {
  readonly timestamp: Date;
}

/** Why a poll failed. */
export type MeterFaultKind = 'timeout' | 'crc' | 'exception' | 'io' | 'energy-backwards' | 'invalid-value';

export interface MeterCounters {
  polls: number;
  goodPolls: number;
  failedPolls: number;
  requests: number;
  retries: number;
  timeouts: number;
  crcErrors: number;
  exceptions: number;
  ioErrors: number;
  rejectedReadings: number;
}

export interface MeterHealth {
  /** unknown until the first poll; failed after failAfterPolls polls in a row failed; ok again on the next good one. */
  state: 'unknown' | 'ok' | 'failed';
  consecutiveFailedPolls: number;
  counters: MeterCounters;
  lastFault?: { kind: MeterFaultKind; message: string; at: Date };
  lastGoodAt?: Date;
}
