import assert from 'node:assert/strict';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  CARD,
  ID,
  startCharging,
  startRig,
  txEvents,
  unplug,
  waitForTx,
} from './v201-harness.js';

/**
 * What the TransactionEvents of a session say, as the CSMS receives them: the charging state at
 * every change, the Ended event included (E01.FR.18, E02.FR.13).
 */

/** The chargingState of each event that carries one, in order. */
const chargingStates = (events: readonly TransactionEventRequest[]): string[] => events.flatMap((t) => (t.transactionInfo.chargingState ? [t.transactionInfo.chargingState] : []));

describe('OCPP 2.0.1 integration: transaction messages', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  describe('E02.FR.13 chargingState on every change, Ended included', () => {
    it('Idle in Ended after the vehicle was unplugged', async () => {
      const rig = await startRig();
      const txId = await startCharging(rig);
      await unplug(rig.agent);
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      assert.equal(ended.transactionInfo.stoppedReason, 'EVDisconnected');
      assert.equal(ended.transactionInfo.chargingState, 'Idle');
      const all = txEvents(rig.csms, txId);
      assertContiguous(all);
      assert.deepEqual(chargingStates(all), ['Charging', 'Idle']);
      assertNoCallErrors(rig.csms);
    });

    it('EVConnected in Ended after RequestStopTransaction with the cable still in', async () => {
      const rig = await startRig();
      const txId = await startCharging(rig);
      assert.equal((await rig.csms.requestStopTransaction(ID, txId)).status, 'Accepted');
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      assert.equal(ended.transactionInfo.stoppedReason, 'Remote');
      assert.equal(ended.transactionInfo.chargingState, 'EVConnected');
      assert.deepEqual(chargingStates(txEvents(rig.csms, txId)), ['Charging', 'EVConnected']);
      assertNoCallErrors(rig.csms);
    });

    it('EVConnected in Ended after the card stopped it locally with the cable still in', async () => {
      const rig = await startRig();
      await startCharging(rig);
      assert.equal((await rig.agent.station.presentIdToken(1, CARD)).outcome, 'stopped');
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      assert.equal(ended.triggerReason, 'StopAuthorized');
      assert.equal(ended.transactionInfo.chargingState, 'EVConnected');
      assertNoCallErrors(rig.csms);
    });

    it('EVConnected in Ended after a Reset Immediate with the cable still in', async () => {
      const rig = await startRig();
      await startCharging(rig);
      assert.equal((await rig.csms.resetStation(ID, { type: 'Immediate' })).response.status, 'Accepted');
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      assert.equal(ended.transactionInfo.stoppedReason, 'ImmediateReset');
      assert.equal(ended.transactionInfo.chargingState, 'EVConnected');
    });
  });
});
