import assert from 'node:assert/strict';
import { startStation, VERSIONS } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, callRecords, calls, CARD, ID, sleep, until, withSecondEvse } from '../harness.js';
import { assertContiguous, txEvents } from '../v201/rig.js';

/**
 * Availability, both versions (1.6 5.2 ChangeAvailability, 4.9; 2.0.1 G03 of an EVSE, G04 of
 * the station, G01): an EVSE Inoperative when idle and during a transaction (Scheduled), what a
 * vehicle and a card meet meanwhile, Operative again, the whole station (1.6 connector 0), and the
 * setting kept across a restart. The rest: v16/availability.test.ts (connector 0 during a
 * transaction), v201/availability.test.ts (G01 with two connectors, J01).
 */

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: availability`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    it('1.6 5.2 / 2.0.1 G03 ChangeAvailability of an idle EVSE: an unknown one Rejected; Inoperative Accepted, Unavailable reported (G03.FR.04), the same again Accepted (G03.FR.03); a vehicle leaves it Unavailable and a card does not get as far as the CSMS; Operative restores the original status (G03.FR.07, 1.6 Preparing); G03.FR.08 kept across a restart', async () => {
      const d = await startStation(version);
      assert.equal(await d.changeAvailability({ evseId: 3, operative: false }), 'Rejected', 'no EVSE 3');
      assert.equal(await d.changeAvailability({ evseId: 1, operative: false }), 'Accepted');
      await d.waitForStatus('Unavailable');
      assert.equal(await d.changeAvailability({ evseId: 1, operative: false }), 'Accepted');
      if (d.version === '2.0.1') {
        const state = await d.csms.getVariables(ID, [{ component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' } }]);
        assert.equal(state.getVariableResult[0]!.attributeValue, 'Unavailable');
      }
      await d.plugIn();
      assert.deepEqual(await d.present(CARD.idToken), { outcome: 'rejected', status: 'Unavailable' });
      assert.equal(calls(d.csms, 'Authorize').length, 0);
      assert.equal(d.relayClosed(), false);
      assert.equal(d.lastStatus(), 'Unavailable', 'a vehicle plugged into an unavailable EVSE leaves it Unavailable');
      if (d.version === '1.6') assert.equal(d.chargePointStatus(), 'Available', 'the station itself stays available');
      assert.equal(await d.changeAvailability({ evseId: 1, operative: true }), 'Accepted');
      await d.waitForStatus('Occupied');
      if (d.version === '1.6') assert.equal(d.wireStatuses().at(-1), 'Preparing');
      assert.deepEqual(d.statusSequence(), ['Available', 'Unavailable', 'Occupied']);
      if (d.version === '2.0.1') assert.deepEqual(d.wireStatuses(), ['Available', 'Unavailable', 'Occupied'], 'each change once');
      assert.equal((await d.present(CARD.idToken)).outcome, 'authorized');
      // Inoperative again, then a restart: the new agent comes up Unavailable.
      await d.unplug();
      assert.equal(await d.changeAvailability({ evseId: 1, operative: false }), 'Accepted');
      await d.waitForStatus('Unavailable');
      await d.stop();
      await d.startAgain();
      const boot2 = callRecords(d.csms, 'BootNotification')[1]!;
      const statusesAfter = () => callRecords<{ connectorStatus?: string; status?: string; connectorId: number }>(d.csms, 'StatusNotification').filter((m) => m.seq > boot2.seq);
      // Every connector's status after the new boot (1.6: connector 0 too), not the old ones.
      await until(() => statusesAfter().length >= (d.version === '1.6' ? 2 : 1), 5000, 'the statuses of the new boot');
      await sleep(100);
      const after = statusesAfter();
      if (d.version === '1.6') {
        assert.deepEqual(after.map((m) => [m.payload.connectorId, m.payload.status]).sort(), [
          [0, 'Available'],
          [1, 'Unavailable'],
        ]);
      } else assert.deepEqual(after.map((m) => m.payload.connectorStatus), ['Unavailable']);
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.2 / 2.0.1 G03.FR.05 Inoperative during a transaction: Scheduled, charging goes on; applied once it ends (G01.FR.05, 1.6 4.9 C8 Charging -> Unavailable), nothing in between', async () => {
      const d = await startStation(version);
      const tx = await d.startCharging();
      assert.equal(await d.changeAvailability({ evseId: 1, operative: false }), 'Scheduled');
      await sleep(300);
      assert.equal(d.relayClosed(), true, 'the transaction goes on');
      assert.deepEqual(d.statusSequence(), ['Available', 'Occupied']);
      if (d.version === '1.6') assert.equal(d.wireStatuses().at(-1), 'Charging');
      await d.unplug();
      assert.equal((await d.waitForEnded()).reason, 'EVDisconnected');
      await d.waitForStatus('Unavailable');
      await sleep(200);
      assert.deepEqual(d.statusSequence(), ['Available', 'Occupied', 'Unavailable']);
      if (d.version === '2.0.1') assert.deepEqual(d.wireStatuses(), ['Available', 'Occupied', 'Unavailable'], 'each change once');
      // 4.9 C8: Charging -> Unavailable; never Available (nor Preparing) in between.
      if (d.version === '1.6') assert.deepEqual(d.wireStatuses(), ['Available', 'Preparing', 'Charging', 'Unavailable']);
      else assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.2 connector 0 / 2.0.1 G04 the whole station: Inoperative makes every EVSE Unavailable (G04.FR.07; 1.6 connector 0 too), Operative restores the statuses they had (G04.FR.08), a StatusNotification for each change (G01); an unknown EVSE Rejected; kept across a restart, where a remote start is Rejected', async () => {
      const d = await startStation(version, { config: withSecondEvse });
      await d.plugIn(2);
      await d.waitForStatus('Occupied', 2);
      assert.equal(await d.changeAvailability({ operative: false }), 'Accepted');
      await d.waitForStatus('Unavailable', 1);
      await d.waitForStatus('Unavailable', 2);
      if (d.version === '1.6') await until(() => d.chargePointStatus() === 'Unavailable', 2000, 'connector 0 Unavailable');
      else {
        const state = await d.csms.getVariables(ID, [{ component: { name: 'ChargingStation' }, variable: { name: 'AvailabilityState' } }]);
        assert.equal(state.getVariableResult[0]!.attributeValue, 'Unavailable');
      }
      assert.equal(await d.changeAvailability({ operative: true }), 'Accepted');
      await d.waitForStatus('Available', 1);
      await d.waitForStatus('Occupied', 2);
      assert.deepEqual(d.statusSequence(1), ['Available', 'Unavailable', 'Available']);
      assert.deepEqual(d.statusSequence(2), ['Available', 'Occupied', 'Unavailable', 'Occupied']);
      if (d.version === '2.0.1') {
        assert.deepEqual(d.wireStatuses(1), ['Available', 'Unavailable', 'Available'], 'each change once');
        assert.deepEqual(d.wireStatuses(2), ['Available', 'Occupied', 'Unavailable', 'Occupied'], 'each change once');
        assert.equal((await d.csms.changeAvailability(ID, { evseId: 1, connectorId: 4, operative: false })).response.status, 'Rejected');
      } else await until(() => d.chargePointStatus() === 'Available', 2000, 'connector 0 Available');
      assert.equal(await d.changeAvailability({ evseId: 9, operative: false }), 'Rejected');

      // Inoperative again, then a restart: the new agent comes up Unavailable and starts nothing.
      await d.unplug(2);
      assert.equal(await d.changeAvailability({ operative: false }), 'Accepted');
      await d.waitForStatus('Unavailable', 1);
      await d.stop();
      await d.startAgain();
      const boot2 = callRecords(d.csms, 'BootNotification')[1]!;
      const after = () => callRecords<{ status?: string; connectorStatus?: string }>(d.csms, 'StatusNotification').filter((m) => m.seq > boot2.seq);
      await until(() => after().length >= (d.version === '1.6' ? 3 : 2), 5000, 'the statuses of the new boot');
      await sleep(100);
      assert.ok(after().every((m) => (m.payload.status ?? m.payload.connectorStatus) === 'Unavailable'), 'persisted: every status Unavailable');
      assert.equal(await d.remoteStart({ token: 'R', evseId: 1 }), 'Rejected');
      assert.equal(await d.changeAvailability({ operative: true }), 'Accepted');
      await d.waitForStatus('Available', 1);
      await d.waitForStatus('Available', 2);
      if (d.version === '1.6') await until(() => d.chargePointStatus() === 'Available', 2000, 'connector 0 Available');
      assertNoCallErrors(d.csms);
    });
  });
}
