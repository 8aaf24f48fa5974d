import { combineLatest, map, type Observable, type Subscription } from 'rxjs';
import type { LedPattern, LedState } from '../config/station-config.js';
import type { StatusIndicator } from '../hal/roles/status-indicator.js';
import { systemClock, type Clock, type TimerHandle } from '../station/clock.js';
import type { Evse } from '../station/evse.js';

/** What an EVSE's LEDs should say: the most important of its connectors' states. */
export function evseLedState(views: ReadonlyArray<{ status: string; chargingState: string }>): LedState {
  const has = (s: string): boolean => views.some((v) => v.status === s);
  const charging = (s: string): boolean => views.some((v) => v.chargingState === s);
  if (has('Faulted')) return 'Faulted';
  if (charging('Charging')) return 'Charging';
  if (charging('SuspendedEV')) return 'SuspendedEV';
  if (charging('SuspendedEVSE')) return 'SuspendedEVSE';
  if (has('Occupied')) return 'Occupied';
  if (has('Reserved')) return 'Reserved';
  if (views.length > 0 && views.every((v) => v.status === 'Unavailable')) return 'Unavailable';
  return 'Available';
}

/** The state the LEDs stand for, and the configured colours and pattern they show for it. */
export interface LedShown extends LedPattern {
  state: LedState;
}

const BLINK_MS: Record<LedPattern['pattern'], number | undefined> = { steady: undefined, off: undefined, blink: 250, 'blink-slow': 1000 };

/** Drives one EVSE's status indicator from its state: the configured colours, steady or blinking. */
export class StatusLeds {
  private timer: TimerHandle | undefined;
  private subscription: Subscription;
  private lit = false;
  private shownNow: LedShown | undefined;

  constructor(
    private readonly indicator: StatusIndicator,
    patterns: Record<LedState, LedPattern>,
    state$: Observable<LedState>,
    private readonly clock: Clock = systemClock,
  ) {
    this.subscription = state$.subscribe((s) => {
      this.shownNow = { state: s, ...patterns[s] };
      this.show(patterns[s]);
    });
  }

  /** What the LEDs show now (the local API tells it), undefined before the first state. */
  get shown(): LedShown | undefined {
    return this.shownNow ? { ...this.shownNow, colours: [...this.shownNow.colours] } : undefined;
  }

  static forEvse(evse: Evse, indicator: StatusIndicator, patterns: Record<LedState, LedPattern>, clock: Clock = systemClock): StatusLeds {
    const state$ = combineLatest(evse.connectors.map((c) => c.view$)).pipe(map(evseLedState));
    return new StatusLeds(indicator, patterns, state$, clock);
  }

  private set(colours: LedPattern['colours'], on: boolean): void {
    this.indicator.light(on ? colours : []);
  }

  private show(p: LedPattern): void {
    this.timer?.cancel();
    this.timer = undefined;
    const period = BLINK_MS[p.pattern];
    this.lit = p.pattern !== 'off';
    this.set(p.colours, this.lit);
    if (period !== undefined) {
      this.timer = this.clock.setInterval(() => {
        this.lit = !this.lit;
        this.set(p.colours, this.lit);
      }, period);
    }
  }

  stop(): void {
    this.subscription.unsubscribe();
    this.timer?.cancel();
    this.set([], false);
  }
}
