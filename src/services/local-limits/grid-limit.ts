/**
 * The dynamic limit from the building's main meter, as pure functions: what the EVSEs together may
 * draw per phase so that the main fuse carries the building's other load and them, with a margin;
 * and the hysteresis that keeps the pilot's offer from flapping with every reading.
 */

export interface GridLimitSettings {
  /** The building's main fuse, A per phase. */
  mainFuseA: number;
  /** Kept free below the fuse: meter error, the time between readings, a vehicle slow to follow. */
  marginA: number;
  /** The limit rises only by at least this much. */
  hysteresisA: number;
  /** And only after the room for it has lasted this long, s. */
  raiseAfterS: number;
}

/** A meter's current per phase, L1..L3 (absent phases undefined). */
export type PhaseCurrents = readonly (number | undefined)[];

/**
 * Per phase: the fuse, less the building's other load (what the grid meter measures less what the
 * EVSEs draw themselves), less the margin; the lowest phase counts, since an EVSE's current may
 * be on any phase (a single-phase EVSE's phase is not known). Phases the grid meter does not
 * measure are left out; never below 0. A grid meter measuring no current at all gives undefined.
 */
export function availableForEvses(grid: PhaseCurrents, evses: PhaseCurrents, settings: Pick<GridLimitSettings, 'mainFuseA' | 'marginA'>): number | undefined {
  let lowest: number | undefined;
  grid.forEach((gridA, p) => {
    if (gridA === undefined || !Number.isFinite(gridA)) return;
    // Meters report current as a magnitude: a building exporting (PV) shows as load, which errs safe.
    const otherLoadA = Math.max(0, Math.abs(gridA) - Math.abs(evses[p] ?? 0));
    const available = settings.mainFuseA - otherLoadA - settings.marginA;
    lowest = lowest === undefined ? available : Math.min(lowest, available);
  });
  return lowest === undefined ? undefined : Math.max(0, lowest);
}

/** The grid limit in force and a rise waiting for its hold time. */
export interface GridLimitState {
  limitA: number;
  /** Since when (ms) each reading left room for at least hysteresisA more, and the least room seen since. */
  rise?: { sinceMs: number; lowestA: number };
}

/**
 * The next limit in force after a reading that leaves `availableA` (the first reading sets it).
 * Down at once, by whatever amount: the margin is for the meter's and the vehicle's delays, not
 * to be eaten by hysteresis. Up only by hysteresisA or more, and only once every reading for
 * raiseAfterS has left that room: then to the least of them. A house load that cycles (an oven's
 * thermostat, a heat pump) within the hold time so never lifts the offer only to cut it again,
 * and the vehicle, which takes seconds to follow a new offer (IEC 61851-1 gives it 5 s), sees few changes.
 */
export function nextGridLimit(state: GridLimitState | undefined, availableA: number, nowMs: number, settings: GridLimitSettings): GridLimitState {
  if (state === undefined || availableA < state.limitA) return { limitA: availableA };
  if (availableA < state.limitA + settings.hysteresisA) return { limitA: state.limitA };
  const rise = state.rise ? { sinceMs: state.rise.sinceMs, lowestA: Math.min(state.rise.lowestA, availableA) } : { sinceMs: nowMs, lowestA: availableA };
  if (nowMs - rise.sinceMs >= settings.raiseAfterS * 1000) return { limitA: rise.lowestA };
  return { limitA: state.limitA, rise };
}
