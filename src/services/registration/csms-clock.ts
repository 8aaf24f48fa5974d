import { Subject } from 'rxjs';
import { systemClock, type Clock } from '../../station/clock.js';

/** The station's time moved: the offset to the local clock before and after, in ms. */
export interface ClockAdjustment {
  fromOffsetMs: number;
  toOffsetMs: number;
  /** When, on the local clock. */
  at: Date;
}

/**
 * The station's time as the CSMS sees it. The agent does not set the system clock (that is NTP's
 * job on a Pi); when the CSMS is the time source (2.0.1 B01.FR.06, 1.6 Heartbeat), the offset to
 * its clock is applied to every timestamp the agent sends. `local` is the clock it is an offset
 * of, whose timers the services use.
 */
export class CsmsClock {
  private offsetMs = 0;
  /** Each sync that moved the station's time (the SettingSystemTime security event watches these). */
  readonly adjustments$ = new Subject<ClockAdjustment>();

  constructor(readonly local: Clock = systemClock) {}

  /** Adopts the CSMS' current time, given as RFC 3339. */
  sync(currentTime: string): void {
    const t = Date.parse(currentTime);
    if (!Number.isFinite(t)) return;
    const fromOffsetMs = this.offsetMs;
    this.offsetMs = t - this.local.nowMs();
    if (this.offsetMs !== fromOffsetMs) this.adjustments$.next({ fromOffsetMs, toOffsetMs: this.offsetMs, at: this.local.now() });
  }

  get offset(): number {
    return this.offsetMs;
  }

  now(): Date {
    return new Date(this.local.nowMs() + this.offsetMs);
  }

  /** A moment of the agent's clock, on the CSMS' clock. */
  toCsms(local: Date): Date {
    return new Date(local.getTime() + this.offsetMs);
  }

  iso(local: Date = this.local.now()): string {
    return this.toCsms(local).toISOString();
  }
}
