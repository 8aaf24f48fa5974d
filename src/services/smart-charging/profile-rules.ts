import type { ChargingProfile, ChargingSchedule, InstalledProfile } from './charging-profile.js';
import type { ProfileRejection, SmartChargingRules } from './smart-charging.js';

/**
 * What a charging profile must be before the station takes it: OCPP 2.0.1 Part 2 K01 and 1.6
 * sections 3.13 and 5.16 / 7.8-7.9, the same for both versions. Pure: the service hands in what
 * is installed, the rules, the EVSEs and the running transaction.
 */

export type ProfileVerdict = { ok: true; profile: ChargingProfile } | { ok: false; reason: ProfileRejection; detail: string };

export interface ProfileCheck {
  evseId: number;
  profile: ChargingProfile;
  installed: readonly InstalledProfile[];
  rules: SmartChargingRules;
  knownEvse: (evseId: number) => boolean;
  /** The transaction running on the EVSE, if any. */
  transaction: { id: string } | undefined;
}

const refuse = (reason: ProfileRejection, detail: string): ProfileVerdict => ({ ok: false, reason, detail });

/** 2.0.1 ChargingProfileType allows up to 3 schedules (ISO 15118); 1.6 has exactly one. */
const MAX_SCHEDULES = 3;

export function checkProfile(check: ProfileCheck): ProfileVerdict {
  const { evseId, rules } = check;
  let profile = check.profile;
  // K01.FR.28
  if (!Number.isInteger(evseId) || evseId < 0 || (evseId > 0 && !check.knownEvse(evseId))) return refuse('UnknownEvse', `there is no EVSE ${evseId}`);
  if (!Number.isInteger(profile.id)) return refuse('InvalidSchedule', `profile id ${profile.id} is not an integer`);
  // K01.FR.22: only an external system (the local limits) sets these.
  if (profile.purpose === 'ChargingStationExternalConstraints') return refuse('InvalidSchedule', 'a ChargingStationExternalConstraints profile cannot be set by the CSMS (K01.FR.22)');
  const sameId = check.installed.find((p) => p.profile.id === profile.id);
  // K01.FR.05: an external constraint keeps its id.
  if (sameId?.profile.purpose === 'ChargingStationExternalConstraints') return refuse('DuplicateProfile', `profile ${profile.id} is an external constraint and cannot be replaced (K01.FR.05)`);
  // 1.6 3.13.1 / 2.0.1 K01: the station maximum is the station's, a transaction's profile an EVSE's.
  if (profile.purpose === 'ChargingStationMaxProfile' && evseId !== 0) return refuse('InvalidSchedule', `a ChargingStationMaxProfile is set on EVSE 0, not ${evseId}`);
  if (profile.purpose === 'ChargingStationMaxProfile' && profile.kind === 'Relative') return refuse('InvalidSchedule', 'a ChargingStationMaxProfile cannot be Relative (K01.FR.38)');
  if (profile.purpose === 'TxProfile' && evseId === 0) return refuse('InvalidSchedule', 'a TxProfile is set on an EVSE, not on EVSE 0 (K01.FR.16)');
  if (!Number.isInteger(profile.stackLevel) || profile.stackLevel < 0 || profile.stackLevel > rules.maxStackLevel)
    return refuse('InvalidStackLevel', `stack level ${profile.stackLevel} is outside 0..${rules.maxStackLevel}`);

  if (profile.purpose === 'TxProfile') {
    // K01.FR.09; 1.6 5.16: no transaction on the connector, the profile is discarded.
    if (!check.transaction) return refuse('TxProfileWithoutTransaction', `no transaction runs on EVSE ${evseId}`);
    // K01.FR.33
    if (profile.transactionId !== undefined && profile.transactionId !== check.transaction.id)
      return refuse('UnknownTransaction', `transaction ${profile.transactionId} does not run on EVSE ${evseId}`);
    // 1.6 7.8: the transactionId MAY be left out; the profile is then the running transaction's.
    if (profile.transactionId === undefined) profile = { ...profile, transactionId: check.transaction.id };
  } else if (profile.transactionId !== undefined) {
    // 2.0.1 ChargingProfileType: transactionId only with TxProfile; binding anything else to it would make it vanish at the end.
    const unbound = { ...profile };
    delete unbound.transactionId;
    profile = unbound;
  }

  const shape = checkShape(profile, rules);
  if (shape) return shape;

  const duplicate = check.installed.find((p) => p.profile.id !== profile.id && clashes(p, evseId, profile, rules.evseTxDefaultBesideStation ?? false));
  if (duplicate)
    return refuse(
      'DuplicateProfile',
      `profile ${duplicate.profile.id} on EVSE ${duplicate.evseId} already has stack level ${profile.stackLevel} for ${profile.purpose}` +
        (profile.purpose === 'TxProfile' ? ` on transaction ${profile.transactionId}` : ' in an overlapping validity period'),
    );
  if (!sameId && check.installed.length >= rules.maxProfiles) return refuse('TooManyProfiles', `${check.installed.length} profiles are installed, the most there can be`);
  return { ok: true, profile };
}

/** The profile's own consistency: kind, recurrence, validity, schedules and periods. */
function checkShape(profile: ChargingProfile, rules: SmartChargingRules): ProfileVerdict | undefined {
  if (profile.kind === 'Recurring' && !profile.recurrency) return refuse('InvalidSchedule', 'a Recurring profile needs a recurrency kind');
  if (profile.kind !== 'Recurring' && profile.recurrency) return refuse('InvalidSchedule', `a recurrency kind is for Recurring profiles, not ${profile.kind}`);
  if (profile.validFrom && !validDate(profile.validFrom)) return refuse('InvalidSchedule', 'validFrom is not a date');
  if (profile.validTo && !validDate(profile.validTo)) return refuse('InvalidSchedule', 'validTo is not a date');
  if (profile.validFrom && profile.validTo && profile.validTo.getTime() <= profile.validFrom.getTime()) return refuse('InvalidSchedule', 'validTo is not after validFrom');
  if (profile.schedules.length === 0) return refuse('InvalidSchedule', 'the profile has no schedule');
  if (profile.schedules.length > MAX_SCHEDULES) return refuse('InvalidSchedule', `the profile has ${profile.schedules.length} schedules, at most ${MAX_SCHEDULES}`);
  for (const schedule of profile.schedules) {
    const problem = checkSchedule(profile, schedule, rules);
    if (problem) return problem;
  }
  return undefined;
}

function checkSchedule(profile: ChargingProfile, schedule: ChargingSchedule, rules: SmartChargingRules): ProfileVerdict | undefined {
  // K01.FR.40 / K01.FR.41
  if (profile.kind === 'Relative' && schedule.startSchedule) return refuse('InvalidSchedule', 'a Relative profile has no startSchedule (K01.FR.41)');
  if (profile.kind !== 'Relative' && !schedule.startSchedule) return refuse('InvalidSchedule', `an ${profile.kind} profile needs a startSchedule (K01.FR.40)`);
  if (schedule.startSchedule && !validDate(schedule.startSchedule)) return refuse('InvalidSchedule', 'startSchedule is not a date');
  if (schedule.durationS !== undefined && !(Number.isInteger(schedule.durationS) && schedule.durationS > 0))
    return refuse('InvalidSchedule', `duration ${schedule.durationS} is not a positive number of seconds`);
  // K01.FR.26; 1.6 ChargingScheduleAllowedChargingRateUnit
  if (!rules.rateUnits.includes(schedule.rateUnit)) return refuse('UnsupportedRateUnit', `rate unit ${schedule.rateUnit} is not among ${rules.rateUnits.join(', ')}`);
  if (schedule.minChargingRate !== undefined && !(Number.isFinite(schedule.minChargingRate) && schedule.minChargingRate >= 0))
    return refuse('InvalidSchedule', `minChargingRate ${schedule.minChargingRate} is not a rate`);
  const periods = schedule.periods;
  if (periods.length === 0) return refuse('InvalidSchedule', 'a schedule has no period');
  if (periods.length > rules.maxPeriodsPerSchedule) return refuse('TooManyPeriods', `a schedule has ${periods.length} periods, at most ${rules.maxPeriodsPerSchedule}`);
  // K01.FR.31
  if (periods[0]?.startPeriodS !== 0) return refuse('InvalidSchedule', 'the first period starts at 0 (K01.FR.31)');
  for (const [i, period] of periods.entries()) {
    const before = i > 0 ? periods[i - 1] : undefined;
    if (!Number.isInteger(period.startPeriodS) || period.startPeriodS < 0) return refuse('InvalidSchedule', `period ${i} starts at ${period.startPeriodS}, not a whole number of seconds`);
    // K01.FR.35
    if (before && period.startPeriodS <= before.startPeriodS) return refuse('InvalidSchedule', `period ${i} does not start after period ${i - 1} (K01.FR.35)`);
    if (!Number.isFinite(period.limit) || period.limit < 0) return refuse('InvalidSchedule', `period ${i} has limit ${period.limit}`);
    if (period.numberPhases !== undefined && ![1, 2, 3].includes(period.numberPhases)) return refuse('InvalidSchedule', `period ${i} has ${period.numberPhases} phases`);
    // K01.FR.19
    if (period.phaseToUse !== undefined && (period.numberPhases !== 1 || ![1, 2, 3].includes(period.phaseToUse)))
      return refuse('InvalidSchedule', `period ${i}: phaseToUse is for numberPhases 1 and phases 1..3 (K01.FR.19)`);
  }
  return undefined;
}

/**
 * Whether `other` takes the stack level a new profile wants: K01.FR.39 for TxProfiles (the same
 * transaction), K01.FR.06 otherwise (the same EVSE, validity periods that overlap), and
 * K01.FR.52/53 for TxDefaultProfiles on EVSE 0 against one on an EVSE (unless the version lets
 * them sit side by side, 1.6 3.13.1).
 */
function clashes(other: InstalledProfile, evseId: number, profile: ChargingProfile, besideStation: boolean): boolean {
  const o = other.profile;
  if (o.purpose !== profile.purpose || o.stackLevel !== profile.stackLevel) return false;
  if (profile.purpose === 'TxProfile') return o.transactionId === profile.transactionId;
  if (profile.purpose === 'TxDefaultProfile' && (other.evseId === 0) !== (evseId === 0)) return !besideStation;
  return other.evseId === evseId && validityOverlaps(o, profile);
}

function validityOverlaps(a: ChargingProfile, b: ChargingProfile): boolean {
  const startA = a.validFrom?.getTime() ?? -Infinity;
  const endA = a.validTo?.getTime() ?? Infinity;
  const startB = b.validFrom?.getTime() ?? -Infinity;
  const endB = b.validTo?.getTime() ?? Infinity;
  // K01.FR.36/37: valid from validFrom (inclusive) to validTo (exclusive).
  return startA < endB && startB < endA;
}

function validDate(date: Date): boolean {
  return Number.isFinite(date.getTime());
}
