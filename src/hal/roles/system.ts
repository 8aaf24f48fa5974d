import type { Observable } from 'rxjs';
import type { Clock } from '../../station/clock.js';

/**
 * The system role: what the station's computer does for it beyond charging. Time, and a restart
 * of the station's software (an OCPP Reset); installing firmware comes with a later issue.
 */

export type RestartReason = 'RemoteReset' | 'ScheduledReset';

export interface StationSystem {
  /** The station's time and timers. */
  readonly clock: Clock;
  /** Asks for the station's software to restart; whoever runs the station stops it and starts it again. */
  restart(reason: RestartReason): void;
  /** Each restart asked for. */
  readonly restartRequested$: Observable<RestartReason>;
  /** Installs a firmware image (a later issue); absent until then. */
  installFirmware?(imagePath: string): Promise<void>;
}
