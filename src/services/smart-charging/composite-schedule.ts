import type { ChargingProfilePurpose, ChargingRateUnit, InstalledProfile } from './charging-profile.js';
import { profileSegments, type ProfileSegment } from './profile-segments.js';

/**
 * The composite schedule (OCPP 2.0.1 Part 2 K08 and section "Combining Charging Profile
 * Purposes"; 1.6 3.13.2-3.13.4), a pure function of the installed profiles:
 * - per purpose, at each instant the leading schedule is the one that has a period at that instant
 *   in the valid profile (validFrom/validTo) with the highest stackLevel (2.0.1 3.4 and 3.5); a gap
 *   in it falls back to the next lower stack level, or to no limit (1.6 3.13.2: "fall back to
 *   default behaviour ... a ChargingProfile with a lower stackLevel if available"). At an equal
 *   stack level an EVSE's own TxDefaultProfile wins over the station-wide one (1.6 3.13.1: one for a
 *   connector replaces the connector-0 one "only for that specific connector");
 * - a leading TxProfile overrules the leading TxDefaultProfile (not the minimum of both, 2.0.1 3.5);
 *   where the TxProfile has a gap, the TxDefaultProfile leads again;
 * - the result is the lowest of that and the ChargingStationMaxProfile and
 *   ChargingStationExternalConstraints (K08.FR.04, SC.01); for EVSE 0 only those two count;
 * - limits convert to the asked unit with W = A x V x phases and round DOWN to 0.1, so the told
 *   limit never exceeds the profiles' (K08.FR.04: "less than or equal").
 */

export interface CompositeScheduleRequest {
  /** Everything installed. */
  profiles: readonly InstalledProfile[];
  /** 0: the station. */
  evseId: number;
  start: Date;
  durationS: number;
  /** The unit asked for. */
  rateUnit: ChargingRateUnit;
  /** The EVSE's running transaction (binds its TxProfiles, anchors Relative schedules). */
  transaction?: { id: string; startedAt: Date };
  /** A <-> W: W = A x V x phases (the period's numberPhases when given). */
  electrical: { voltageV: number; phases: 1 | 3 };
}

export interface CompositePeriod {
  /** Seconds from the schedule's start. */
  startPeriodS: number;
  /** In the schedule's rateUnit. */
  limit: number;
  numberPhases?: number;
  /** The purpose that set this limit (the lowest one). */
  source: ChargingProfilePurpose;
  /**
   * Seconds from the schedule's start where this period ends: the next period's start, the
   * window's end, or a gap (no limit) before the next period. An addition to the contract: without
   * it a gap in the middle of the window cannot be told from a period that runs on.
   */
  endPeriodS?: number;
}

export interface CompositeSchedule {
  evseId: number;
  start: Date;
  durationS: number;
  rateUnit: ChargingRateUnit;
  /** Increasing startPeriodS; times with no limit from any profile are left out. */
  periods: CompositePeriod[];
}

/** A profile that applies to the asked EVSE, with its schedule cut into absolute segments. */
interface Candidate {
  purpose: ChargingProfilePurpose;
  stackLevel: number;
  evseSpecific: boolean;
  segments: ProfileSegment[];
  cursor: number;
}

/** How the evaluation treats a Relative schedule with no transaction to start from. */
type FloatingRelative = 'from-start' | 'frozen';

const SECOND_MS = 1000;

/**
 * Whether an installed profile counts for the asked EVSE (2.0.1 3.4: "a charging profile for EVSE
 * #0 is considered to be active on all EVSEs"; the station max only on EVSE 0, 1.6 3.13.1; a
 * TxProfile only on its EVSE and its running transaction, K01.FR.03 / 1.6 3.13.1).
 */
function applies(installed: InstalledProfile, request: Pick<CompositeScheduleRequest, 'evseId' | 'transaction'>): boolean {
  const { evseId, profile } = installed;
  switch (profile.purpose) {
    case 'ChargingStationMaxProfile':
      return evseId === 0;
    case 'ChargingStationExternalConstraints':
      return evseId === 0 || evseId === request.evseId;
    case 'TxDefaultProfile':
      return request.evseId !== 0 && (evseId === 0 || evseId === request.evseId);
    case 'TxProfile':
      // 1.6 7.8: transactionId is optional there; without it the profile is the EVSE's running transaction's.
      return request.evseId !== 0 && evseId === request.evseId && request.transaction !== undefined
        && (profile.transactionId === undefined || profile.transactionId === request.transaction.id);
  }
}

function candidatesFor(request: Omit<CompositeScheduleRequest, 'durationS'>, fromMs: number, toMs: number, floating: FloatingRelative): Candidate[] {
  const candidates: Candidate[] = [];
  for (const installed of request.profiles) {
    if (!applies(installed, request)) continue;
    const { profile } = installed;
    const transactionBound = profile.purpose === 'TxProfile' || profile.purpose === 'TxDefaultProfile';
    // Relative: from the transaction's start (2.0.1 ChargingProfileKindEnumType); with none, K08.FR.06
    // asks for the schedule "as if there is a transaction ongoing", i.e. one starting now.
    const relativeStart = transactionBound && request.transaction ? request.transaction.startedAt : undefined;
    const segments = profileSegments(profile, { fromMs, toMs, relativeStartMs: relativeStart?.getTime(), floatingStartMs: request.start.getTime(), freezeFloating: floating === 'frozen' });
    if (segments.length > 0) candidates.push({ purpose: profile.purpose, stackLevel: profile.stackLevel, evseSpecific: installed.evseId !== 0, segments, cursor: 0 });
  }
  // Precedence inside a purpose: higher stackLevel, then the EVSE's own over the station-wide one.
  return candidates.sort((a, b) => b.stackLevel - a.stackLevel || Number(b.evseSpecific) - Number(a.evseSpecific));
}

/** The limit of a segment in the asked unit (W = A x V x phases). */
function inUnit(segment: ProfileSegment, unit: ChargingRateUnit, electrical: CompositeScheduleRequest['electrical']): number {
  if (segment.unit === unit) return segment.limit;
  const phases = segment.numberPhases ?? electrical.phases;
  const wattsPerAmp = electrical.voltageV * phases;
  return unit === 'W' ? segment.limit * wattsPerAmp : segment.limit / wattsPerAmp;
}

/** Rounds down to 0.1 (the small epsilon keeps 16 from becoming 15.9 by float error). */
function tenthDown(value: number): number {
  return Math.floor(value * 10 + 1e-6) / 10;
}

/** Internal result: absolute times in ms, so nextChange keeps sub-second exactness. */
interface TimedPeriod {
  fromMs: number;
  toMs: number;
  limit: number;
  numberPhases?: number;
  source: ChargingProfilePurpose;
}

function evaluate(request: Omit<CompositeScheduleRequest, 'durationS'>, fromMs: number, toMs: number, floating: FloatingRelative): TimedPeriod[] {
  const candidates = candidatesFor(request, fromMs, toMs, floating);
  const boundaries = new Set<number>([fromMs]);
  for (const c of candidates) for (const s of c.segments) {
    boundaries.add(s.fromMs);
    if (s.toMs < toMs) boundaries.add(s.toMs);
  }
  const instants = [...boundaries].sort((a, b) => a - b);
  const periods: TimedPeriod[] = [];
  for (const [i, at] of instants.entries()) {
    const until = instants[i + 1] ?? toMs;
    const leading = new Map<ChargingProfilePurpose, ProfileSegment>();
    for (const c of candidates) {
      // Segments are in time order and the instants increase: each cursor only moves forward.
      while (c.cursor < c.segments.length && c.segments[c.cursor]!.toMs <= at) c.cursor++;
      const segment = c.segments[c.cursor];
      if (segment && segment.fromMs <= at && !leading.has(c.purpose)) leading.set(c.purpose, segment);
    }
    const txLevel = leading.has('TxProfile') ? 'TxProfile' : 'TxDefaultProfile';
    let lowest: { limit: number; segment: ProfileSegment; source: ChargingProfilePurpose } | undefined;
    // On a tie the more specific purpose is told as the source (listed first).
    for (const purpose of [txLevel, 'ChargingStationExternalConstraints', 'ChargingStationMaxProfile'] as const) {
      const segment = leading.get(purpose);
      if (!segment) continue;
      const limit = inUnit(segment, request.rateUnit, request.electrical);
      if (!lowest || limit < lowest.limit) lowest = { limit, segment, source: purpose };
    }
    if (!lowest) continue;
    const period: TimedPeriod = { fromMs: at, toMs: until, limit: tenthDown(lowest.limit), source: lowest.source };
    if (lowest.segment.numberPhases !== undefined) period.numberPhases = lowest.segment.numberPhases;
    const last = periods.at(-1);
    if (last && last.toMs === at && last.limit === period.limit && last.numberPhases === period.numberPhases && last.source === period.source) last.toMs = until;
    else periods.push(period);
  }
  return periods;
}

/** K08: the composite schedule over [start, start + durationS). */
export function compositeSchedule(request: CompositeScheduleRequest): CompositeSchedule {
  const fromMs = request.start.getTime();
  const toMs = fromMs + request.durationS * SECOND_MS;
  const periods: CompositePeriod[] = [];
  for (const p of evaluate(request, fromMs, toMs, 'from-start')) {
    const startPeriodS = Math.round((p.fromMs - fromMs) / SECOND_MS);
    const period: CompositePeriod = { startPeriodS, limit: p.limit, source: p.source, endPeriodS: Math.round((p.toMs - fromMs) / SECOND_MS) };
    if (p.numberPhases !== undefined) period.numberPhases = p.numberPhases;
    // OCPP periods start on whole seconds: a sub-second sliver gives way to what follows it.
    if (periods.at(-1)?.startPeriodS === startPeriodS) periods.pop();
    if (period.endPeriodS! > startPeriodS) periods.push(period);
  }
  return { evseId: request.evseId, start: request.start, durationS: request.durationS, rateUnit: request.rateUnit, periods };
}

/** How far nextChange looks ahead: a week and a day, so a weekly recurrence shows its next change. */
export const NEXT_CHANGE_HORIZON_S = 8 * 86_400;

export interface NextChange {
  /** The composite limit at `request.start`; undefined: no profile limits the EVSE now. */
  limit: CompositePeriod | undefined;
  /**
   * When the limit may next change; undefined: never, as far as the installed profiles go. When no
   * change shows within the horizon but some profile still has a boundary beyond it, this is the
   * horizon's end (a re-check that finds the same limit).
   */
  nextAt: Date | undefined;
}

/**
 * The limit in force at `request.start` and when it next changes, for the service's one timer. An
 * idle EVSE's Relative TxDefaultProfile counts as a transaction starting at each look (K08.FR.06),
 * so it holds its first period's limit and has no boundaries of its own.
 */
export function nextChange(request: Omit<CompositeScheduleRequest, 'durationS'>, horizonS = NEXT_CHANGE_HORIZON_S): NextChange {
  const fromMs = request.start.getTime();
  const toMs = fromMs + horizonS * SECOND_MS;
  const periods = evaluate(request, fromMs, toMs, 'frozen');
  const first = periods[0];
  const current = first && first.fromMs === fromMs ? first : undefined;
  const changeMs = current ? current.toMs : first?.fromMs;
  let nextAt: Date | undefined;
  if (changeMs !== undefined && changeMs < toMs) nextAt = new Date(changeMs);
  else if (boundaryBeyond(request, toMs)) nextAt = new Date(toMs);
  const limit: CompositePeriod | undefined = current
    ? { startPeriodS: 0, limit: current.limit, source: current.source, endPeriodS: Math.round((current.toMs - fromMs) / SECOND_MS), ...(current.numberPhases !== undefined ? { numberPhases: current.numberPhases } : {}) }
    : undefined;
  return { limit, nextAt };
}

/** Whether any applicable profile starts, ends or changes period within a year after `afterMs`. */
function boundaryBeyond(request: Omit<CompositeScheduleRequest, 'durationS'>, afterMs: number): boolean {
  const farMs = afterMs + 366 * 86_400 * SECOND_MS;
  return candidatesFor(request, afterMs, farMs, 'frozen').some((c) => c.segments.some((s) => s.fromMs > afterMs || s.toMs < farMs));
}
