import { applyRelays, openRelays, syncConnectors } from './evse-connectors.js';
import type { Draft } from './evse-draft.js';
import { applyLocks } from './evse-lock.js';
import { holdPilotRelease, offerCurrent } from './evse-pilot.js';
import type { Cause } from './evse-state.js';
import { transactionStep } from './evse-transaction.js';

/**
 * Re-derives everything after a change: connector inputs and statuses first, then the
 * transaction, then the locks, the relays and the pilot's offer. Safety before bookkeeping: a
 * relay that must open is asked to open first; closing is asked for last, after the transaction's
 * start (see commandPhase for the order the runner keeps whatever the order here). With a pilot,
 * a stop that is no fault holds the relay for a current reduction first (holdPilotRelease), before
 * and after the connectors' inputs are brought up to date.
 */
export function evaluate(d: Draft, cause: Cause): void {
  if (d.s.closed) return;
  let why = holdPilotRelease(d, cause);
  openRelays(d);
  syncConnectors(d);
  why = holdPilotRelease(d, why);
  transactionStep(d, why);
  applyLocks(d);
  applyRelays(d);
  offerCurrent(d);
}
