import { Subject, type Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../station/clock.js';
import type { Logger } from '../../process/logger.js';
import type { ChargingProfile, ChargingProfilePurpose, ChargingRateUnit, InstalledProfile, LimitInForce, LimitSource } from './charging-profile.js';
import { compositeSchedule, nextChange, type CompositeSchedule, type CompositeScheduleRequest } from './composite-schedule.js';
import { checkProfile } from './profile-rules.js';
import { ChargingProfileStore } from './profile-store.js';

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
  /**
   * 1.6 3.13.1: an EVSE's own TxDefaultProfile may sit beside the station's (connector 0) at the
   * same stack level, and wins on its EVSE; 2.0.1 K01.FR.52/53 refuses that.
   */
  evseTxDefaultBesideStation?: boolean;
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

export interface LimitChange {
  evseId: number;
  limit: LimitInForce | undefined;
}

type RunningTransaction = { id: string; startedAt: Date };

/** The purpose of the profile that sets a limit, as /api/status names it; external constraints are the station's own. */
const SOURCE_OF: Readonly<Record<ChargingProfilePurpose, LimitSource>> = {
  ChargingStationMaxProfile: 'ChargingStationMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
  ChargingStationExternalConstraints: 'station',
};

/** Transactions told ended, remembered for a while in case the core still reports them running. */
const ENDED_REMEMBERED = 32;

/**
 * The charging profiles the CSMS installed (OCPP 2.0.1 block K, 1.6 3.13), whatever the version:
 * checks each new one (K01), keeps them on disk (K01.FR.27), and tells the limit in force on each
 * EVSE, in A per phase, whenever it changes: at once after a change of profiles (K01.FR.07,
 * K10.FR.05) and at each schedule boundary through one Clock timer armed for the next one.
 */
export class SmartCharging {
  readonly #limits = new Subject<LimitChange>();
  readonly limits$: Observable<LimitChange> = this.#limits.asObservable();
  readonly #store: ChargingProfileStore;
  readonly #log: Logger;
  #profiles: InstalledProfile[] = [];
  readonly #inForce = new Map<number, LimitInForce | undefined>();
  readonly #ended: string[] = [];
  #timer: TimerHandle | undefined;
  #started = false;

  constructor(private readonly options: SmartChargingOptions) {
    this.#log = options.log;
    this.#store = new ChargingProfileStore(options.storageDir, (message) => this.#log.warning(message));
  }

  /** K01 (1.6 5.16): checks the profile, and installs it on the EVSE (0: the station), replacing one with its id (K01.FR.05). */
  set(evseId: number, profile: ChargingProfile): SetProfileResult {
    const verdict = checkProfile({
      evseId,
      profile,
      installed: this.#profiles,
      rules: this.options.rules(),
      knownEvse: (id) => this.options.evses.some((e) => e.evseId === id),
      transaction: evseId > 0 ? this.#transactionOn(evseId) : undefined,
    });
    if (!verdict.ok) {
      this.#log.info(`charging profile ${profile.id} on EVSE ${evseId} rejected (${verdict.reason}): ${verdict.detail}`);
      return { status: 'Rejected', reason: verdict.reason, detail: verdict.detail };
    }
    const replaced = this.#profiles.some((p) => p.profile.id === profile.id);
    this.#profiles = [...this.#profiles.filter((p) => p.profile.id !== profile.id), { evseId, profile: copyProfile(verdict.profile) }];
    this.#log.info(`charging profile ${profile.id} (${profile.purpose}, stack level ${profile.stackLevel}) ${replaced ? 'replaced' : 'installed'} on EVSE ${evseId}`);
    this.#changed();
    return { status: 'Accepted' };
  }

  /**
   * K10 (1.6 5.5): with ids, those profiles; otherwise the ones matching every field given. A
   * ChargingStationExternalConstraints profile is never cleared by the CSMS (K10.FR.03/04).
   */
  clear(criteria: ProfileCriteria): number {
    const cleared = this.#profiles.filter((p) => p.profile.purpose !== 'ChargingStationExternalConstraints' && clearable(p, criteria));
    if (cleared.length === 0) return 0;
    this.#profiles = this.#profiles.filter((p) => !cleared.includes(p));
    this.#log.info(`charging profiles ${cleared.map((p) => p.profile.id).join(', ')} cleared`);
    this.#changed();
    return cleared.length;
  }

  /** K09: the installed profiles matching every given field (evseId exact: 0 is the station's own, K09.FR.05). */
  installed(criteria: ProfileCriteria = {}): InstalledProfile[] {
    return this.#profiles.filter((p) => matches(p, criteria)).map((p) => ({ evseId: p.evseId, profile: copyProfile(p.profile) }));
  }

  /** K08 (1.6 5.7): the composite schedule of the EVSE (0: the station) from now, in `rateUnit` (A when not asked). */
  composite(evseId: number, durationS: number, rateUnit: ChargingRateUnit = 'A'): CompositeSchedule {
    return compositeSchedule({ ...this.#request(evseId, this.options.clock.now()), durationS, rateUnit });
  }

  /** The profiles' limit on the EVSE now, in A per phase; undefined: no profile limits it. */
  limitOf(evseId: number): LimitInForce | undefined {
    if (!this.#started) return this.#evaluate(this.options.clock.now()).get(evseId)?.limit;
    return this.#inForce.get(evseId);
  }

  /** K01: a TxProfile lives as long as its transaction (1.6 3.13.1: "discarded when the transaction stops"). */
  transactionEnded(transactionId: string): void {
    this.#ended.push(transactionId);
    if (this.#ended.length > ENDED_REMEMBERED) this.#ended.shift();
    const bound = this.#profiles.filter((p) => p.profile.purpose === 'TxProfile' && p.profile.transactionId === transactionId);
    this.#profiles = this.#profiles.filter((p) => !bound.includes(p));
    if (bound.length > 0) this.#log.info(`charging profiles ${bound.map((p) => p.profile.id).join(', ')} ended with transaction ${transactionId}`);
    // Even with no TxProfile gone, a Relative TxDefaultProfile no longer counts from this transaction.
    if (bound.length > 0) this.#changed();
    else this.reevaluate();
  }

  /**
   * Works the limits out again now; for what the service cannot see by itself, such as a
   * transaction that started (a Relative schedule then counts from its start).
   */
  reevaluate(): void {
    if (this.#started) this.#refresh();
  }

  /** Loads the profiles kept on disk, drops TxProfiles whose transaction is over, emits the limits in force and arms the timer. */
  start(): void {
    if (this.#started) return;
    const loaded = this.#store.load();
    const kept = loaded.filter((p) => p.profile.purpose !== 'TxProfile' || this.#transactionOn(p.evseId)?.id === p.profile.transactionId);
    this.#profiles = kept;
    if (kept.length < loaded.length) {
      this.#log.info(`${loaded.length - kept.length} TxProfile(s) dropped: their transaction is over`);
      this.#save();
    }
    this.#log.debug(`${kept.length} charging profile(s) loaded`);
    this.#started = true;
    this.#refresh(true);
  }

  stop(): void {
    this.#started = false;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** After a change of the installed profiles: keep it (K01.FR.27), then apply it (K01.FR.07). */
  #changed(): void {
    this.#save();
    if (this.#started) this.#refresh();
  }

  #save(): void {
    try {
      this.#store.save(this.#profiles);
    } catch (err) {
      // Still applied while the agent runs; lost at a restart.
      this.#log.error(`cannot keep the charging profiles on disk: ${(err as Error).message}`);
    }
  }

  /** Works out each EVSE's limit now, tells the ones that changed (all of them when `all`), and re-arms the one timer. */
  #refresh(all = false): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    const now = this.options.clock.now();
    const evaluated = this.#evaluate(now);
    let nextMs: number | undefined;
    const changes: LimitChange[] = [];
    for (const [evseId, { limit, nextAtMs }] of evaluated) {
      const before = this.#inForce.get(evseId);
      if (all || !this.#inForce.has(evseId) || before?.valueA !== limit?.valueA || before?.source !== limit?.source) changes.push({ evseId, limit });
      this.#inForce.set(evseId, limit);
      if (nextAtMs !== undefined && nextAtMs > now.getTime() && (nextMs === undefined || nextAtMs < nextMs)) nextMs = nextAtMs;
    }
    if (nextMs !== undefined) this.#timer = this.options.clock.setTimeout(() => this.#atBoundary(), nextMs - now.getTime());
    for (const change of changes) this.#limits.next(change);
  }

  #atBoundary(): void {
    this.#timer = undefined;
    if (this.#started) this.#refresh();
  }

  #evaluate(now: Date): Map<number, { limit: LimitInForce | undefined; nextAtMs: number | undefined }> {
    const result = new Map<number, { limit: LimitInForce | undefined; nextAtMs: number | undefined }>();
    for (const { evseId } of this.options.evses) {
      const next = nextChange(this.#request(evseId, now));
      const limit = next.limit ? { valueA: next.limit.limit, source: SOURCE_OF[next.limit.source] } : undefined;
      result.set(evseId, { limit, nextAtMs: next.nextAt?.getTime() });
    }
    return result;
  }

  #request(evseId: number, start: Date): Omit<CompositeScheduleRequest, 'durationS'> {
    const evse = this.options.evses.find((e) => e.evseId === evseId);
    // EVSE 0, the station: its supply is as the EVSEs' (the first one's voltage, three phases when any has them).
    const voltageV = evse?.voltageV ?? this.options.evses[0]?.voltageV ?? 230;
    const phases = evse?.phases ?? (this.options.evses.some((e) => e.phases === 3) ? 3 : 1);
    const transaction = evseId > 0 ? this.#transactionOn(evseId) : undefined;
    return { profiles: this.#profiles, evseId, start, rateUnit: 'A', electrical: { voltageV, phases }, ...(transaction ? { transaction } : {}) };
  }

  /** The EVSE's running transaction, unless it was told ended already (the core may not have caught up). */
  #transactionOn(evseId: number): RunningTransaction | undefined {
    const transaction = this.options.transactionOn(evseId);
    return transaction && !this.#ended.includes(transaction.id) ? transaction : undefined;
  }
}

function matches({ evseId, profile }: InstalledProfile, criteria: ProfileCriteria): boolean {
  if (criteria.ids !== undefined && !criteria.ids.includes(profile.id)) return false;
  if (criteria.evseId !== undefined && criteria.evseId !== evseId) return false;
  if (criteria.purpose !== undefined && criteria.purpose !== profile.purpose) return false;
  return criteria.stackLevel === undefined || criteria.stackLevel === profile.stackLevel;
}

/** K10.FR.02/03: an id names the profile whatever the other fields say; otherwise every given field must match. */
function clearable(installed: InstalledProfile, criteria: ProfileCriteria): boolean {
  if (criteria.ids !== undefined) return criteria.ids.includes(installed.profile.id);
  return matches(installed, criteria);
}

/** A copy the caller cannot change ours through. */
function copyProfile(profile: ChargingProfile): ChargingProfile {
  return structuredClone(profile);
}
