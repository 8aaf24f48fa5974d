import type { ChargingProfilePurpose, ChargingRateUnit, InstalledProfile } from './charging-profile.js';

export interface CompositeScheduleRequest {
  profiles: readonly InstalledProfile[];
  evseId: number;
  start: Date;
  durationS: number;
  rateUnit: ChargingRateUnit;
  transaction?: { id: string; startedAt: Date };
  electrical: { voltageV: number; phases: 1 | 3 };
}
export interface CompositePeriod {
  startPeriodS: number;
  limit: number;
  numberPhases?: number;
  source: ChargingProfilePurpose;
}
export interface CompositeSchedule {
  evseId: number;
  start: Date;
  durationS: number;
  rateUnit: ChargingRateUnit;
  periods: CompositePeriod[];
}

/** Work in progress: the exports others build on. */
export function compositeSchedule(request: CompositeScheduleRequest): CompositeSchedule {
  return { evseId: request.evseId, start: request.start, durationS: request.durationS, rateUnit: request.rateUnit, periods: [] };
}

export function nextChange(request: Omit<CompositeScheduleRequest, 'durationS'>): { limit: CompositePeriod | undefined; nextAt: Date | undefined } {
  void request;
  return { limit: undefined, nextAt: undefined };
}
