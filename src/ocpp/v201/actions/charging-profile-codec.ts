import type { ChargingProfileType, ChargingScheduleType } from 'ocpp-messages/v2.0/SetChargingProfileRequest.js';
import type { CompositeScheduleType } from 'ocpp-messages/v2.0/GetCompositeScheduleResponse.js';
import type { ChargingProfile, ChargingSchedule, ChargingSchedulePeriod } from '../../../services/smart-charging/charging-profile.js';
import type { CompositeSchedule } from '../../../services/smart-charging/composite-schedule.js';
import type { ProfileRejection } from '../../../services/smart-charging/smart-charging.js';

/**
 * OCPP 2.0.1 ChargingProfileType (Part 2 2.10) <-> the smart charging service's version-neutral
 * profile. The transactionId is the core's own (2.0.1 transaction ids are the station's). Times
 * travel on the CSMS' clock and are kept on the agent's. Only what 2.0.1 itself rules out is
 * refused here; the rules every version shares (periods, stack levels, counts, units) are the
 * service's.
 */

/** The CSMS' time <-> the agent's (CsmsClock's offset). */
export interface ProfileTimes {
  toLocal(csmsTime: Date): Date;
  toCsms(localTime: Date): Date;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reasonCode: string; detail: string };

const refused = (reasonCode: string, detail: string): { ok: false; reasonCode: string; detail: string } => ({ ok: false, reasonCode, detail });

/**
 * The reason code (Part 2 appendix 5, reason_codes.csv) of each refusal by the service. The
 * appendix names TxNotFound for SetChargingProfile; too many installed profiles is the station out
 * of room for one more (Entries' maxLimit).
 */
export const REJECTION_REASON_CODES: Readonly<Record<ProfileRejection, string>> = {
  UnknownTransaction: 'TxNotFound',
  TxProfileWithoutTransaction: 'TxNotFound',
  InvalidStackLevel: 'InvalidStackLevel',
  DuplicateProfile: 'DuplicateProfile',
  TooManyPeriods: 'TooManyElements',
  TooManyProfiles: 'OutOfStorage',
  UnsupportedRateUnit: 'UnsupportedRateUnit',
  UnknownEvse: 'UnknownEvse',
  InvalidSchedule: 'InvalidSchedule',
};

function dateFrom(text: string | undefined, what: string, times: ProfileTimes): Decoded<Date | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  const t = Date.parse(text);
  if (!Number.isFinite(t)) return refused('InvalidValue', `${what} ${JSON.stringify(text)} is not a date-time`);
  return { ok: true, value: times.toLocal(new Date(t)) };
}

function periodFrom(p: ChargingScheduleType['chargingSchedulePeriod'][number]): ChargingSchedulePeriod {
  const period: ChargingSchedulePeriod = { startPeriodS: p.startPeriod, limit: p.limit };
  if (p.numberPhases !== undefined) period.numberPhases = p.numberPhases;
  if (p.phaseToUse !== undefined) period.phaseToUse = p.phaseToUse;
  return period;
}

/** 2.10 ChargingScheduleType; salesTariff (ISO 15118 only) is not kept. */
export function scheduleFrom201(raw: ChargingScheduleType, times: ProfileTimes): Decoded<ChargingSchedule> {
  const start = dateFrom(raw.startSchedule, 'startSchedule', times);
  if (!start.ok) return start;
  const schedule: ChargingSchedule = { id: raw.id, rateUnit: raw.chargingRateUnit, periods: raw.chargingSchedulePeriod.map(periodFrom) };
  if (start.value) schedule.startSchedule = start.value;
  if (raw.duration !== undefined) schedule.durationS = raw.duration;
  if (raw.minChargingRate !== undefined) schedule.minChargingRate = raw.minChargingRate;
  return { ok: true, value: schedule };
}

/**
 * A profile the CSMS sent (SetChargingProfile, RequestStartTransaction). Refused here: more than
 * one schedule outside ISO 15118 (K01.FR.34; the service takes the 3 of 15118), unreadable dates.
 */
export function profileFrom201(raw: ChargingProfileType, times: ProfileTimes): Decoded<ChargingProfile> {
  if (raw.chargingSchedule.length > 1) return refused('InvalidProfile', `K01.FR.34: ${raw.chargingSchedule.length} schedules; one without ISO 15118`);
  const validFrom = dateFrom(raw.validFrom, 'validFrom', times);
  if (!validFrom.ok) return validFrom;
  const validTo = dateFrom(raw.validTo, 'validTo', times);
  if (!validTo.ok) return validTo;
  const schedules: ChargingSchedule[] = [];
  for (const s of raw.chargingSchedule) {
    const schedule = scheduleFrom201(s, times);
    if (!schedule.ok) return schedule;
    schedules.push(schedule.value);
  }
  const profile: ChargingProfile = { id: raw.id, stackLevel: raw.stackLevel, purpose: raw.chargingProfilePurpose, kind: raw.chargingProfileKind, schedules };
  if (raw.recurrencyKind !== undefined) profile.recurrency = raw.recurrencyKind;
  if (validFrom.value) profile.validFrom = validFrom.value;
  if (validTo.value) profile.validTo = validTo.value;
  if (raw.transactionId !== undefined) profile.transactionId = raw.transactionId;
  return { ok: true, value: profile };
}

/** A schedule as 2.0.1 writes it; one installed through 1.6 has no id: its place in the profile stands in. */
export function scheduleTo201(schedule: ChargingSchedule, index: number, times: ProfileTimes): ChargingScheduleType {
  const raw: ChargingScheduleType = {
    id: schedule.id ?? index + 1,
    chargingRateUnit: schedule.rateUnit,
    chargingSchedulePeriod: periodsTo201(schedule.periods),
  };
  if (schedule.startSchedule) raw.startSchedule = times.toCsms(schedule.startSchedule).toISOString();
  if (schedule.durationS !== undefined) raw.duration = schedule.durationS;
  if (schedule.minChargingRate !== undefined) raw.minChargingRate = schedule.minChargingRate;
  return raw;
}

function periodsTo201(periods: readonly ChargingSchedulePeriod[]): ChargingScheduleType['chargingSchedulePeriod'] {
  const raw = periods.map((p) => {
    const period: ChargingScheduleType['chargingSchedulePeriod'][number] = { startPeriod: p.startPeriodS, limit: p.limit };
    if (p.numberPhases !== undefined) period.numberPhases = p.numberPhases;
    if (p.phaseToUse !== undefined) period.phaseToUse = p.phaseToUse;
    return period;
  });
  return raw as ChargingScheduleType['chargingSchedulePeriod'];
}

/** An installed profile as ReportChargingProfiles (K09) tells it. */
export function profileTo201(profile: ChargingProfile, times: ProfileTimes): ChargingProfileType {
  const raw: ChargingProfileType = {
    id: profile.id,
    stackLevel: profile.stackLevel,
    chargingProfilePurpose: profile.purpose,
    chargingProfileKind: profile.kind,
    chargingSchedule: profile.schedules.map((s, i) => scheduleTo201(s, i, times)) as ChargingProfileType['chargingSchedule'],
  };
  if (profile.recurrency !== undefined) raw.recurrencyKind = profile.recurrency;
  if (profile.validFrom) raw.validFrom = times.toCsms(profile.validFrom).toISOString();
  if (profile.validTo) raw.validTo = times.toCsms(profile.validTo).toISOString();
  if (profile.transactionId !== undefined) raw.transactionId = profile.transactionId;
  return raw;
}

/**
 * K08: the composite schedule as GetCompositeScheduleResponse tells it. A time with no limit from
 * any profile (a gap, or no profile at all) is told as `unlimited`, what the EVSE (or station) can
 * draw at most, which caps every limit too: 2.0.1 has no period without a limit, and the schedule
 * needs at least one period. Repeats are folded.
 */
export function compositeTo201(schedule: CompositeSchedule, unlimited: number, times: ProfileTimes): CompositeScheduleType {
  const periods: CompositeScheduleType['chargingSchedulePeriod'][number][] = [];
  const add = (startPeriod: number, limit: number, numberPhases?: number): void => {
    const last = periods.at(-1);
    if (last && last.limit === limit && last.numberPhases === numberPhases) return;
    periods.push(numberPhases === undefined ? { startPeriod, limit } : { startPeriod, limit, numberPhases });
  };
  let covered = 0;
  for (const [i, p] of schedule.periods.entries()) {
    if (p.startPeriodS >= schedule.durationS) break;
    if (p.startPeriodS > covered) add(covered, unlimited);
    add(p.startPeriodS, Math.min(p.limit, unlimited), p.numberPhases);
    covered = p.endPeriodS ?? schedule.periods[i + 1]?.startPeriodS ?? schedule.durationS;
  }
  if (covered < schedule.durationS || periods.length === 0) add(covered, unlimited);
  return {
    evseId: schedule.evseId,
    duration: schedule.durationS,
    scheduleStart: times.toCsms(schedule.start).toISOString(),
    chargingRateUnit: schedule.rateUnit,
    chargingSchedulePeriod: periods as CompositeScheduleType['chargingSchedulePeriod'],
  };
}
