import type { Clock, TimerHandle } from './clock.js';

export type ExpiryTimer = TimerHandle;

/**
 * Calls `fire` at the time `at`, however far ahead (a reservation may run for months: the clock
 * makes a long wait of shorter ones). A time already past fires at the next turn.
 */
export function fireAt(clock: Clock, at: Date, fire: () => void): ExpiryTimer {
  return clock.setTimeout(fire, at.getTime() - clock.nowMs());
}
