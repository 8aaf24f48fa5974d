import { Subject, type Observable } from 'rxjs';
import type { Clock } from '../../../station/clock.js';
import type { RestartReason, StationSystem } from '../../roles/system.js';

/**
 * The system role as the agent plays it on any board, real or simulated: the clock it is given,
 * and a restart that the process runner (cli/agent-loop.ts) carries out in-process, so that the
 * simulated world and the local API's port survive it.
 */
export class InProcessSystem implements StationSystem {
  private readonly restarts = new Subject<RestartReason>();
  readonly restartRequested$: Observable<RestartReason> = this.restarts.asObservable();

  constructor(readonly clock: Clock) {}

  restart(reason: RestartReason): void {
    this.restarts.next(reason);
  }
}
