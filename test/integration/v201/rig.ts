import assert from 'node:assert/strict';
import type { StatusNotificationRequest } from 'ocpp-messages/v2.0/StatusNotificationRequest.js';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { CARD, ID, calls, plugIn, type Rig } from '../harness.js';

/**
 * What OCPP 2.0.1 sends, read from the CSMS' records (TransactionEvent with its seqNo,
 * StatusNotification), on top of the shared rig (../harness.ts), which this module re-exports so
 * that a 2.0.1 test imports from one place.
 */

export * from '../harness.js';

export function txEvents(csms: DevCsms, transactionId?: string, id = ID): TransactionEventRequest[] {
  return calls<TransactionEventRequest>(csms, 'TransactionEvent', id).filter((t) => transactionId === undefined || t.transactionInfo.transactionId === transactionId);
}

export function statuses(csms: DevCsms, id = ID): StatusNotificationRequest[] {
  return calls<StatusNotificationRequest>(csms, 'StatusNotification', id);
}

/** The first TransactionEvent from the station that matches, already recorded or still to come. */
export function waitForTx(
  csms: DevCsms,
  match: (t: TransactionEventRequest) => boolean,
  timeoutMs = 5000,
): Promise<TransactionEventRequest> {
  return csms.waitFor<TransactionEventRequest>(ID, 'TransactionEvent', match, timeoutMs).then((r) => r.payload);
}

/** The energy register value of a message's meter values, of the given context. */
export function energyRegister(t: TransactionEventRequest, context: string): number {
  const values = (t.meterValue ?? []).flatMap((mv) => mv.sampledValue).filter((s) => s.context === context && (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register');
  assert.equal(values.length, 1, `one ${context} energy register value in ${JSON.stringify(t.meterValue)}`);
  return values[0]!.value;
}

/** seqNo 0, 1, 2, ... in arrival order, and one transaction id. */
export function assertContiguous(events: readonly TransactionEventRequest[]): void {
  assert.ok(events.length > 0, 'some transaction events');
  assert.deepEqual(
    events.map((e) => e.seqNo),
    events.map((_, i) => i),
    'seqNo contiguous from 0',
  );
  assert.equal(new Set(events.map((e) => e.transactionInfo.transactionId)).size, 1, 'one transactionId');
  assert.equal(events[0]!.eventType, 'Started');
  assert.ok(events.slice(1, -1).every((e) => e.eventType === 'Updated'), 'Updated between Started and Ended');
}

/** Plug in, present CARD, wait for the Started message; returns the transaction id. */
export async function startCharging(rig: Rig, evseId = 1): Promise<string> {
  await plugIn(rig.agent, evseId);
  const result = await rig.agent.station.presentIdToken(evseId, CARD);
  assert.equal(result.outcome, 'authorized');
  const started = await waitForTx(rig.csms, (t) => t.eventType === 'Started' && t.evse?.id === evseId);
  return started.transactionInfo.transactionId;
}
