import type { ChargingProfile, ChargingRateUnit } from './charging-profile.js';

/**
 * One charging profile's schedule laid on the time line: the absolute intervals in which one of
 * its periods holds, inside the profile's validity and a window. The composite schedule stacks
 * these; all times are epoch milliseconds, so recurrences are UTC-fixed (a DST change of local time
 * moves nothing: OCPP times are UTC, 1.6 3.13.4 warns that DST days may need their own profile).
 */

export interface ProfileSegment {
  fromMs: number;
  toMs: number;
  /** In `unit`, as the profile gives it. */
  limit: number;
  unit: ChargingRateUnit;
  numberPhases?: number;
}

export interface SegmentWindow {
  fromMs: number;
  toMs: number;
  /** The transaction's start, for a Relative schedule bound to one. */
  relativeStartMs?: number;
  /** A Relative schedule with no transaction starts here (K08.FR.06: "as if there is a transaction ongoing"). */
  floatingStartMs: number;
  /** Such a floating schedule keeps its first period's limit throughout (a transaction starting at every look). */
  freezeFloating: boolean;
}

const DAY_MS = 86_400_000;
const RECURRENCE_MS = { Daily: DAY_MS, Weekly: 7 * DAY_MS } as const;
/**
 * A Recurring schedule without startSchedule (2.0.1 3.3: it "requires" one to be most useful):
 * daily from 00:00 UTC, weekly from Monday 00:00 UTC (1970-01-05 was a Monday).
 */
const DEFAULT_RECURRENCE_ANCHOR_MS = { Daily: 0, Weekly: 4 * DAY_MS } as const;

/** The segments of `profile`'s first schedule (2.0.1's second and third are ISO 15118 alternatives) in the window, in time order. */
export function profileSegments(profile: ChargingProfile, window: SegmentWindow): ProfileSegment[] {
  const schedule = profile.schedules[0];
  if (!schedule || schedule.periods.length === 0) return [];
  const validFromMs = Math.max(window.fromMs, profile.validFrom?.getTime() ?? -Infinity);
  const validToMs = Math.min(window.toMs, profile.validTo?.getTime() ?? Infinity);
  if (validFromMs >= validToMs) return [];

  const periods = [...schedule.periods].sort((a, b) => a.startPeriodS - b.startPeriodS);
  const segment = (fromMs: number, toMs: number, index: number): ProfileSegment => {
    const p = periods[index]!;
    const s: ProfileSegment = { fromMs, toMs, limit: p.limit, unit: schedule.rateUnit };
    if (p.numberPhases !== undefined) s.numberPhases = p.numberPhases;
    return s;
  };
  // 1.6 7.13: an Absolute schedule without startSchedule "will be relative to start of charging".
  const relative = profile.kind === 'Relative' || (profile.kind === 'Absolute' && schedule.startSchedule === undefined);
  const floating = relative && window.relativeStartMs === undefined;
  if (floating && window.freezeFloating) {
    const first = periods[0]!;
    return first.startPeriodS === 0 ? [segment(validFromMs, validToMs, 0)] : [];
  }

  const recurrency = profile.kind === 'Recurring' ? profile.recurrency : undefined;
  const repeatMs = recurrency ? RECURRENCE_MS[recurrency] : Infinity;
  const anchorMs = relative
    ? window.relativeStartMs ?? window.floatingStartMs
    : schedule.startSchedule?.getTime() ?? (recurrency ? DEFAULT_RECURRENCE_ANCHOR_MS[recurrency] : window.floatingStartMs);
  // 1.6 5.16.4: with a duration longer than the recurrence, the remainder periods are not executed;
  // with a shorter one the profile falls back (a gap) until it recurs.
  const runMs = Math.min(schedule.durationS !== undefined ? schedule.durationS * 1000 : Infinity, repeatMs);

  const segments: ProfileSegment[] = [];
  // A recurrence runs from its startSchedule on, not before it.
  let occurrence = Number.isFinite(repeatMs) ? Math.max(0, Math.floor((validFromMs - anchorMs) / repeatMs)) : 0;
  for (; ; occurrence++) {
    const startMs = anchorMs + occurrence * (Number.isFinite(repeatMs) ? repeatMs : 0);
    if (startMs >= validToMs) break;
    const endMs = startMs + runMs;
    for (let i = 0; i < periods.length; i++) {
      const fromMs = Math.max(startMs + periods[i]!.startPeriodS * 1000, validFromMs);
      const next = periods[i + 1];
      const toMs = Math.min(next ? startMs + next.startPeriodS * 1000 : Infinity, endMs, validToMs);
      if (fromMs < toMs) segments.push(segment(fromMs, toMs, i));
    }
    if (!Number.isFinite(repeatMs)) break;
  }
  return segments;
}
