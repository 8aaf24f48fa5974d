import { filter, firstValueFrom, throwError, timeout, type Observable } from 'rxjs';
import type { MessageRecord, StationRecord } from './station-record.js';

/** Waiting for the CALLs stations send: what matches, and why a wait gave up. */

/** Which recorded CALLs waitFor takes; the payload is as received, typed as the test expects. */
export type MessagePredicate<P> = (payload: P, record: MessageRecord<P>) => boolean;

export const DEFAULT_WAIT_MS = 5000;

/** Whether a record is a CALL of `action` from `identity` that the predicate takes. */
export function callMatcher<P>(identity: string, action: string, predicate: MessagePredicate<P> | undefined): (m: MessageRecord) => m is MessageRecord<P> {
  return (m): m is MessageRecord<P> => {
    if (m.identity !== identity || m.direction !== 'fromStation' || m.kind !== 'call' || m.action !== action) return false;
    if (!predicate) return true;
    try {
      return predicate(m.payload as P, m as MessageRecord<P>);
    } catch {
      return false;
    }
  };
}

/** The next CALL that matches, of those to come; rejects after timeoutMs saying what `identity` did send. */
export function nextMessage<P>(
  messages$: Observable<MessageRecord>,
  stations: ReadonlyMap<string, StationRecord>,
  identity: string,
  action: string,
  matches: (m: MessageRecord) => m is MessageRecord<P>,
  timeoutMs: number,
): Promise<MessageRecord<P>> {
  return firstValueFrom(
    messages$.pipe(
      filter(matches),
      timeout({ first: timeoutMs, with: () => throwError(() => new Error(noMessage(stations.get(identity), identity, action, timeoutMs))) }),
    ),
  );
}

/** Why waitFor gave up, with what the station did send. */
function noMessage(station: StationRecord | undefined, identity: string, action: string, timeoutMs: number): string {
  if (!station) return `${identity} never connected (waited ${timeoutMs} ms for ${action})`;
  const recent = station.messages
    .filter((m) => m.direction === 'fromStation' && m.kind === 'call')
    .slice(-8)
    .map((m) => m.action ?? '?');
  return `${identity} sent no matching ${action} within ${timeoutMs} ms${station.connected ? '' : ' (not connected)'}; its last messages: ${recent.join(', ') || 'none'}`;
}
