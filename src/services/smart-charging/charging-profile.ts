/**
 * Charging profiles as the smart charging service keeps them, whatever OCPP version installed
 * them: 2.0.1 ChargingProfileType and 1.6 ChargingProfile (3.13, 7.9) map onto this; times are
 * Dates, durations seconds, the transaction the charging core's id. Each adapter converts its
 * version's messages to and from it (1.6 ChargePointMaxProfile is ChargingStationMaxProfile).
 */

export type ChargingProfilePurpose = 'ChargingStationMaxProfile' | 'TxDefaultProfile' | 'TxProfile' | 'ChargingStationExternalConstraints';
export type ChargingProfileKind = 'Absolute' | 'Recurring' | 'Relative';
export type RecurrencyKind = 'Daily' | 'Weekly';
export type ChargingRateUnit = 'A' | 'W';

export interface ChargingSchedulePeriod {
  /** Seconds from the schedule's start. */
  startPeriodS: number;
  /** In the schedule's unit: A per phase, or W for all phases together. */
  limit: number;
  /** The phases the vehicle may use (default 3). */
  numberPhases?: number;
  /** 2.0.1: which phase with numberPhases 1 (1..3). */
  phaseToUse?: number;
}

export interface ChargingSchedule {
  /** 2.0.1 ChargingScheduleType.id. */
  id?: number;
  /** Absolute and Recurring: when it starts; Relative: none (it starts with the transaction). */
  startSchedule?: Date;
  /** Seconds; none: the last period lasts for ever (or until the recurrence repeats). */
  durationS?: number;
  rateUnit: ChargingRateUnit;
  /** In increasing startPeriodS, the first at 0. */
  periods: ChargingSchedulePeriod[];
  /** The least rate the vehicle charges at, in the schedule's unit. */
  minChargingRate?: number;
}

export interface ChargingProfile {
  id: number;
  stackLevel: number;
  purpose: ChargingProfilePurpose;
  kind: ChargingProfileKind;
  recurrency?: RecurrencyKind;
  validFrom?: Date;
  validTo?: Date;
  /** TxProfile: the transaction it is bound to (the charging core's id). */
  transactionId?: string;
  /** One schedule (1.6, and 2.0.1 outside ISO 15118); 2.0.1 allows up to 3. */
  schedules: ChargingSchedule[];
}

/** A profile where it was installed: EVSE 0 is the whole station. */
export interface InstalledProfile {
  evseId: number;
  profile: ChargingProfile;
}

/**
 * The supply's nominal voltage, for limits in W (A = W / (V x phases)); the meter's reading is not
 * used, so that a limit does not wander with the grid's voltage.
 */
export const NOMINAL_VOLTAGE_V = 230;

/** Who set the limit in force on an EVSE (the fixed names of /api/status `limit.source`). */
export type LimitSource = 'ChargingStationMaxProfile' | 'TxDefaultProfile' | 'TxProfile' | 'station' | 'grid-meter' | 'grid-operator' | 'evse';

/** The limit in force on an EVSE now, in A per phase. */
export interface LimitInForce {
  valueA: number;
  source: LimitSource;
}
