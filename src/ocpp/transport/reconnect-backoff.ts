/**
 * The reconnect back-off of Part 4 §5.3, driven by the OCPPCommCtrlr variables of §8.1-8.3
 * (RetryBackOffWaitMinimum, RetryBackOffRandomRange, RetryBackOffRepeatTimes).
 */
export interface BackoffSettings {
  /** Back-off before the first retry, in seconds. */
  waitMinimumS: number;
  /** Upper bound of the random part added to every back-off, in seconds. */
  randomRangeS: number;
  /** How many times the back-off doubles before it stays where it is. */
  repeatTimes: number;
}

/** Never retry faster than this, whatever the settings say: a zero back-off would be a busy loop. */
export const MIN_RECONNECT_DELAY_MS = 50;

/**
 * The wait before reconnection attempt number `retry` (0 for the first after a connection was
 * lost or an attempt failed): waitMinimum doubled `retry` times, at most repeatTimes times, plus a
 * fresh random part in [0, randomRange]. §5.3 says to "double the previous back-off time" and to
 * add "a new random value" to every attempt; we read that as doubling the deterministic part only,
 * so the random parts do not pile up.
 */
export function reconnectDelayMs(retry: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const nonNegative = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);
  const doublings = Math.min(Math.max(0, Math.floor(retry)), Math.floor(nonNegative(settings.repeatTimes)));
  const baseS = nonNegative(settings.waitMinimumS) * 2 ** doublings;
  const randomS = nonNegative(settings.randomRangeS) * random();
  // Capped at what setTimeout can wait.
  return Math.min(Math.max(MIN_RECONNECT_DELAY_MS, Math.round((baseS + randomS) * 1000)), 2 ** 31 - 1);
}
