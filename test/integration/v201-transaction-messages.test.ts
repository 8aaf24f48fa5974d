import assert from 'node:assert/strict';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { DevCsms } from '../../src/csms/dev-csms.js';
import {
  afterEachTest,
  answerAndEffect,
  assertContiguous,
  assertNoCallErrors,
  calls,
  CARD,
  ID,
  plugIn,
  startCharging,
  startRig,
  txEvents,
  unplug,
  until,
  waitForTx,
} from './v201-harness.js';

/**
 * What the TransactionEvents of a session say, as the CSMS receives them: the charging state at
 * every change, the Ended event included (E01.FR.18, E02.FR.13); and the answer to a CSMS command
 * before any message the command causes.
 */

/** The connector statuses the station reported, in order. */
const statusesOf = (csms: DevCsms): string[] => calls<{ connectorStatus: string }>(csms, 'StatusNotification').map((p) => p.connectorStatus);

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

  describe('answer first, then act: the CALLRESULT precedes every CALL the command causes', () => {
    it('RequestStartTransaction on a plugged connector: the answer, then TransactionEvent Started', async () => {
      const { csms, agent } = await startRig();
      await plugIn(agent);
      assert.equal((await csms.requestStartTransaction(ID, { evseId: 1, idToken: { idToken: 'REMOTE-1', type: 'Central' }, remoteStartId: 3 })).status, 'Accepted');
      await waitForTx(csms, (t) => t.eventType === 'Started');
      const { answer, effect } = answerAndEffect(csms, 'RequestStartTransaction', 'TransactionEvent');
      assert.ok(answer < effect, `CALLRESULT (#${answer}) before TransactionEvent (#${effect})`);
      assertNoCallErrors(csms);
    });

    it('RequestStopTransaction: the answer, then TransactionEvent Ended', async () => {
      const rig = await startRig();
      const txId = await startCharging(rig);
      assert.equal((await rig.csms.requestStopTransaction(ID, txId)).status, 'Accepted');
      await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      const { answer, effect } = answerAndEffect(rig.csms, 'RequestStopTransaction', 'TransactionEvent');
      assert.ok(answer < effect, `CALLRESULT (#${answer}) before TransactionEvent (#${effect})`);
      assertNoCallErrors(rig.csms);
    });

    it('Reset Immediate during a transaction: the answer, then TransactionEvent Ended', async () => {
      const rig = await startRig();
      await startCharging(rig);
      assert.equal((await rig.csms.resetStation(ID, { type: 'Immediate' })).response.status, 'Accepted');
      await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      const { answer, effect } = answerAndEffect(rig.csms, 'Reset', 'TransactionEvent');
      assert.ok(answer < effect, `CALLRESULT (#${answer}) before TransactionEvent (#${effect})`);
    });

    it('ChangeAvailability Inoperative: the answer, then StatusNotification Unavailable', async () => {
      const { csms } = await startRig();
      assert.equal((await csms.changeAvailability(ID, { evseId: 1, operative: false })).response.status, 'Accepted');
      await until(() => statusesOf(csms).includes('Unavailable'), 3000, 'StatusNotification Unavailable');
      const { answer, effect } = answerAndEffect(csms, 'ChangeAvailability', 'StatusNotification');
      assert.ok(answer < effect, `CALLRESULT (#${answer}) before StatusNotification (#${effect})`);
      assertNoCallErrors(csms);
    });
  });
});
