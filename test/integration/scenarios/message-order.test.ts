import assert from 'node:assert/strict';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, answerAndEffect, assertNoCallErrors, ID, restartWithin } from '../harness.js';

/**
 * Answer first, then act, both versions: the station's CALLRESULT to a CSMS command precedes every
 * CALL the command causes (a remote start and stop, a reset during a transaction, an EVSE made
 * Inoperative). Other orderings of each version: v16/message-order.test.ts (4.9 Finishing until
 * the StopTransaction is answered, UnlockConnector) and v201/transaction-messages.test.ts.
 */

/** The messages a transaction's start and end are, by version. */
const startMessage = (d: AnyDriver): string => (d.version === '1.6' ? 'StartTransaction' : 'TransactionEvent');
const endMessage = (d: AnyDriver): string => (d.version === '1.6' ? 'StopTransaction' : 'TransactionEvent');

/** Asserts the station answered `command` before the first `caused` CALL that followed it. */
function assertAnsweredFirst(d: AnyDriver, command: string, caused: string): void {
  const { answer, effect } = answerAndEffect(d.csms, command, caused);
  assert.ok(answer < effect, `CALLRESULT to ${command} (#${answer}) before ${caused} (#${effect})`);
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: answer first, then act (the CALLRESULT precedes every CALL the command causes)`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    it('a remote start with the vehicle plugged in (1.6 RemoteStartTransaction, 2.0.1 RequestStartTransaction): the answer, then the transaction start (1.6 StatusNotification Charging and StartTransaction)', async () => {
      const d = await startStation(version);
      await d.plugIn();
      await d.waitForStatus('Occupied');
      assert.equal(await d.remoteStart({ token: 'REMOTE-1', evseId: 1, tokenType: 'Central', remoteStartId: 3 }), 'Accepted');
      await d.waitForStarted();
      const command = d.version === '1.6' ? 'RemoteStartTransaction' : 'RequestStartTransaction';
      if (d.version === '1.6') {
        await d.waitForWireStatus('Charging');
        assertAnsweredFirst(d, command, 'StatusNotification');
      }
      assertAnsweredFirst(d, command, startMessage(d));
      assertNoCallErrors(d.csms);
    });

    it('a remote stop (1.6 RemoteStopTransaction, 2.0.1 RequestStopTransaction): the answer, then the transaction end (1.6 and StatusNotification Finishing)', async () => {
      const d = await startStation(version);
      const tx = await d.startCharging();
      if (d.version === '1.6') await d.waitForWireStatus('Charging'); // nothing of the start still on its way
      assert.equal(await d.remoteStop(tx), 'Accepted');
      await d.waitForEnded();
      const command = d.version === '1.6' ? 'RemoteStopTransaction' : 'RequestStopTransaction';
      if (d.version === '1.6') {
        await d.waitForWireStatus('Finishing');
        assertAnsweredFirst(d, command, 'StatusNotification');
      }
      assertAnsweredFirst(d, command, endMessage(d));
      assertNoCallErrors(d.csms);
    });

    it('a Reset during a transaction (1.6 Soft, 2.0.1 Immediate): the answer, then the transaction end', async () => {
      const d = await startStation(version);
      await d.startCharging();
      if (d.version === '1.6') await d.waitForWireStatus('Charging');
      assert.deepEqual((await d.csms.resetStation(ID, { type: d.version === '1.6' ? 'Soft' : 'Immediate' })).response, { status: 'Accepted' });
      assert.equal(await restartWithin(d.agent, 3000), 'RemoteReset');
      await d.waitForEnded();
      assertAnsweredFirst(d, 'Reset', endMessage(d));
    });

    it('ChangeAvailability Inoperative: the answer, then StatusNotification Unavailable', async () => {
      const d = await startStation(version);
      assert.equal(await d.changeAvailability({ evseId: 1, operative: false }), 'Accepted');
      await d.waitForStatus('Unavailable');
      assertAnsweredFirst(d, 'ChangeAvailability', 'StatusNotification');
      assertNoCallErrors(d.csms);
    });
  });
}
