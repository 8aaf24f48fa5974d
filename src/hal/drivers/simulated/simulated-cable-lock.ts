import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';

/** How a simulated cable lock misbehaves: not at all, or jammed holding the cable (or not catching it) whatever its actuator does. */
export type CableLockFaultMode = 'none' | 'stuck-locked' | 'stuck-released';

/**
 * A simulated socket cable lock: an actuator (the lock output) and the pin it moves, which the
 * feedback contact follows. A jammed lock keeps holding the cable when told to let go; one stuck
 * released never catches it when told to lock.
 */
export class SimulatedCableLock {
  private driven = false;
  private mode: CableLockFaultMode = 'none';
  private readonly pin = new BehaviorSubject(false);
  /** Whether the lock holds the cable (what its feedback contact reports). */
  readonly holding$: Observable<boolean> = this.pin.pipe(distinctUntilChanged());

  get fault(): CableLockFaultMode {
    return this.mode;
  }

  setActuator(lock: boolean): void {
    this.driven = lock;
    this.update();
  }

  setFault(mode: CableLockFaultMode): void {
    this.mode = mode;
    this.update();
  }

  private update(): void {
    this.pin.next(this.mode === 'stuck-locked' ? true : this.mode === 'stuck-released' ? false : this.driven);
  }
}
