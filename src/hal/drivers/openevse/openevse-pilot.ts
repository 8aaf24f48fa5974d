import { BehaviorSubject, type Observable } from 'rxjs';
import type { Clock } from '../../../station/clock.js';
import type { ControlPilot, PilotHealth, PilotReading, PilotStatus } from '../../roles/control-pilot.js';
import type { OpenSerialLink } from '../pn532/pn532-reader.js';

/** An OpenEVSE board on a serial line, spoken to in its RAPI text protocol (work in progress). */

export interface OpenEvsePilotOptions {
  name?: string;
  path: string;
  /** RAPI's serial speed on the OpenEVSE controller (115200 baud). */
  baudRate?: number;
  clock: Clock;
  /** Failed polls in a row after which the board is reported failed. */
  failAfterPolls: number;
  openLink?: OpenSerialLink;
}

export class OpenEvsePilot implements ControlPilot {
  readonly name: string;
  private readonly statusSubject = new BehaviorSubject<PilotStatus | undefined>(undefined);
  private readonly healthSubject = new BehaviorSubject<PilotHealth>({ state: 'unknown', consecutiveFailedPolls: 0, polls: 0, failedPolls: 0 });

  constructor(private readonly options: OpenEvsePilotOptions) {
    this.name = options.name ?? `openevse on ${options.path}`;
  }

  get status$(): Observable<PilotStatus> {
    throw new Error('not yet');
  }
  get status(): PilotStatus | undefined {
    return this.statusSubject.value;
  }
  get health$(): Observable<PilotHealth> {
    return this.healthSubject.asObservable();
  }
  get health(): PilotHealth {
    return this.healthSubject.value;
  }
  get latest(): PilotReading | undefined {
    return undefined;
  }
  get offeredCurrentA(): number {
    return 0;
  }
  setOfferedCurrent(amps: number): void {
    throw new Error(`not yet (${amps} A)`);
  }
  poll(): Promise<PilotReading | undefined> {
    return Promise.reject(new Error(`not yet (${this.options.path})`));
  }
  start(pollIntervalMs: number): void {
    throw new Error(`not yet (every ${pollIntervalMs} ms)`);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
