import { Subject, type Observable } from 'rxjs';
import type { GpioDriver, LineAddress, Level, RawInputPin, RawOutputPin } from '../../gpio/gpio.js';

const keyOf = (a: LineAddress): string => `${a.chip ?? ''}#${a.line}`;

/**
 * GPIO in memory, for development and tests: outputs record the levels written, inputs take levels
 * set by a simulator (plug, EV, fault buttons). Physical levels, as a real pin: active-low is above.
 */
export class SimulatedGpio implements GpioDriver {
  readonly kind = 'simulated' as const;
  private readonly levels = new Map<string, Level>();
  private readonly outputs = new Set<string>();
  private readonly watchers = new Map<string, Set<(level: Level) => void>>();
  private readonly writes = new Subject<{ address: LineAddress; level: Level }>();

  /** Every level written to an output, in order (for the simulated meter's relay, and tests). */
  get writes$(): Observable<{ address: LineAddress; level: Level }> {
    return this.writes.asObservable();
  }

  describe(address: LineAddress): string {
    return `BCM ${address.line}${address.chip ? ` on ${address.chip}` : ''} (simulated)`;
  }

  async openOutput(address: LineAddress, initialLevel: Level): Promise<RawOutputPin> {
    const key = keyOf(address);
    if (this.outputs.has(key) || this.watchers.has(key)) throw new Error(`${this.describe(address)} is already in use`);
    this.outputs.add(key);
    const write = (level: Level): void => {
      this.levels.set(key, level);
      this.writes.next({ address, level });
    };
    write(initialLevel);
    return {
      writeSync: write,
      close: async () => {
        this.outputs.delete(key);
      },
    };
  }

  async openInput(address: LineAddress): Promise<RawInputPin> {
    const key = keyOf(address);
    if (this.outputs.has(key)) throw new Error(`${this.describe(address)} is an output`);
    const set = this.watchers.get(key) ?? new Set<(level: Level) => void>();
    this.watchers.set(key, set);
    let mine: ((level: Level) => void) | undefined;
    return {
      readSync: () => this.levels.get(key) ?? 0,
      watch: (onEdge) => {
        mine = onEdge;
        set.add(onEdge);
      },
      close: async () => {
        if (mine) set.delete(mine);
      },
    };
  }

  /** The physical level now on a line (an output's last write, or an input's simulated level). */
  level(address: LineAddress): Level {
    return this.levels.get(keyOf(address)) ?? 0;
  }

  /** Whether a level was ever set on the line (written, or driven by the simulation). */
  hasLevel(address: LineAddress): boolean {
    return this.levels.has(keyOf(address));
  }

  /** Drives an input line to a physical level, as a switch or sensor would. */
  setInputLevel(address: LineAddress, level: Level): void {
    const key = keyOf(address);
    if (this.outputs.has(key)) throw new Error(`${this.describe(address)} is an output, not an input`);
    if (this.levels.get(key) === level) return;
    this.levels.set(key, level);
    for (const w of this.watchers.get(key) ?? []) w(level);
  }

  async close(): Promise<void> {
    this.writes.complete();
  }
}
