import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';

/** How a simulated contactor misbehaves: not at all, its contacts welded shut, or never closing. */
export type ContactorFaultMode = 'none' | 'welded' | 'fails-to-close';

/**
 * A simulated contactor: a coil (the relay output) and the main contacts it moves, which the
 * auxiliary feedback contact and the meter's current follow. A welded contactor stays closed
 * whatever the coil; one that fails to close stays open.
 */
export class SimulatedContactor {
  private coil = false;
  private mode: ContactorFaultMode = 'none';
  private readonly contacts = new BehaviorSubject(false);
  /** Whether the main contacts are closed (power flows). */
  readonly contactClosed$: Observable<boolean> = this.contacts.pipe(distinctUntilChanged());

  get fault(): ContactorFaultMode {
    return this.mode;
  }

  setCoil(energised: boolean): void {
    this.coil = energised;
    this.update();
  }

  setFault(mode: ContactorFaultMode): void {
    this.mode = mode;
    this.update();
  }

  private update(): void {
    this.contacts.next(this.mode === 'welded' ? true : this.mode === 'fails-to-close' ? false : this.coil);
  }
}
