/**
 * Time as a port the core owns: what time it is, and "call me back in ms". The station, the
 * services and the adapters take a Clock instead of calling Date, setTimeout or setInterval, so
 * that unit tests run on FakeClock (no sleeps, milliseconds of wall time) and many stations can
 * share one process on one clock (a load-test simulator).
 */

/** A scheduled callback; cancelling twice, or after it ran, does nothing. */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  nowMs(): number;
  /** The current time. */
  now(): Date;
  /** Calls `fire` once, `ms` from now (0 or less: at the next turn). */
  setTimeout(fire: () => void, ms: number): TimerHandle;
  /** Calls `fire` every `ms` until cancelled. */
  setInterval(fire: () => void, ms: number): TimerHandle;
}

/** Node fires a timer at once when its delay is over 2^31-1 ms (24.8 days): longer waits are made of shorter ones. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The machine's clock and Node's timers. Timers do not keep the process alive on their own account beyond what Node does. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  now: () => new Date(),
  setTimeout(fire, ms) {
    const due = Date.now() + Math.max(0, ms);
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      const left = due - Date.now();
      timer = setTimeout(left > MAX_DELAY_MS ? arm : fire, Math.min(Math.max(0, left), MAX_DELAY_MS));
    };
    arm();
    return { cancel: () => clearTimeout(timer) };
  },
  setInterval(fire, ms) {
    const timer = setInterval(fire, ms);
    return { cancel: () => clearInterval(timer) };
  },
};

interface FakeTimer {
  id: number;
  due: number;
  fire: () => void;
  /** Set for an interval: it is re-armed this far ahead after each run. */
  every?: number;
}

/**
 * A clock that moves only when told. `advance(ms)` runs every timer that falls due on the way, in
 * time order (ties in the order they were set), with `now()` at each timer's due time; promise
 * callbacks queued by a timer run before the next timer when `advanceAsync` is used.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(start: Date | number = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  nowMs(): number {
    return this.current;
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimeout(fire: () => void, ms: number): TimerHandle {
    return this.add({ id: this.nextId++, due: this.current + Math.max(0, ms), fire });
  }

  setInterval(fire: () => void, ms: number): TimerHandle {
    const every = Math.max(1, ms);
    return this.add({ id: this.nextId++, due: this.current + every, fire, every });
  }

  /** How many timers are waiting (a test can check that nothing was left armed). */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running the timers that fall due, synchronously. */
  advance(ms: number): void {
    const until = this.current + Math.max(0, ms);
    for (let t = this.takeDue(until); t; t = this.takeDue(until)) this.run(t);
    this.current = until;
  }

  /** As advance, but lets promise callbacks settle before each timer and at the end. */
  async advanceAsync(ms: number): Promise<void> {
    const until = this.current + Math.max(0, ms);
    await settle();
    for (let t = this.takeDue(until); t; t = this.takeDue(until)) {
      this.run(t);
      await settle();
    }
    this.current = until;
    await settle();
  }

  /** Sets the clock (a CSMS-set time, a jump); timers keep their due times. */
  set(to: Date | number): void {
    this.current = typeof to === 'number' ? to : to.getTime();
  }

  private add(timer: FakeTimer): TimerHandle {
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t.id !== timer.id)) };
  }

  private takeDue(until: number): FakeTimer | undefined {
    let first: FakeTimer | undefined;
    for (const t of this.timers) if (t.due <= until && (!first || t.due < first.due || (t.due === first.due && t.id < first.id))) first = t;
    if (!first) return undefined;
    const taken = first;
    if (taken.every !== undefined) taken.due += taken.every;
    else this.timers = this.timers.filter((t) => t !== taken);
    return taken;
  }

  private run(timer: FakeTimer): void {
    // An interval was re-armed already; its fire time is the one just passed.
    this.current = Math.max(this.current, timer.every !== undefined ? timer.due - timer.every : timer.due);
    timer.fire();
  }
}

/** Lets already-resolved promise callbacks (and the ones they queue) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Waits for `promise`, but at most `ms` on `clock`; a rejection is the caller's to see. */
export async function waitAtMost(clock: Clock, promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: TimerHandle | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, Math.max(0, ms))))]);
  } finally {
    timer?.cancel();
  }
}
