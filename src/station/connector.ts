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
 */
export class Connector {
  private readonly state: BehaviorSubject<ConnectorInputs>;
  readonly view$: Observable<ConnectorView>;
  readonly status$: Observable<ConnectorStatus>;
  readonly chargingState$: Observable<ChargingState>;
  readonly relayClosed$: Observable<boolean>;

  constructor(
    readonly evseId: number,
    readonly connectorId: number,
    initial: ConnectorInputs = initialConnectorInputs(0),
  ) {
    this.state = new BehaviorSubject(initial);
    this.view$ = this.state.pipe(map(deriveConnector));
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
    const next = reduceConnector(this.state.value, event);
    if (next !== this.state.value) this.state.next(next);
  }

  get inputs(): ConnectorInputs {
    return this.state.value;
  }

  get view(): ConnectorView {
    return deriveConnector(this.state.value);
  }

  complete(): void {
    this.state.complete();
  }
}
