import assert from 'node:assert/strict';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, callRecords, calls, CARD, ID, sleep, until, withSecondEvse } from '../harness.js';
import { assertContiguous, txEvents, waitForTx } from '../v201/rig.js';

/**
 * Remote start and stop, both versions (1.6 5.11 RemoteStartTransaction, 5.12
 * RemoteStopTransaction, 9.1.3; 2.0.1 F01-F03): a remote start on a plugged EVSE and its remote
 * stop, authorizing the remote token first when configured, the EVSEs a remote start is refused
 * on, and the EVSE it goes to on a station with two. 2.0.1 adds remoteStartId and the RemoteStart / RemoteStop trigger reasons.
 * UnlockConnector and TriggerMessage differ by version: v16/remote.test.ts, v201/remote.test.ts.
 */

/** The tokens the CSMS asked about, in order. */
const authorized = (d: AnyDriver): string[] => calls<{ idTag?: string; idToken?: { idToken: string } }>(d.csms, 'Authorize').map((a) => a.idTag ?? a.idToken!.idToken);

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: remote start and stop`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    it('1.6 5.11 / 2.0.1 F01 a remote start on a plugged EVSE: Accepted, the transaction starts with that token and no Authorize (1.6 AuthorizeRemoteTxRequests false, F01.FR.02), RemoteStart with the remoteStartId (F01.FR.19, F02.FR.01); F01.FR.24 a second one Rejected; 1.6 5.12 / 2.0.1 F03 a remote stop of an unknown id Rejected, of the transaction Accepted: ended Remote (RemoteStop)', async () => {
      const d = await startStation(version);
      await d.plugIn();
      assert.equal(await d.remoteStart({ token: 'REMOTE-0001', evseId: 1, tokenType: 'Central', remoteStartId: 77 }), 'Accepted');
      const tx = await d.waitForStarted();
      assert.deepEqual([tx.token, tx.evseId, tx.connectorId], ['REMOTE-0001', 1, 1]);
      await d.waitForStatus('Occupied');
      if (d.version === '1.6') await d.waitForWireStatus('Charging');
      else {
        const started = await waitForTx(d.csms, (t) => t.eventType === 'Started');
        assert.equal(started.triggerReason, 'RemoteStart');
        assert.equal(started.transactionInfo.remoteStartId, 77);
        assert.deepEqual(started.idToken, { idToken: 'REMOTE-0001', type: 'Central' });
      }
      assert.equal(calls(d.csms, 'Authorize').length, 0);
      assert.equal(d.relayClosed(), true);
      assert.equal(await d.remoteStart({ token: 'REMOTE-0001', evseId: 1 }), 'Rejected', 'a transaction runs there');
      const unknown = { ...tx, csmsId: d.version === '1.6' ? Number(tx.csmsId) + 1000 : 'no-such-transaction' };
      assert.equal(await d.remoteStop(unknown), 'Rejected');
      assert.equal(d.relayClosed(), true, 'an unknown id stops nothing');
      assert.equal(await d.remoteStop(tx), 'Accepted');
      const ended = await d.waitForEnded();
      assert.equal(ended.csmsId, tx.csmsId);
      assert.equal(ended.reason, 'Remote');
      assert.equal(d.relayClosed(), false);
      if (d.version === '1.6') await d.waitForWireStatus('Finishing');
      else {
        assert.equal((await waitForTx(d.csms, (t) => t.eventType === 'Ended')).triggerReason, 'RemoteStop');
        const all = txEvents(d.csms, String(tx.csmsId));
        assertContiguous(all);
        assert.equal(all.filter((t) => t.transactionInfo.remoteStartId !== undefined).length, 1, 'remoteStartId once');
      }
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.11/9.1.3 AuthorizeRemoteTxRequests / 2.0.1 F01.FR.01 AuthorizeRemoteStart true: the token is authorized first; a Blocked one is Accepted but does not charge; an accepted one charges after its Authorize', async () => {
      const d = await startStation(version, { csms: { blockedIdTokens: ['BLOCKED-R'] } });
      await d.setAuthorizeRemoteStart(true);
      await d.plugIn();
      assert.equal(await d.remoteStart({ token: 'BLOCKED-R', evseId: 1, tokenType: 'Central' }), 'Accepted');
      await d.csms.waitFor<{ idTag?: string; idToken?: { idToken: string } }>(ID, 'Authorize', (p) => (p.idTag ?? p.idToken?.idToken) === 'BLOCKED-R', 2000);
      await sleep(300);
      assert.equal(d.started().length, 0);
      assert.equal(d.relayClosed(), false);
      assert.equal(d.agent.station.snapshot()[0]!.authorizedIdToken, undefined);
      assert.equal(await d.remoteStart({ token: 'REMOTE-0001', evseId: 1, tokenType: 'Central', remoteStartId: 8 }), 'Accepted');
      const tx = await d.waitForStarted();
      assert.equal(tx.token, 'REMOTE-0001');
      assert.deepEqual(authorized(d), ['BLOCKED-R', 'REMOTE-0001']);
      const authorize = callRecords(d.csms, 'Authorize')[1]!;
      const start = callRecords(d.csms, d.version === '1.6' ? 'StartTransaction' : 'TransactionEvent')[0]!;
      assert.ok(authorize.seq < start.seq, 'Authorize before the transaction starts');
      if (d.version === '2.0.1') {
        assert.deepEqual(
          calls<{ idToken: object }>(d.csms, 'Authorize').map((a) => a.idToken),
          [
            { idToken: 'BLOCKED-R', type: 'Central' },
            { idToken: 'REMOTE-0001', type: 'Central' },
          ],
        );
        const started = await waitForTx(d.csms, (t) => t.eventType === 'Started');
        assert.equal(started.triggerReason, 'RemoteStart');
        assert.equal(started.transactionInfo.remoteStartId, 8);
      }
      assert.equal(d.relayClosed(), true);
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.11 / 2.0.1 F01.FR.23 a remote start is Rejected on an unknown EVSE (1.6 also connector 0), an Inoperative one (nothing authorized), without an EVSE when none is available, on a faulted one and where a transaction runs (it is untouched); once the EVSE is free again, Accepted', async () => {
      const d = await startStation(version);
      if (d.version === '1.6') assert.deepEqual(await d.csms.remoteStartTransaction(ID, { connectorId: 0, idTag: 'R' }), { status: 'Rejected' });
      assert.equal(await d.remoteStart({ token: 'R', evseId: 9 }), 'Rejected');
      assert.equal(await d.changeAvailability({ evseId: 1, operative: false }), 'Accepted');
      assert.equal(await d.remoteStart({ token: 'R', evseId: 1 }), 'Rejected');
      assert.equal(d.agent.station.snapshot()[0]!.authorizedIdToken, undefined);
      assert.equal(await d.remoteStart({ token: 'R' }), 'Rejected', 'no EVSE available');
      assert.equal(await d.changeAvailability({ evseId: 1, operative: true }), 'Accepted');
      d.agent.hardware.simulation.setInput('rcd', true);
      await d.waitForStatus('Faulted');
      assert.equal(await d.remoteStart({ token: 'R', evseId: 1 }), 'Rejected');
      d.agent.hardware.simulation.setInput('rcd', false);
      await d.waitForStatus('Available');
      const tx = await d.startCharging();
      assert.equal(await d.remoteStart({ token: 'R', evseId: 1 }), 'Rejected');
      assert.equal(d.started().length, 1);
      assert.equal(d.started()[0]!.token, CARD.idToken, 'the running transaction is untouched');
      assert.equal(d.relayClosed(), true);
      await d.unplug();
      await d.waitForEnded((e) => e.csmsId === tx.csmsId);
      await d.waitForStatus('Available');
      assert.equal(await d.remoteStart({ token: 'R', evseId: 1 }), 'Accepted');
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.11 / 2.0.1 F01.FR.20 with two EVSEs: a remote start on EVSE 2 (1.6 connector 2) starts there, EVSE 1 stays Available; without an EVSE the one with a vehicle waiting is taken', async () => {
      const d = await startStation(version, { config: withSecondEvse });
      await d.plugIn(2);
      assert.equal(await d.remoteStart({ token: 'REMOTE-A', evseId: 2 }), 'Accepted');
      const first = await d.waitForStarted();
      assert.deepEqual([first.token, first.evseId, first.connectorId], ['REMOTE-A', 2, d.version === '1.6' ? 2 : 1]);
      await d.waitForStatus('Occupied', 2);
      if (d.version === '1.6') await d.waitForWireStatus('Charging', 2);
      assert.equal(d.lastStatus(1), 'Available');
      assert.equal(d.relayClosed(2), true);
      assert.equal(d.relayClosed(1), false);
      await d.plugIn(1);
      assert.equal(await d.remoteStart({ token: 'REMOTE-B' }), 'Accepted');
      await until(() => d.started().length === 2, 2000, 'the second start');
      const second = d.started()[1]!;
      assert.deepEqual([second.token, second.evseId, second.connectorId], ['REMOTE-B', 1, 1]);
      assertNoCallErrors(d.csms);
    });
  });
}
