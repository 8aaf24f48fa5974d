import type { Clock, TimerHandle } from '../station/clock.js';

/**
 * One device polled on a cadence: concurrent poll() callers share the poll in flight (one device,
 * one request at a time), and start(intervalMs) keeps the cadence - a slow poll shortens the wait
 * before the next, never overlaps it. The meter and the pilot board drivers poll through it.
 */
export class PollLoop<T> {
  private timer: TimerHandle | undefined;
  private running = false;
  private inFlight: Promise<T> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly pollOnce: () => Promise<T>,
  ) {}

  poll(): Promise<T> {
    this.inFlight ??= this.pollOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  start(intervalMs: number): void {
    if (this.running) return;
    this.running = true;
    const tick = (): void => {
      if (!this.running) return;
      const started = this.clock.nowMs();
      void this.poll().finally(() => {
        if (!this.running) return;
        this.timer = this.clock.setTimeout(tick, Math.max(0, intervalMs - (this.clock.nowMs() - started)));
      });
    };
    tick();
  }

  /** Stops the cadence and waits for a poll in flight to end. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
  }
}
