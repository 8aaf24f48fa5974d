import type { TimerHandle } from '../../station/clock.js';
import type { CsmsClock } from '../registration/csms-clock.js';

/**
 * Clock-aligned meter values (2.0.1 J01 AlignedDataCtrlr.Interval, 1.6 ClockAlignedDataInterval):
 * the boundaries of an interval counted from midnight UTC, on the CSMS' clock. A boundary is
 * reached once only: when the clock moves back (a sync with the CSMS), the one already sent is
 * not sent again.
 */
export class AlignedSchedule {
  private timer: TimerHandle | undefined;
  private lastBoundary = 0;
  private stopped = false;

  constructor(
    private readonly clock: CsmsClock,
    /** The interval now, in seconds; 0 or less: none. */
    private readonly intervalS: () => number,
    private readonly onBoundary: (boundary: Date) => void,
  ) {}

  /** Plans the next boundary: at start, and again whenever the interval or the clock changed. */
  schedule(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const intervalMs = this.intervalS() * 1000;
    if (intervalMs <= 0 || this.stopped) return;
    const now = this.clock.now().getTime();
    const d = new Date(now);
    const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    let next = midnight + Math.ceil((now - midnight + 1) / intervalMs) * intervalMs;
    while (next <= this.lastBoundary) next += intervalMs;
    this.timer = this.clock.local.setTimeout(() => {
      this.lastBoundary = next;
      this.onBoundary(new Date(next));
      this.schedule();
    }, next - now);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}
