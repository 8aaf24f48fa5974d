import type { MeterReading } from './meter-reading.js';
import type { SafetySettings } from './ports.js';
import type { FaultKind } from './types.js';

/**
 * Hardware supervision as pure functions: what the contactor's feedback and the meter's currents
 * say about the hardware. The EVSE applies the verdicts (timers, faults, relays).
 */

/**
 * A contactor whose feedback contact disagrees with its coil: closed while the coil is released is
 * a welded contact (energy cannot be switched off); open while energised, one that failed to close.
 * Undefined while they agree.
 */
export function contactorFault(coilEnergised: boolean, contactClosed: boolean): 'contactor-welded' | 'contactor-failed' | undefined {
  if (coilEnergised === contactClosed) return undefined;
  return contactClosed ? 'contactor-welded' : 'contactor-failed';
}

/** Faults that stay until someone acts (a Reset, or the local "clear faults" action), never by themselves. */
export const LATCHED_FAULTS: ReadonlySet<FaultKind> = new Set<FaultKind>(['contactor-welded']);

/** Faults of one session's vehicle or contactor: they clear when the vehicle leaves (or by the local action). */
export const SESSION_FAULTS: ReadonlySet<FaultKind> = new Set<FaultKind>(['contactor-failed', 'overcurrent']);

export interface OvercurrentWatch {
  /** The timestamp (ms) of the first reading of the run of readings above the threshold. */
  overSinceMs?: number;
}

export interface OvercurrentVerdict {
  watch: OvercurrentWatch;
  /** Set when the run has lasted overcurrentAfterS: the highest phase current and the threshold. */
  trip?: { amps: number; thresholdA: number; forS: number };
}

/** The highest phase current of a reading (or what its power gives at 230 V when it has no currents). */
export function highestCurrentA(r: MeterReading): number {
  const currents = [r.currentL1A, r.currentL2A, r.currentL3A].filter((x): x is number => x !== undefined);
  return currents.length > 0 ? Math.max(...currents.map(Math.abs)) : Math.abs(r.powerW ?? 0) / 230;
}

/**
 * Overcurrent: any phase above maxCurrentA plus the margin, in every reading for at least
 * overcurrentAfterS (an EV may overshoot briefly when its allowance changes). One reading at or
 * below the threshold starts the run again.
 */
export function watchOvercurrent(watch: OvercurrentWatch, reading: MeterReading, maxCurrentA: number, s: SafetySettings): OvercurrentVerdict {
  const thresholdA = maxCurrentA * (1 + s.overcurrentMarginPercent / 100);
  const amps = highestCurrentA(reading);
  if (amps <= thresholdA) return { watch: {} };
  const now = reading.timestamp.getTime();
  const since = watch.overSinceMs ?? now;
  const forS = (now - since) / 1000;
  const next = { overSinceMs: since };
  return forS >= s.overcurrentAfterS ? { watch: next, trip: { amps, thresholdA, forS } } : { watch: next };
}
