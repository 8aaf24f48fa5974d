import { Subject, type Observable } from 'rxjs';
import type { Clock } from '../../station/clock.js';
import type { Logger } from '../../process/logger.js';
import type { ChargingProfile, ChargingProfilePurpose, ChargingRateUnit, InstalledProfile, LimitInForce } from './charging-profile.js';
import type { CompositeSchedule } from './composite-schedule.js';

export type ProfileRejection =
  | 'UnknownTransaction'
  | 'InvalidStackLevel'
  | 'DuplicateProfile'
  | 'TooManyPeriods'
  | 'TooManyProfiles'
  | 'UnsupportedRateUnit'
  | 'UnknownEvse'
  | 'InvalidSchedule'
  | 'TxProfileWithoutTransaction';
export type SetProfileResult = { status: 'Accepted' } | { status: 'Rejected'; reason: ProfileRejection; detail: string };
export interface ProfileCriteria {
  ids?: readonly number[];
  evseId?: number;
  purpose?: ChargingProfilePurpose;
  stackLevel?: number;
}
export interface SmartChargingRules {
  maxProfiles: number;
  maxPeriodsPerSchedule: number;
  maxStackLevel: number;
  rateUnits: readonly ChargingRateUnit[];
}
export interface EvseElectrical {
  evseId: number;
  voltageV: number;
  phases: 1 | 3;
  maxCurrentA: number;
}
export interface SmartChargingOptions {
  storageDir: string;
  clock: Clock;
  log: Logger;
  evses: readonly EvseElectrical[];
  /** Read at each call (the CSMS may change them). */
  rules: () => SmartChargingRules;
  /** The EVSE's running transaction. */
  transactionOn: (evseId: number) => { id: string; startedAt: Date } | undefined;
}

export class SmartCharging {
  readonly #limits = new Subject<{ evseId: number; limit: LimitInForce | undefined }>();
  readonly limits$: Observable<{ evseId: number; limit: LimitInForce | undefined }> = this.#limits.asObservable();

  constructor(private readonly options: SmartChargingOptions) {}

  set(evseId: number, profile: ChargingProfile): SetProfileResult {
    void evseId;
    void profile;
    throw new Error('not yet');
  }

  clear(criteria: ProfileCriteria): number {
    void criteria;
    throw new Error('not yet');
  }

  installed(criteria?: ProfileCriteria): InstalledProfile[] {
    void criteria;
    throw new Error('not yet');
  }

  composite(evseId: number, durationS: number, rateUnit?: ChargingRateUnit): CompositeSchedule {
    void evseId;
    void durationS;
    void rateUnit;
    throw new Error('not yet');
  }

  limitOf(evseId: number): LimitInForce | undefined {
    void evseId;
    throw new Error('not yet');
  }

  transactionEnded(transactionId: string): void {
    void transactionId;
    throw new Error('not yet');
  }

  start(): void {
    throw new Error('not yet');
  }

  stop(): void {
    throw new Error('not yet');
  }
}
