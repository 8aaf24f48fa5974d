import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { systemClock, type Clock, type TimerHandle } from '../../station/clock.js';

/**
 * GPIO ports. Drivers (sysfs, simulated) give raw pins: physical levels and nothing else. The
 * logic every driver shares, active-low inversion and input debounce, lives here once, above them.
 */

export type Level = 0 | 1;

/** A line as the installer names it: a BCM number, optionally on a named chip. */
export interface LineAddress {
  line: number;
  /** The gpiochip's label, e.g. pinctrl-bcm2711; found automatically on a Raspberry Pi when omitted. */
  chip?: string;
}

export interface OutputLineSpec extends LineAddress {
  /** true when the line is active (relay energised, LED lit) at a low level. */
  activeLow: boolean;
}

export interface InputLineSpec extends OutputLineSpec {
  /** How long a new level must hold before it counts, in ms. */
  debounceMs: number;
}

export interface RawOutputPin {
  /** Synchronous, so that an exit handler can still open a relay. */
  writeSync(level: Level): void;
  close(): Promise<void>;
}

export interface RawInputPin {
  readSync(): Level;
  /** Called on every edge the driver sees (not debounced). */
  watch(onEdge: (level: Level) => void): void;
  close(): Promise<void>;
}

export interface GpioDriver {
  readonly kind: 'sysfs' | 'simulated';
  /** Claims a line as an output, at this level from the first instant (no glitch through the other level). */
  openOutput(address: LineAddress, initialLevel: Level): Promise<RawOutputPin>;
  openInput(address: LineAddress): Promise<RawInputPin>;
  /** Describes where a line really is, e.g. "BCM 17 (sysfs gpio529 on pinctrl-bcm2711)". */
  describe(address: LineAddress): string;
  close(): Promise<void>;
}

const levelFor = (active: boolean, activeLow: boolean): Level => (active !== activeLow ? 1 : 0);

/** An output with its logic: set(true) energises a relay or lights an LED, whatever the wiring. */
export class DigitalOutput {
  private readonly state: BehaviorSubject<boolean>;

  private constructor(
    private readonly pin: RawOutputPin,
    readonly spec: OutputLineSpec,
  ) {
    this.state = new BehaviorSubject<boolean>(false);
  }

  /** Opens the line inactive: a relay starts open, an LED dark. */
  static async open(driver: GpioDriver, spec: OutputLineSpec): Promise<DigitalOutput> {
    const pin = await driver.openOutput(spec, levelFor(false, spec.activeLow));
    return new DigitalOutput(pin, spec);
  }

  get active(): boolean {
    return this.state.value;
  }

  get active$(): Observable<boolean> {
    return this.state.pipe(distinctUntilChanged());
  }

  set(active: boolean): void {
    this.pin.writeSync(levelFor(active, this.spec.activeLow));
    this.state.next(active);
  }

  async close(): Promise<void> {
    this.state.complete();
    await this.pin.close();
  }
}

/**
 * An input with its logic: active() follows the line after it has held a new level for debounceMs,
 * so contact bounce on a plug or a relay's feedback contact is one change, not ten.
 */
export class DigitalInput {
  private readonly state: BehaviorSubject<boolean>;
  private timer: TimerHandle | undefined;

  private constructor(
    private readonly pin: RawInputPin,
    readonly spec: InputLineSpec,
    private readonly clock: Clock,
  ) {
    this.state = new BehaviorSubject<boolean>(this.readActive());
    pin.watch(() => this.onEdge());
  }

  /** `clock` times the debounce; default the system clock. */
  static async open(driver: GpioDriver, spec: InputLineSpec, clock: Clock = systemClock): Promise<DigitalInput> {
    return new DigitalInput(await driver.openInput(spec), spec, clock);
  }

  private readActive(): boolean {
    return (this.pin.readSync() === 1) !== this.spec.activeLow;
  }

  private onEdge(): void {
    if (this.spec.debounceMs <= 0) {
      this.accept();
      return;
    }
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.accept();
    }, this.spec.debounceMs);
  }

  private accept(): void {
    const now = this.readActive();
    if (now !== this.state.value) this.state.next(now);
  }

  /** The debounced logical state. */
  get active(): boolean {
    return this.state.value;
  }

  /** The debounced logical state; replays the current one to a new subscriber. */
  get active$(): Observable<boolean> {
    return this.state.pipe(distinctUntilChanged());
  }

  async close(): Promise<void> {
    this.timer?.cancel();
    this.state.complete();
    await this.pin.close();
  }
}

/** The raw level that makes a line inactive: what a failsafe writes to a relay. */
export function inactiveLevel(spec: OutputLineSpec): Level {
  return levelFor(false, spec.activeLow);
}
