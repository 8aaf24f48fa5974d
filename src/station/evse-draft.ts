import { deriveConnector, reduceConnector, type ConnectorEvent, type ConnectorInputs, type ConnectorView } from './connector-state.js';
import type { EvseCommand } from './evse-command.js';
import type { DecideEnv, EvseState } from './evse-state.js';
import type { StationEvent } from './events.js';
import { nextTripLatch, type TripEvent } from './trip-latch.js';

/**
 * One decision in the making: a private copy of the state that the pieces of decide() change in
 * place, and the commands they ask for. Only decide() makes one, so the state it was given stays
 * untouched and decide() stays a pure function.
 */
export interface Draft {
  readonly s: EvseState;
  readonly out: EvseCommand[];
  readonly now: Date;
  readonly env: DecideEnv;
  /** The connector inputs the observers were last told (PublishConnector). */
  readonly published: ConnectorInputs[];
}

export function dispatch(d: Draft, index: number, event: ConnectorEvent): void {
  d.s.connectors[index] = reduceConnector(d.s.connectors[index]!, event);
}

export function dispatchAll(d: Draft, event: ConnectorEvent): void {
  for (let i = 0; i < d.s.connectors.length; i++) dispatch(d, i, event);
}

export function viewOf(s: EvseState, index: number): ConnectorView {
  return deriveConnector(s.connectors[index]!);
}

export function emit(d: Draft, event: StationEvent): void {
  d.out.push({ type: 'Emit', event });
}

/** Tells the connectors' observers what changed since they were last told. */
export function publishChanged(d: Draft): void {
  for (const [i, inputs] of d.s.connectors.entries()) {
    if (d.published[i] === inputs) continue;
    d.published[i] = inputs;
    d.out.push({ type: 'PublishConnector', index: i, inputs });
  }
}

export const anyPlugged = (s: EvseState): boolean => s.connectors.some((c) => c.plugged);

export const connectorIndex = (s: EvseState, connectorId: number | undefined): number | undefined => {
  if (connectorId === undefined) return undefined;
  const i = s.config.connectorIds.indexOf(connectorId);
  return i >= 0 ? i : undefined;
};

/** The connector a session uses: the named one (undefined when no such connector), else the plugged one. */
export function sessionIndex(s: EvseState): number | undefined {
  const named = s.authorization?.connectorId ?? s.tx?.snapshot.connectorId;
  if (named !== undefined) return connectorIndex(s, named);
  const i = s.connectors.findIndex((c) => c.plugged);
  return i >= 0 ? i : undefined;
}

export function updateTripLatch(d: Draft, event: TripEvent): void {
  const before = d.s.tripLatch;
  d.s.tripLatch = nextTripLatch(before, event, d.env.safety.resumeAfterTrip);
  if (d.s.tripLatch.tripped !== before.tripped || d.s.tripLatch.cause !== before.cause) d.out.push({ type: 'SaveTripLatch', latch: d.s.tripLatch });
}

/** Optional fields left undefined are left out, as the events have always been (deepEqual in tests, JSON in journals). */
export function dropUndefined(o: object): void {
  const record = o as Record<string, unknown>;
  for (const k of Object.keys(record)) if (record[k] === undefined) delete record[k];
}
