import type { LimitSource } from '../smart-charging/charging-profile.js';

/**
 * Load balancing inside the station, as a pure function: the EVSEs on one supply share what the
 * station may draw. Vehicles that charge get an equal current each (capped at their EVSE's own
 * maximum, what one cannot take going to the others); none is offered less than 6 A, the least
 * a vehicle charges at (IEC 61851-1): when there is not enough for all, the newest session is
 * paused (0 A) first. A session whose vehicle takes no energy now (SuspendedEV) gives its share
 * back: it keeps only 6 A, so that the vehicle can resume, and more only from what the charging
 * ones leave over.
 */

/** The least current a vehicle charges at (IEC 61851-1: a PWM duty cycle under 10 % offers no charging). */
export const MIN_CHARGING_CURRENT_A = 6;

/** Who may limit the station as a whole. */
export type StationLimitSource = Extract<LimitSource, 'station' | 'grid-meter' | 'grid-operator' | 'ChargingStationMaxProfile'>;

/**
 * One limit on the station. `currentA`: A per phase for all EVSEs together, taking every EVSE to
 * load the same phase (a single-phase EVSE's phase is not known); `powerW`: W for all EVSEs and
 * phases together.
 */
export type StationConstraint = { source: StationLimitSource } & ({ currentA: number } | { powerW: number });

export interface EvseDemand {
  evseId: number;
  /** A session runs on it (a vehicle plugged in and authorized). */
  inSession: boolean;
  /** The vehicle takes energy now. */
  charging: boolean;
  /** When the session started: the newest pauses first. */
  since: Date;
  maxCurrentA: number;
  phases: 1 | 3;
  /** Phase-to-neutral: for power limits. */
  voltageV: number;
}

export interface EvseShare {
  evseId: number;
  /** A per phase; 0: paused. */
  shareA: number;
  /** The limit that kept it below its own maximum; absent: it may take its maximum. */
  limitedBy?: StationLimitSource;
}

/** Shares are rounded down to this step (A): never above the budget, and no flapping in the last decimals. */
const STEP_A = 0.1;
const floorToStep = (a: number): number => Math.floor(a / STEP_A + 1e-9) / Math.round(1 / STEP_A);

/** What an EVSE's current weighs in a constraint: 1 A per phase counts 1 A, or phases x V watts. */
function weight(c: StationConstraint, e: EvseDemand): number {
  return 'currentA' in c ? 1 : e.phases * e.voltageV;
}
const capacity = (c: StationConstraint): number => Math.max(0, 'currentA' in c ? c.currentA : c.powerW);

/**
 * The highest equal current `level` the EVSEs may all have (each capped at its maximum) within
 * `room` of one constraint: Infinity when all of them at their maximum fit.
 */
function fillLevel(c: StationConstraint, evses: readonly EvseDemand[], room: number): number {
  const byMax = [...evses].sort((a, b) => a.maxCurrentA - b.maxCurrentA);
  let left = room;
  let uncappedWeight = byMax.reduce((sum, e) => sum + weight(c, e), 0);
  let level = 0;
  for (const e of byMax) {
    // Raising every uncapped EVSE from `level` to this one's maximum costs this much.
    const step = (e.maxCurrentA - level) * uncappedWeight;
    if (step > left) return level + left / uncappedWeight;
    left -= step;
    level = e.maxCurrentA;
    uncappedWeight -= weight(c, e);
  }
  return Infinity;
}

/** Fills `evses` up from `floor` within what the constraints leave (`used`: what each already has given out). */
function fill(
  constraints: readonly StationConstraint[],
  evses: readonly EvseDemand[],
  used: readonly number[],
  floor: number,
): { level: number; limitedBy?: StationLimitSource } {
  let level = Infinity;
  let limitedBy: StationLimitSource | undefined;
  constraints.forEach((c, k) => {
    // The floor is given out already (in `used`): fill from 0 over the room that leaves, as if from the floor.
    const floorCost = evses.reduce((sum, e) => sum + floor * weight(c, e), 0);
    const l = fillLevel(c, evses, capacity(c) - used[k]! + floorCost);
    if (l < level) {
      level = l;
      limitedBy = c.source;
    }
  });
  return limitedBy ? { level: Math.max(floor, floorToStep(level)), limitedBy } : { level };
}

/** Each EVSE's share of the station under the constraints, in the order of `evses`. */
export function allocate(evses: readonly EvseDemand[], constraints: readonly StationConstraint[]): EvseShare[] {
  const shares = new Map<number, EvseShare>(evses.map((e) => [e.evseId, { evseId: e.evseId, shareA: 0 }]));
  // Sessions that charge come first, then the suspended ones; the oldest first within each.
  const bySeniority = (a: EvseDemand, b: EvseDemand): number => a.since.getTime() - b.since.getTime() || a.evseId - b.evseId;
  const sessions = evses.filter((e) => e.inSession && e.maxCurrentA >= MIN_CHARGING_CURRENT_A);
  const queue = [...sessions.filter((e) => e.charging).sort(bySeniority), ...sessions.filter((e) => !e.charging).sort(bySeniority)];
  // Admit each at the minimum while all fit; the first that does not fit is paused, and all after it.
  const used = constraints.map(() => 0);
  const admitted: EvseDemand[] = [];
  let pausedBy: StationLimitSource | undefined;
  for (const e of queue) {
    if (pausedBy === undefined) {
      const over = constraints.find((c, k) => used[k]! + MIN_CHARGING_CURRENT_A * weight(c, e) > capacity(c) + 1e-9);
      if (!over) {
        constraints.forEach((c, k) => (used[k]! += MIN_CHARGING_CURRENT_A * weight(c, e)));
        admitted.push(e);
        continue;
      }
      pausedBy = over.source;
    }
    shares.set(e.evseId, { evseId: e.evseId, shareA: 0, limitedBy: pausedBy });
  }
  // The charging ones share what is left over the suspended ones' minimum; those then get what the charging ones leave.
  for (const group of [admitted.filter((e) => e.charging), admitted.filter((e) => !e.charging)]) {
    if (group.length === 0) continue;
    const { level, limitedBy } = fill(constraints, group, used, MIN_CHARGING_CURRENT_A);
    for (const e of group) {
      const shareA = Math.min(level, e.maxCurrentA);
      shares.set(e.evseId, shareA < e.maxCurrentA && limitedBy ? { evseId: e.evseId, shareA, limitedBy } : { evseId: e.evseId, shareA });
      constraints.forEach((c, k) => (used[k]! += (shareA - MIN_CHARGING_CURRENT_A) * weight(c, e)));
    }
  }
  // EVSEs without a session get nothing now; the service asks what one would get when a vehicle comes.
  return evses.map((e) => shares.get(e.evseId)!);
}
