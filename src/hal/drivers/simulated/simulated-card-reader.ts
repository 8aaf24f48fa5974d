import { BehaviorSubject, distinctUntilChanged, Subject, type Observable } from 'rxjs';
import type { IdTokenKind } from '../../../station/types.js';
import type { CardPresented, CardReader, CardReaderHealth } from '../../roles/card-reader.js';

/**
 * A card reader in the simulated world: a card is presented to it by a lever (the simulation API,
 * a test) instead of being held to an antenna. It can be unplugged and plugged back (setGone): its
 * health then turns failed and ok again, as a real driver reports a vanished reader and finds it
 * when it is back.
 *
 * Like the world's other parts it outlives the agent: close() ends the agent's session (its
 * subscribers see cards$ and health$ complete, as with a real reader) and the next agent's start()
 * opens a new one on the same reader, which still knows whether it is plugged in.
 */
export class SimulatedCardReader implements CardReader {
  private cards = new Subject<CardPresented>();
  private health = new BehaviorSubject<CardReaderHealth>({ state: 'unknown' });
  private started = false;
  private gone = false;

  constructor(readonly name: string) {}

  get cards$(): Observable<CardPresented> {
    return this.cards.asObservable();
  }

  get health$(): Observable<CardReaderHealth> {
    return this.health.pipe(distinctUntilChanged((a, b) => a.state === b.state && a.lastError === b.lastError));
  }

  /** Whether an agent is reading it now. */
  get isStarted(): boolean {
    return this.started;
  }

  /** Whether it is unplugged (or otherwise cannot be read). */
  get isGone(): boolean {
    return this.gone;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.reportHealth();
  }

  /** Ends this agent's session; the reader itself stays, for the next start(). */
  close(): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.started = false;
    this.cards.complete();
    this.health.complete();
    this.cards = new Subject<CardPresented>();
    this.health = new BehaviorSubject<CardReaderHealth>({ state: 'unknown' });
    return Promise.resolve();
  }

  /**
   * A card held to the reader: reported when an agent reads it and it is plugged in. Returns
   * whether it was read (false: the card went unnoticed, as at a dead reader).
   */
  present(idToken: string, type: IdTokenKind = 'ISO14443'): boolean {
    if (!this.started || this.gone) return false;
    this.cards.next({ idToken, type });
    return true;
  }

  /** Unplugs the reader (true) or plugs it back (false). */
  setGone(gone: boolean): void {
    this.gone = gone;
    if (this.started) this.reportHealth();
  }

  private reportHealth(): void {
    this.health.next(this.gone ? { state: 'failed', lastError: 'the reader is gone (unplugged)' } : { state: 'ok' });
  }
}
