import { applyRelays, openRelays, syncConnectors } from './evse-connectors.js';
import type { Draft } from './evse-draft.js';
import type { Cause } from './evse-state.js';
import { transactionStep } from './evse-transaction.js';

/**
 * Re-derives everything after a change: connector inputs and statuses first, then the
 * transaction, then the relays. Safety before bookkeeping: a relay that must open is asked to open
 * first; closing is asked for last, after the transaction's start (see commandPhase for the order
 * the runner keeps whatever the order here).
 */
export function evaluate(d: Draft, cause: Cause): void {
  if (d.s.closed) return;
  openRelays(d);
  syncConnectors(d);
  transactionStep(d, cause);
  applyRelays(d);
}
