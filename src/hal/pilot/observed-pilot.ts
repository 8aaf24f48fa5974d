import { BehaviorSubject, distinctUntilChanged, filter, type Observable } from 'rxjs';
import type { MeterFaultKind } from '../../station/meter-reading.js';
import type { PilotHealth, PilotReading, PilotStatus } from '../roles/control-pilot.js';

/**
 * What a pilot driver has observed of its board, kept the same way by every driver (Modbus
 * register board, OpenEVSE), which extends this: the status as it changes, the latest full read,
 * and the health, failed after failAfterPolls failed polls in a row (the status then F: IEC
 * 61851-1's "EVSE not available") and ok again at the next good one.
 */
export abstract class ObservedPilot {
  private readonly statusSubject = new BehaviorSubject<PilotStatus | undefined>(undefined);
  private readonly healthSubject = new BehaviorSubject<PilotHealth>({ state: 'unknown', consecutiveFailedPolls: 0, polls: 0, failedPolls: 0 });
  private latestReading: PilotReading | undefined;

  protected constructor(private readonly failAfterPolls: number) {}

  /** On every change; nothing until the board first answered. */
  get status$(): Observable<PilotStatus> {
    return this.statusSubject.pipe(
      filter((s): s is PilotStatus => s !== undefined),
      distinctUntilChanged(sameStatus),
    );
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
    return this.latestReading;
  }

  /** A status the board told between polls (a notification); ignored while the board counts as failed. */
  protected notified(status: PilotStatus): void {
    if (this.healthSubject.value.state !== 'failed') this.statusSubject.next(status);
  }

  /** A poll that read the board. */
  protected polledGood(reading: PilotReading, at: Date): void {
    const h = this.healthSubject.value;
    this.latestReading = reading;
    const status: PilotStatus = { vehicleState: reading.vehicleState, boardErrors: reading.boardErrors };
    if (reading.cableRatingA !== undefined) status.cableRatingA = reading.cableRatingA;
    // The state read first, then the health: one that follows the board sees the true state before
    // it is told the board is back, never the F it showed while the board was silent.
    this.statusSubject.next(status);
    this.healthSubject.next({ ...h, state: 'ok', consecutiveFailedPolls: 0, polls: h.polls + 1, lastGoodAt: at });
  }

  /** A poll that did not. */
  protected polledFailed(fault: { kind: MeterFaultKind; message: string }, at: Date): void {
    const h = this.healthSubject.value;
    const consecutive = h.consecutiveFailedPolls + 1;
    const failed = h.state === 'failed' || consecutive >= this.failAfterPolls;
    this.healthSubject.next({
      ...h,
      state: failed ? 'failed' : h.state,
      consecutiveFailedPolls: consecutive,
      polls: h.polls + 1,
      failedPolls: h.failedPolls + 1,
      lastFault: { ...fault, at },
    });
    if (failed) this.statusSubject.next({ vehicleState: 'F', boardErrors: [] });
  }

  protected completeObservations(): void {
    this.statusSubject.complete();
    this.healthSubject.complete();
  }
}

function sameStatus(a: PilotStatus, b: PilotStatus): boolean {
  return a.vehicleState === b.vehicleState && a.cableRatingA === b.cableRatingA && a.boardErrors.join() === b.boardErrors.join();
}
