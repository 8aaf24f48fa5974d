import type { GetCompositeScheduleResponse, SetChargingProfileRequest } from 'ocpp-messages/v1.6/index.js';
import type { ChargingProfile, ChargingProfilePurpose, ChargingSchedule } from '../../../services/smart-charging/charging-profile.js';
import type { CompositeSchedule } from '../../../services/smart-charging/composite-schedule.js';

/**
 * OCPP 1.6 ChargingProfile (7.8) <-> the smart charging service's version-neutral profile. 1.6
 * numbers connectors across the station (0: the Charge Point) where the service knows EVSEs (0:
 * the station); the CSMS's integer transactionId becomes the core's transaction id; the CSMS's
 * times become the agent's (1.6 adopts the Central System's clock, 4.2). Only what 1.6 itself
 * rules out is refused here; the schedule's own rules (periods, stack levels, counts) are the
 * service's.
 */

export type ChargingProfile16 = SetChargingProfileRequest['csChargingProfiles'];
export type ChargingSchedule16 = ChargingProfile16['chargingSchedule'];
export type ChargingProfilePurpose16 = ChargingProfile16['chargingProfilePurpose'];
export type CompositeSchedule16 = NonNullable<GetCompositeScheduleResponse['chargingSchedule']>;

/** What decoding needs of the station, as the adapter knows it. */
export interface ProfileDecoding16 {
  /** The EVSE of a 1.6 connector (1..n); undefined for 0 or an unknown one. */
  evseOfConnector(connectorId: number): number | undefined;
  /** The agent's time now. */
  now(): Date;
  /** The Central System's time as the agent's (its clock may be offset). */
  toLocal(csmsTime: Date): Date;
  /** The core's transaction behind the Central System's transactionId. */
  localTransactionId(csmsTransactionId: number): string | undefined;
  /** The core's transaction running on a 1.6 connector (> 0). */
  transactionOn(connectorId: number): string | undefined;
}

export type Decoded16<T> = { ok: true; value: T } | { ok: false; detail: string };

/** 3.13.1: ChargePointMaxProfile is what 2.0.1 calls ChargingStationMaxProfile. */
export function purposeFrom16(purpose: ChargingProfilePurpose16): ChargingProfilePurpose {
  return purpose === 'ChargePointMaxProfile' ? 'ChargingStationMaxProfile' : purpose;
}

/** 1.6 has no ChargingStationExternalConstraints: undefined for it. */
export function purposeTo16(purpose: ChargingProfilePurpose): ChargingProfilePurpose16 | undefined {
  if (purpose === 'ChargingStationMaxProfile') return 'ChargePointMaxProfile';
  return purpose === 'ChargingStationExternalConstraints' ? undefined : purpose;
}

function dateFrom16(text: string | undefined, what: string, decoding: Pick<ProfileDecoding16, 'toLocal'>): Decoded16<Date | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  const t = Date.parse(text);
  if (!Number.isFinite(t)) return { ok: false, detail: `${what} ${JSON.stringify(text)} is not a date-time` };
  return { ok: true, value: decoding.toLocal(new Date(t)) };
}

/** 7.13 ChargingSchedule; the times in it are the Central System's. */
export function scheduleFrom16(schedule: ChargingSchedule16, decoding: Pick<ProfileDecoding16, 'toLocal'>): Decoded16<ChargingSchedule> {
  const start = dateFrom16(schedule.startSchedule, 'startSchedule', decoding);
  if (!start.ok) return start;
  const value: ChargingSchedule = {
    rateUnit: schedule.chargingRateUnit,
    periods: schedule.chargingSchedulePeriod.map((p) => ({
      startPeriodS: p.startPeriod,
      limit: p.limit,
      ...(p.numberPhases !== undefined ? { numberPhases: p.numberPhases } : {}),
    })),
  };
  if (start.value) value.startSchedule = start.value;
  if (schedule.duration !== undefined) value.durationS = schedule.duration;
  if (schedule.minChargingRate !== undefined) value.minChargingRate = schedule.minChargingRate;
  return { ok: true, value };
}

/**
 * The profile alone, without where it goes nor its transaction: its kind and dates. Recurring
 * needs its recurrencyKind (7.8); a Relative schedule starts with the transaction, so a
 * startSchedule contradicts it (7.9, 7.13); an Absolute one without it starts with charging.
 */
export function profileBodyFrom16(raw: ChargingProfile16, decoding: Pick<ProfileDecoding16, 'toLocal' | 'now'>): Decoded16<ChargingProfile> {
  if (raw.chargingProfileKind === 'Recurring' && raw.recurrencyKind === undefined) return { ok: false, detail: 'a Recurring profile without recurrencyKind' };
  if (raw.chargingProfileKind !== 'Recurring' && raw.recurrencyKind !== undefined) return { ok: false, detail: `recurrencyKind on a ${raw.chargingProfileKind} profile` };
  if (raw.chargingProfileKind === 'Relative' && raw.chargingSchedule.startSchedule !== undefined) return { ok: false, detail: 'a Relative profile with a startSchedule' };
  const validFrom = dateFrom16(raw.validFrom, 'validFrom', decoding);
  if (!validFrom.ok) return validFrom;
  const validTo = dateFrom16(raw.validTo, 'validTo', decoding);
  if (!validTo.ok) return validTo;
  const schedule = scheduleFrom16(raw.chargingSchedule, decoding);
  if (!schedule.ok) return schedule;
  let kind = raw.chargingProfileKind;
  if (kind === 'Absolute' && schedule.value.startSchedule === undefined) {
    // 7.13: without startSchedule "the schedule will be relative to start of charging": a
    // transaction's profile is Relative; the station's maximum, which has no transaction, starts now.
    if (raw.chargingProfilePurpose === 'ChargePointMaxProfile') schedule.value.startSchedule = decoding.now();
    else kind = 'Relative';
  }
  const profile: ChargingProfile = {
    id: raw.chargingProfileId,
    stackLevel: raw.stackLevel,
    purpose: purposeFrom16(raw.chargingProfilePurpose),
    kind,
    schedules: [schedule.value],
  };
  if (raw.recurrencyKind !== undefined) profile.recurrency = raw.recurrencyKind;
  if (validFrom.value) profile.validFrom = validFrom.value;
  if (validTo.value) profile.validTo = validTo.value;
  return { ok: true, value: profile };
}

/**
 * SetChargingProfile.req (6.43) as the EVSE and the profile to install there. 3.13.1:
 * ChargePointMaxProfile only on connector 0, TxProfile only on a connector > 0 with a transaction
 * running on it (the one named by transactionId when given, 7.8: transactionId only with
 * TxProfile); TxDefaultProfile on 0 (every connector) or one connector. A connector is its EVSE.
 */
export function setRequestFrom16(connectorId: number, raw: ChargingProfile16, decoding: ProfileDecoding16): Decoded16<{ evseId: number; profile: ChargingProfile }> {
  const evseId = connectorId === 0 ? 0 : decoding.evseOfConnector(connectorId);
  if (evseId === undefined) return { ok: false, detail: `no connector ${connectorId}` };
  const purpose = raw.chargingProfilePurpose;
  if (purpose === 'ChargePointMaxProfile' && connectorId !== 0) return { ok: false, detail: 'a ChargePointMaxProfile on a connector other than 0' };
  if (purpose === 'TxProfile' && connectorId === 0) return { ok: false, detail: 'a TxProfile on connector 0' };
  if (purpose !== 'TxProfile' && raw.transactionId !== undefined) return { ok: false, detail: `a transactionId on a ${purpose}` };
  const body = profileBodyFrom16(raw, decoding);
  if (!body.ok) return body;
  const profile = body.value;
  if (purpose === 'TxProfile') {
    const running = decoding.transactionOn(connectorId);
    if (raw.transactionId !== undefined) {
      const named = decoding.localTransactionId(raw.transactionId);
      if (named === undefined) return { ok: false, detail: `no transaction ${raw.transactionId}` };
      if (named !== running) return { ok: false, detail: `transaction ${raw.transactionId} does not run on connector ${connectorId}` };
    }
    // 3.13.1: "If there is no transaction active on the connector ... discard it".
    if (running === undefined) return { ok: false, detail: `a TxProfile without a transaction on connector ${connectorId}` };
    profile.transactionId = running;
  }
  return { ok: true, value: { evseId, profile } };
}

/**
 * RemoteStartTransaction.req's chargingProfile (5.16.2): a TxProfile without transactionId, as
 * the transaction it is for has none yet; it is bound to the transaction once it starts.
 */
export function remoteStartProfileFrom16(raw: ChargingProfile16, decoding: Pick<ProfileDecoding16, 'toLocal' | 'now'>): Decoded16<ChargingProfile> {
  if (raw.chargingProfilePurpose !== 'TxProfile') return { ok: false, detail: `a ${raw.chargingProfilePurpose} with RemoteStartTransaction (must be TxProfile)` };
  if (raw.transactionId !== undefined) return { ok: false, detail: 'a transactionId in the RemoteStartTransaction profile' };
  return profileBodyFrom16(raw, decoding);
}

/** 7.14: "Accepts at most one digit fraction": rounded down, never above the limit. */
export function oneDecimalDown(limit: number): number {
  return Math.floor(limit * 10 + 1e-9) / 10;
}

/**
 * GetCompositeSchedule.conf's chargingSchedule (6.22): 1.6 periods run on until the next one, so
 * a gap in the composite (no profile limits it) is the most the EVSE or station can take,
 * `unlimited` in the schedule's unit. `toCsms` gives its start in the Central System's time.
 */
export function compositeTo16(composite: CompositeSchedule, unlimited: number, toCsms: (local: Date) => Date): { scheduleStart: string; chargingSchedule: CompositeSchedule16 } {
  const periods: CompositeSchedule16['chargingSchedulePeriod'] = [];
  const push = (startPeriod: number, limit: number, numberPhases?: number): void => {
    const last = periods.at(-1);
    if (last && last.limit === limit && last.numberPhases === numberPhases) return;
    periods.push(numberPhases !== undefined ? { startPeriod, limit, numberPhases } : { startPeriod, limit });
  };
  const sorted = [...composite.periods].sort((a, b) => a.startPeriodS - b.startPeriodS);
  let covered = 0;
  for (const [i, p] of sorted.entries()) {
    if (p.startPeriodS >= composite.durationS) break;
    if (p.startPeriodS > covered) push(covered, oneDecimalDown(unlimited));
    push(p.startPeriodS, oneDecimalDown(Math.min(p.limit, unlimited)), p.numberPhases);
    // Without endPeriodS a period runs on to the next one.
    covered = p.endPeriodS ?? sorted[i + 1]?.startPeriodS ?? composite.durationS;
  }
  if (covered < composite.durationS || periods.length === 0) push(covered, oneDecimalDown(unlimited));
  const scheduleStart = toCsms(composite.start).toISOString();
  return {
    scheduleStart,
    chargingSchedule: { duration: composite.durationS, startSchedule: scheduleStart, chargingRateUnit: composite.rateUnit, chargingSchedulePeriod: periods },
  };
}
