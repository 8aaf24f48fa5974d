import type { Clock } from '../../../station/clock.js';
import type { DigitalInput, DigitalOutput } from '../../gpio/gpio.js';
import type { ConnectorLock } from '../../roles/connector-lock.js';

/** How long an unlock waits for the feedback contact to report the cable released (an actuator takes a few hundred ms). */
export const UNLOCK_CONFIRM_WITHIN_MS = 1000;

/**
 * A cable lock on GPIO lines: an actuator output (active holds the cable) and, when wired, a
 * feedback input (active while the lock holds it). With feedback an unlock is confirmed by the
 * lock itself, so a jammed lock answers false (F05.FR.05 UnlockFailed); without, it is assumed.
 */
export class GpioConnectorLock implements ConnectorLock {
  constructor(
    readonly actuator: DigitalOutput,
    readonly feedback: DigitalInput | undefined,
    private readonly clock: Clock,
    private readonly confirmWithinMs = UNLOCK_CONFIRM_WITHIN_MS,
  ) {}

  get locked(): boolean {
    return this.actuator.active;
  }

  lock(): void {
    if (!this.actuator.active) this.actuator.set(true);
  }

  async unlock(): Promise<boolean> {
    if (this.actuator.active) this.actuator.set(false);
    const feedback = this.feedback;
    if (!feedback) return true;
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (released: boolean): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        // Deferred: the subscription below may still be in its first, synchronous replay.
        queueMicrotask(() => subscription.unsubscribe());
        resolve(released);
      };
      const timer = this.clock.setTimeout(() => finish(!feedback.active), this.confirmWithinMs);
      const subscription = feedback.active$.subscribe({
        next: (holding) => {
          if (!holding) finish(true);
        },
        // Closed under the wait (the station stopping): what the contact said last.
        complete: () => finish(!feedback.active),
      });
    });
  }

  async close(): Promise<void> {
    await this.feedback?.close();
    await this.actuator.close();
  }
}
