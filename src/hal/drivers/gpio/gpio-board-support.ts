import type { Observable } from 'rxjs';
import type { DigitalInput, DigitalOutput } from '../../gpio/gpio.js';
import type { BoardSupport } from '../../roles/board-support.js';

/** The lines of a connector's power path, opened by the hardware factory. */
export interface BoardSupportLines {
  /** The contactor's coil. */
  relay: DigitalOutput;
  /** The contactor's auxiliary contact. */
  relayFeedback?: DigitalInput;
  plugDetect?: DigitalInput;
}

/**
 * Board support on GPIO lines: a relay output to the contactor's coil, its auxiliary contact and a
 * plug-detect input. No control pilot: offered current and vehicle state stay absent.
 */
export class GpioBoardSupport implements BoardSupport {
  readonly contactorClosed$?: Observable<boolean>;
  readonly plugged$?: Observable<boolean>;

  constructor(readonly lines: BoardSupportLines) {
    if (lines.relayFeedback) this.contactorClosed$ = lines.relayFeedback.active$;
    if (lines.plugDetect) this.plugged$ = lines.plugDetect.active$;
  }

  allowPowerOn(allowed: boolean): void {
    if (this.lines.relay.active !== allowed) this.lines.relay.set(allowed);
  }

  get powerAllowed(): boolean {
    return this.lines.relay.active;
  }

  get powerAllowed$(): Observable<boolean> {
    return this.lines.relay.active$;
  }

  /** Releases the lines; the factory has removed power first (a relay line stays driven: see sysfs-gpio). */
  async close(): Promise<void> {
    await Promise.all([this.lines.plugDetect?.close(), this.lines.relayFeedback?.close()]);
    await this.lines.relay.close();
  }
}
