import { BehaviorSubject, distinctUntilChanged, map, type Observable } from 'rxjs';
import {
  deriveConnector,
  initialConnectorInputs,
  reduceConnector,
  type ConnectorEvent,
  type ConnectorInputs,
  type ConnectorView,
} from './connector-state.js';
import type { ChargingState, ConnectorStatus } from './types.js';

/**
 * One connector's state machine as observables: dispatch events, watch the status, the charging
 * state and the relay decision. The logic is the pure reducer; this only holds and publishes it.
 *
 * The state changes at once (`inputs` and `view` are always the latest); it is published in order.
 * A subscriber may dispatch while a state is being delivered (free charging authorizes on the
 * status a plug causes): the newer state then waits until every subscriber has the one before it,
 * so that no subscriber gets the newer state first and the stale one last (and stays on it).
 */
export class Connector {
  private current: ConnectorInputs;
  private readonly published: BehaviorSubject<ConnectorInputs>;
  /** States dispatched while another was being delivered, oldest first. */
  private readonly waiting: ConnectorInputs[] = [];
  private delivering = false;
  private completed = false;
  readonly view$: Observable<ConnectorView>;
  readonly status$: Observable<ConnectorStatus>;
  readonly chargingState$: Observable<ChargingState>;
  readonly relayClosed$: Observable<boolean>;

  constructor(
    readonly evseId: number,
    readonly connectorId: number,
    initial: ConnectorInputs = initialConnectorInputs(0),
  ) {
    this.current = initial;
    this.published = new BehaviorSubject(initial);
    this.view$ = this.published.pipe(map(deriveConnector));
    this.status$ = this.view$.pipe(
      map((v) => v.status),
      distinctUntilChanged(),
    );
    this.chargingState$ = this.view$.pipe(
      map((v) => v.chargingState),
      distinctUntilChanged(),
    );
    this.relayClosed$ = this.view$.pipe(
      map((v) => v.relayClosed),
      distinctUntilChanged(),
    );
  }

  dispatch(event: ConnectorEvent): void {
    this.publish(reduceConnector(this.current, event));
  }

  /** Takes inputs decided elsewhere (the EVSE's decide()) and publishes them. */
  publish(next: ConnectorInputs): void {
    if (next === this.current || this.completed) return;
    this.current = next;
    this.waiting.push(next);
    // Re-entered from a subscriber: the delivery under way passes this state on after its own.
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let s = this.waiting.shift(); s; s = this.waiting.shift()) this.published.next(s);
    } finally {
      this.delivering = false;
    }
  }

  get inputs(): ConnectorInputs {
    return this.current;
  }

  get view(): ConnectorView {
    return deriveConnector(this.current);
  }

  complete(): void {
    this.completed = true;
    this.waiting.length = 0;
    this.published.complete();
  }
}
