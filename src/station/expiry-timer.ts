/** Node fires a timer at once when its delay is over 2^31-1 ms (24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface ExpiryTimer {
  cancel(): void;
}

/**
 * Calls `fire` at the time `at`, however far ahead (a reservation may run for months): a long
 * wait is made of shorter ones. A time already past fires at the next turn.
 */
export function fireAt(at: Date, fire: () => void): ExpiryTimer {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = at.getTime() - Date.now();
    timer = setTimeout(left > MAX_DELAY_MS ? arm : fire, Math.min(Math.max(0, left), MAX_DELAY_MS));
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
