import assert from 'node:assert/strict';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, calls, CARD, sleep, until } from '../harness.js';
import { assertContiguous, statuses, txEvents, waitForTx } from '../v201/rig.js';

/**
 * Transactions, both versions: what the CSMS sees when the vehicle leaves during charging, when
 * it rejects a card, when it rejects a transaction's start, when the emergency stop ends one, and
 * the statuses of a session the card starts and stops, or a card of the same group stops.
 * The message-level details each version adds (1.6 4.9 Finishing, 2.0.1 triggerReason and seqNo)
 * are checked beside the shared expectations. Version-only transaction behaviour: 1.6 in
 * v16/transactions.test.ts, 2.0.1 in v201/transactions.test.ts.
 */

/** The token types the core keeps; 1.6 idTags have none. */
const authorizePayload = (d: AnyDriver, token: string, type: 'ISO14443' | 'KeyCode'): object => (d.version === '1.6' ? { idTag: token } : { idToken: { idToken: token, type } });

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: transactions`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    it('1.6 7.36 / 2.0.1 E06.FR.02 unplugging during charging ends the transaction with EVDisconnected and no token (1.6 StopTransactionOnEVSideDisconnect); 1.6 4.9 Charging -> Finishing -> Available once stopped', async () => {
      const d = await startStation(version);
      const tx = await d.startCharging();
      assert.equal(tx.evseId, 1);
      assert.equal(tx.connectorId, 1);
      await d.unplug();
      const ended = await d.waitForEnded();
      assert.equal(ended.csmsId, tx.csmsId);
      assert.equal(ended.reason, 'EVDisconnected');
      assert.equal(ended.token, undefined);
      await d.waitForStatus('Available');
      await sleep(100);
      assert.deepEqual(d.statusSequence(), ['Available', 'Occupied', 'Available']);
      // 4.9: Finishing after an EV-side disconnect, Available once the transaction is stopped.
      if (d.version === '1.6') assert.deepEqual(d.wireStatuses(), ['Available', 'Preparing', 'Charging', 'Finishing', 'Available']);
      else {
        assert.equal((await waitForTx(d.csms, (t) => t.eventType === 'Ended')).triggerReason, 'EVCommunicationLost');
        assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      }
      assert.equal(d.relayClosed(), false);
      assertNoCallErrors(d.csms);
    });

    for (const status of ['Invalid', 'Blocked'] as const) {
      it(`1.6 4.1 / 2.0.1 C01 a card the CSMS answers ${status} does not charge: no transaction, relay open, the connector stays occupied (1.6 Preparing)`, async () => {
        const token = `${status.toUpperCase()}-1`;
        const d = await startStation(version, { csms: status === 'Invalid' ? { invalidIdTokens: [token] } : { blockedIdTokens: [token] } });
        await d.plugIn();
        // A KeyCode token, to see its type go to a 2.0.1 CSMS as it is (1.6 has no types).
        const result = await d.present(token, 1, 'KeyCode');
        assert.deepEqual(result, { outcome: 'rejected', status });
        assert.deepEqual(calls(d.csms, 'Authorize'), [authorizePayload(d, token, 'KeyCode')]);
        await sleep(300);
        assert.equal(d.started().length, 0);
        assert.equal(calls(d.csms, d.version === '1.6' ? 'StartTransaction' : 'TransactionEvent').length, 0);
        assert.equal(d.relayClosed(), false);
        assert.equal(d.agent.station.snapshot()[0]!.authorizedIdToken, undefined);
        assert.equal(d.lastStatus(), 'Occupied');
        if (d.version === '1.6') assert.equal(d.wireStatuses().at(-1), 'Preparing');
        assertNoCallErrors(d.csms);
      });
    }

    it('1.6 9.1.32 / 2.0.1 E05.FR.10 + E06.FR.04 the CSMS answers the transaction start Invalid with StopTransactionOnInvalidId (StopTxOnInvalidId) true: ended at once with DeAuthorized, relay open', async () => {
      const d = await startStation(version);
      d.answerTransactionStartWith('Invalid');
      if (d.version === '1.6') assert.equal(d.agent.configuration.getBool('StopTransactionOnInvalidId'), true);
      const tx = await d.startCharging();
      if (d.version === '1.6') assert.equal(tx.csmsId, 77);
      const ended = await d.waitForEnded();
      assert.equal(ended.csmsId, tx.csmsId);
      assert.equal(ended.reason, 'DeAuthorized');
      await until(() => !d.relayClosed(), 2000, 'the relay to open');
      assert.equal(d.agent.station.transactions().length, 0);
      if (d.version === '1.6') {
        await d.waitForWireStatus('Finishing');
      } else {
        assert.equal((await waitForTx(d.csms, (t) => t.eventType === 'Ended')).triggerReason, 'Deauthorized');
        assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      }
      assertNoCallErrors(d.csms);
    });

    it('1.6 7.36 / 2.0.1 E06.FR.16 an emergency stop ends the transaction (EmergencyStop; 2.0.1 AbnormalCondition) and faults the connector; 1.6 4.9 / 2.0.1 G01 Faulted and back reported; energy does not resume by itself', async () => {
      const d = await startStation(version);
      const tx = await d.startCharging();
      d.agent.hardware.simulation.setInput('emergencyStop', true);
      const ended = await d.waitForEnded();
      assert.equal(ended.csmsId, tx.csmsId);
      assert.equal(ended.reason, 'EmergencyStop');
      if (d.version === '2.0.1') assert.equal((await waitForTx(d.csms, (t) => t.eventType === 'Ended')).triggerReason, 'AbnormalCondition');
      assert.equal(d.relayClosed(), false);
      await d.waitForStatus('Faulted', 1, 3000);
      d.agent.hardware.simulation.setInput('emergencyStop', false);
      await d.waitForStatus('Occupied', 1, 3000);
      assert.deepEqual(d.statusSequence(), ['Available', 'Occupied', 'Faulted', 'Occupied']);
      if (d.version === '2.0.1') {
        assert.deepEqual(
          statuses(d.csms).map((s) => s.connectorStatus),
          ['Available', 'Occupied', 'Faulted', 'Occupied'],
          'each change once',
        );
        assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      }
      await sleep(200);
      assert.equal(d.relayClosed(), false, 'energy does not resume by itself');
      assert.equal(d.agent.station.transactions().length, 0);
      assertNoCallErrors(d.csms);
    });

    it('1.6 4.9 / 2.0.1 E07 a session\'s statuses: the card starts it, the same card stops it (Local, with the token, 2.0.1 StopAuthorized); occupied while the vehicle is in (1.6 Preparing -> Charging -> Finishing, all NoError, connector 0 stays Available), Available once unplugged, nothing more', async () => {
      const d = await startStation(version);
      const tx = await d.startCharging();
      if (d.version === '1.6') await d.waitForWireStatus('Charging');
      assert.equal(d.relayClosed(), true);
      assert.equal((await d.present(CARD.idToken)).outcome, 'stopped');
      const ended = await d.waitForEnded();
      assert.deepEqual([ended.csmsId, ended.reason, ended.token], [tx.csmsId, 'Local', CARD.idToken]);
      if (d.version === '1.6') await d.waitForWireStatus('Finishing');
      else assert.equal((await waitForTx(d.csms, (t) => t.eventType === 'Ended')).triggerReason, 'StopAuthorized');
      assert.equal(d.relayClosed(), false);
      assert.equal(d.lastStatus(), 'Occupied');
      await d.unplug();
      await d.waitForStatus('Available');
      await sleep(100);
      assert.deepEqual(d.statusSequence(), ['Available', 'Occupied', 'Available']);
      if (d.version === '1.6') {
        assert.deepEqual(d.wireStatuses(), ['Available', 'Preparing', 'Charging', 'Finishing', 'Available']);
        assert.ok(calls<{ errorCode: string }>(d.csms, 'StatusNotification').every((s) => s.errorCode === 'NoError'));
        assert.equal(d.chargePointStatus(), 'Available');
        assert.equal(calls(d.csms, 'StatusNotification').filter((s) => (s as { connectorId: number }).connectorId === 0).length, 1);
      } else {
        assert.deepEqual(d.wireStatuses(), ['Available', 'Occupied', 'Available'], 'each change once');
        assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      }
      assert.equal(d.started().length, 1, 'no new transaction');
      assertNoCallErrors(d.csms);
    });

    it('1.6 4.10 / 2.0.1 C09.FR.03 a token of the same group (1.6 parentIdTag, 2.0.1 groupIdToken) stops the transaction: ended Local with the token that stopped it (1.6 6.49)', async () => {
      const d = await startStation(version);
      d.answerAuthorizeWithGroup(['DRIVER-A', 'DRIVER-B'], 'FLEET-1');
      const tx = await d.startCharging({ token: 'DRIVER-A' });
      assert.equal((await d.present('DRIVER-B')).outcome, 'stopped');
      assert.deepEqual(
        calls<{ idTag?: string; idToken?: { idToken: string } }>(d.csms, 'Authorize').map((a) => a.idTag ?? a.idToken?.idToken),
        ['DRIVER-A', 'DRIVER-B'],
      );
      const ended = await d.waitForEnded();
      assert.equal(ended.csmsId, tx.csmsId);
      assert.equal(ended.reason, 'Local');
      assert.equal(ended.token, 'DRIVER-B', 'the identifier which requested to stop the charging');
      assertNoCallErrors(d.csms);
    });

    it('1.6 9.1.32/9.1.15 / 2.0.1 E05.FR.02/03 the start answered Invalid with StopTransactionOnInvalidId (StopTxOnInvalidId) false: energy flows until MaxEnergyOnInvalidId, then stops (SuspendedEVSE; 2.0.1 Updated, ChargingStateChanged); the transaction goes on until the vehicle leaves (EVDisconnected); the next session charges', async () => {
      const d = await startStation(version);
      d.answerTransactionStartWith('Invalid', 'STALE-1');
      await d.setStopOnInvalidId(false);
      await d.setMaxEnergyOnInvalidId(2);
      const tx = await d.startCharging({ token: 'STALE-1' });
      await sleep(150);
      assert.equal(d.relayClosed(), true, 'energy still flows under MaxEnergyOnInvalidId');
      if (d.version === '1.6') await d.waitForWireStatus('SuspendedEVSE', 1, 3000);
      else {
        const suspended = await waitForTx(d.csms, (t) => t.transactionInfo.chargingState === 'SuspendedEVSE', 3000);
        assert.equal(suspended.eventType, 'Updated');
        assert.equal(suspended.triggerReason, 'ChargingStateChanged');
      }
      assert.equal(d.relayClosed(), false);
      const energy = d.agent.station.transactions()[0]!.energyWh;
      assert.ok(energy >= 2 && energy < 4, `${energy} Wh delivered`);
      assert.equal(d.agent.station.transactions().length, 1, 'the transaction goes on');
      assert.equal(d.ended().length, 0);
      await d.unplug();
      const ended = await d.waitForEnded();
      assert.deepEqual([ended.csmsId, ended.reason], [tx.csmsId, 'EVDisconnected']);
      if (d.version === '2.0.1') assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      // The next driver charges.
      const next = await d.startCharging();
      assert.equal(next.token, CARD.idToken);
      await sleep(300);
      assert.equal(d.relayClosed(), true);
      assertNoCallErrors(d.csms);
    });
  });
}
