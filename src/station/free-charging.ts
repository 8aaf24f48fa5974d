import type { Observable } from 'rxjs';
import type { StationEvent } from './events.js';
import type { Authorization, Evse } from './evse.js';
import type { IdToken } from './types.js';

/**
 * Free charging: a plugged vehicle is authorized at once under the configured token, once per
 * plug-in. A session someone stopped (a remote or local stop, a limit) does not start again by
 * itself while the vehicle stays: it takes an unplug and a new plug-in.
 */
export function followFreeCharging(
  evse: Evse,
  station: {
    idToken: IdToken;
    /** Whether the station lets a new session start on this EVSE now (no reset or firmware install pending, no reservation against it). */
    mayStart(): boolean;
    /** Authorizes at the EVSE as the station does (its reservations); false when the EVSE refused. */
    authorize(auth: Authorization): boolean;
    events$: Observable<StationEvent>;
  },
): void {
  /** The plug-in (Evse.plugIns) that free charging authorized last; none yet. */
  let authorizedPlugIn: number | undefined;
  const authorizeIfPlugged = (): void => {
    const plugged = evse.connectors.some((c) => c.inputs.plugged);
    if (plugged && authorizedPlugIn !== evse.plugIns && !evse.authorizedBy && !evse.busy && evse.isOperative && station.mayStart()) {
      if (station.authorize({ idToken: station.idToken, source: 'free' })) authorizedPlugIn = evse.plugIns;
    }
  };
  for (const c of evse.connectors) c.status$.subscribe(authorizeIfPlugged);
  // A vehicle plugged in while the previous transaction was still ending (its last reading being
  // taken) found the EVSE busy: it is authorized once that transaction has ended.
  station.events$.subscribe((e) => {
    // After the event has reached every subscriber: the new session's events come after it.
    if (e.type === 'TransactionEnded' && e.evseId === evse.id) queueMicrotask(authorizeIfPlugged);
  });
}
