import assert from 'node:assert/strict';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, calls, callRecords, CARD, ID, sleep, until, withSecondEvse } from '../harness.js';
import { txEvents } from '../v201/rig.js';

/**
 * Reservations, both versions (1.6 5.13 ReserveNow, 5.1 CancelReservation, 9.3 connector 0;
 * 2.0.1 H01-H04): reserving, using, replacing, cancelling and the expiry of a reservation, a
 * reservation of any EVSE (1.6 connector 0, 2.0.1 without evseId), a remote start on a reserved
 * EVSE, the ReserveNow answers when an EVSE cannot be reserved, and a reservation lost to a fault
 * or to unavailability. 2.0.1 also reports how a reservation ended (ReservationStatusUpdate
 * Expired or Removed, nothing for one used, replaced or cancelled); 1.6 has no such message.
 * 2.0.1-only cases: v201/reservations.test.ts (1.6 has none left of its own).
 */

const RESERVED = 'RESERVED-1';
const OTHER = CARD.idToken;

/** 2.0.1: the ReservationStatusUpdates sent; 1.6 has none to send. */
const statusUpdates = (d: AnyDriver): Array<{ reservationId: number; reservationUpdateStatus: string }> => calls(d.csms, 'ReservationStatusUpdate');

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: reservations`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    it('1.6 5.13 / 2.0.1 H01.FR.23 ReserveNow of an available EVSE: Accepted, Reserved (H01 S2: the answer first); 2.0.1 H03.FR.01 another driver is turned away, before and after the plug-in; the reserved one charges, its transaction carries the reservationId (H01.FR.15) once; H03.FR.10 Occupied (1.6 Charging); H02.FR.01 used, nothing left to cancel', async () => {
      const d = await startStation(version);
      assert.equal(await d.reserve({ reservationId: 7, token: RESERVED, evseId: 1, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved');
      const flow = d.csms.station(ID)!.messages.map((m) => `${m.kind} ${m.action}`);
      assert.ok(flow.indexOf('callResult ReserveNow') < flow.lastIndexOf('call StatusNotification'), flow.join(', '));
      assert.deepEqual(await d.present(OTHER), { outcome: 'rejected', status: 'Reserved' });
      await d.plugIn();
      assert.deepEqual(await d.present(OTHER), { outcome: 'rejected', status: 'Reserved' });
      await sleep(200);
      assert.equal(d.relayClosed(), false);
      assert.equal(d.started().length, 0);
      assert.deepEqual(await d.present(RESERVED), { outcome: 'authorized', evseId: 1 });
      const started = await d.waitForStarted();
      assert.deepEqual([started.token, started.evseId, started.connectorId, started.reservationId], [RESERVED, 1, 1, 7]);
      assert.equal(d.relayClosed(), true);
      await d.waitForStatus('Occupied');
      if (d.version === '1.6') await d.waitForWireStatus('Charging');
      else assert.equal(txEvents(d.csms).filter((t) => t.reservationId !== undefined).length, 1, 'the reservationId once');
      assert.equal(await d.cancelReservation(7), 'Rejected', 'the reservation was used: nothing left to cancel');
      assert.deepEqual(statusUpdates(d), [], 'a used reservation is reported in the transaction only');
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.13 parentIdTag / 2.0.1 H03.FR.04 groupIdToken: a driver of the reservation\'s group (as the Authorize answer says) may use it, an outsider not', async () => {
      const d = await startStation(version);
      d.answerAuthorizeWithGroup('MEMBER-2', 'FLEET-1');
      assert.equal(await d.reserve({ reservationId: 12, token: 'MEMBER-1', groupToken: 'FLEET-1', evseId: 1, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved');
      assert.deepEqual(await d.present('OUTSIDER'), { outcome: 'rejected', status: 'Reserved' });
      await d.plugIn();
      assert.equal((await d.present('MEMBER-2')).outcome, 'authorized');
      const started = await d.waitForStarted();
      assert.deepEqual([started.token, started.reservationId], ['MEMBER-2', 12]);
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.13 / 2.0.1 H04.FR.01-03 a reservation that expires: Reserved, then Available at its expiry (2.0.1: then ReservationStatusUpdate Expired); nothing left to cancel; anyone may charge (H04.FR.02)', async () => {
      const d = await startStation(version);
      assert.equal(await d.reserve({ reservationId: 40, token: RESERVED, evseId: 1, expiresInS: 1 }), 'Accepted');
      await d.waitForStatus('Reserved');
      await d.waitForStatus('Available', 1, 3000);
      assert.deepEqual(d.statusSequence(), ['Available', 'Reserved', 'Available']);
      if (d.version === '2.0.1') {
        await d.csms.waitFor(ID, 'ReservationStatusUpdate', undefined, 4000);
        assert.deepEqual(statusUpdates(d), [{ reservationId: 40, reservationUpdateStatus: 'Expired' }]);
        assert.ok(d.reservationEndReported(40, 'Expired'));
        const order = callRecords(d.csms)
          .filter((m) => m.action === 'ReservationStatusUpdate' || (m.action === 'StatusNotification' && (m.payload as { connectorStatus: string }).connectorStatus === 'Available'))
          .map((m) => m.action);
        assert.deepEqual(order.slice(-2), ['StatusNotification', 'ReservationStatusUpdate'], 'Available first (H04.FR.03), then Expired');
      }
      assert.equal(await d.cancelReservation(40), 'Rejected', 'expired: nothing to cancel');
      await d.plugIn();
      assert.equal((await d.present(OTHER)).outcome, 'authorized');
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.13 / 2.0.1 H01.FR.02 a ReserveNow with the id of a held reservation replaces it: another token (the first one no longer holds it), then another EVSE; one reservation, not two; 2.0.1: a replaced reservation is not reported', async () => {
      const d = await startStation(version, { config: withSecondEvse });
      assert.equal(await d.reserve({ reservationId: 21, token: 'FIRST', evseId: 1, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved', 1);
      assert.equal(await d.reserve({ reservationId: 21, token: 'SECOND', evseId: 1, expiresInS: 60 }), 'Accepted');
      await d.plugIn(1);
      assert.deepEqual(await d.present('FIRST', 1), { outcome: 'rejected', status: 'Reserved' }, 'replaced: FIRST no longer holds it');
      await d.unplug(1);
      assert.equal(await d.reserve({ reservationId: 21, token: 'SECOND', evseId: 2, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved', 2);
      await d.waitForStatus('Available', 1);
      assert.equal(d.agent.station.evse(1)!.reservedFor, undefined);
      assert.equal(d.agent.station.evse(2)!.reservedFor?.id, 21);
      assert.deepEqual(statusUpdates(d), [], 'a replaced reservation is not reported');
      assert.equal(await d.cancelReservation(21), 'Accepted');
      await d.waitForStatus('Available', 2);
      assert.equal(await d.cancelReservation(21), 'Rejected', 'one reservation 21, not two');
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.1 / 2.0.1 H02.FR.02-04 CancelReservation: Accepted, Available again, anyone may charge (H02.FR.03), no ReservationStatusUpdate; H02.FR.01 an unknown id, or one cancelled already, Rejected', async () => {
      const d = await startStation(version);
      assert.equal(await d.reserve({ reservationId: 30, token: RESERVED, evseId: 1, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved');
      assert.equal(await d.cancelReservation(999), 'Rejected');
      assert.equal(await d.cancelReservation(30), 'Accepted');
      await d.waitForStatus('Available');
      assert.equal(await d.cancelReservation(30), 'Rejected');
      assert.equal((await d.present(OTHER)).outcome, 'authorized', 'anyone may charge again');
      await sleep(100);
      assert.deepEqual(statusUpdates(d), []);
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.13/5.11 / 2.0.1 H03.FR.09 (errata) a remote start on the reserved EVSE: for another token Rejected (F01.FR.21), for the reserved token Accepted, its transaction carries the reservationId; unplugged, it ends EVDisconnected', async () => {
      const d = await startStation(version);
      assert.equal(await d.reserve({ reservationId: 15, token: RESERVED, evseId: 1, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved');
      assert.equal(await d.remoteStart({ token: 'SOMEONE-ELSE', evseId: 1 }), 'Rejected');
      assert.equal(await d.remoteStart({ token: RESERVED, evseId: 1 }), 'Accepted');
      await d.plugIn();
      const started = await d.waitForStarted();
      assert.deepEqual([started.token, started.reservationId], [RESERVED, 15]);
      if (d.version === '2.0.1') {
        const accepted = d.csms.station(ID)!.messages.filter((m) => m.direction === 'toStation' && m.kind === 'call' && m.action === 'RequestStartTransaction').at(-1)!;
        const [begun] = txEvents(d.csms).filter((t) => t.eventType === 'Started');
        assert.equal(begun!.transactionInfo.remoteStartId, (accepted.payload as { remoteStartId: number }).remoteStartId, 'the accepted request\'s remoteStartId');
      }
      await d.unplug();
      assert.equal((await d.waitForEnded()).reason, 'EVDisconnected');
      assertNoCallErrors(d.csms);
    });

    it('1.6 9.3 connector 0 / 2.0.1 H01.FR.07 a reservation of any EVSE on a two-EVSE station: both stay Available; once one is taken the other is Reserved and turns others away; another one for any EVSE is Occupied; the reserved token charges there (H03 S3) with the reservationId; used, nothing left to cancel', async () => {
      const d = await startStation(version, { config: withSecondEvse });
      assert.equal(await d.reserve({ reservationId: 31, token: RESERVED, expiresInS: 60 }), 'Accepted');
      await sleep(200);
      assert.deepEqual([d.lastStatus(1), d.lastStatus(2)], ['Available', 'Available']);
      assert.equal((await d.present(OTHER, 1)).outcome, 'authorized');
      await d.waitForStatus('Reserved', 2);
      assert.equal(await d.reserve({ reservationId: 32, token: 'SOMEONE-ELSE', expiresInS: 60 }), 'Occupied');
      assert.deepEqual(await d.present('SOMEONE-ELSE', 2), { outcome: 'rejected', status: 'Reserved' });
      assert.equal((await d.present(RESERVED, 2)).outcome, 'authorized');
      await d.plugIn(2);
      const started = await d.waitForStarted((t) => t.evseId === 2);
      assert.deepEqual([started.token, started.connectorId, started.reservationId], [RESERVED, d.version === '1.6' ? 2 : 1, 31]);
      assert.equal(await d.cancelReservation(31), 'Rejected', 'used');
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.13 / 2.0.1 H01 a ReserveNow that cannot be honoured: an unknown EVSE or an expiry in the past Rejected; H01.FR.11 a vehicle plugged in Occupied; H01.FR.14 Unavailable; H01.FR.12 Faulted (nothing Reserved meanwhile); H01.FR.11 reserved by another token, or a driver authorized there, Occupied', async () => {
      const d = await startStation(version, { config: withSecondEvse });
      const reserve = (reservationId: number, evseId: number, options: { token?: string; expiresInS?: number } = {}) =>
        d.reserve({ reservationId, token: options.token ?? RESERVED, evseId, expiresInS: options.expiresInS ?? 60 });
      assert.equal(await reserve(6, 9), 'Rejected', 'no EVSE 9');
      assert.equal(await reserve(6, 1, { expiresInS: -5 }), 'Rejected', 'expired already');
      await d.plugIn(1);
      assert.equal(await reserve(6, 1), 'Occupied');
      await d.unplug(1);
      assert.equal(await d.changeAvailability({ evseId: 1, operative: false }), 'Accepted');
      await d.waitForStatus('Unavailable', 1);
      assert.equal(await reserve(4, 1), 'Unavailable');
      assert.equal(await d.changeAvailability({ evseId: 1, operative: true }), 'Accepted');
      await d.waitForStatus('Available', 1);
      d.agent.hardware.simulation.setInput('rcd', true);
      await d.waitForStatus('Faulted', 1);
      assert.equal(await reserve(5, 1), 'Faulted');
      d.agent.hardware.simulation.setInput('rcd', false);
      await d.waitForStatus('Available', 1);
      assert.ok(!d.statusSequence(1).includes('Reserved'), 'nothing was reserved');

      assert.equal(await reserve(1, 1), 'Accepted');
      assert.equal(await reserve(2, 1, { token: 'OTHER' }), 'Occupied', 'reserved by another token');
      assert.equal((await d.present(OTHER, 2)).outcome, 'authorized');
      assert.equal(await reserve(3, 2), 'Occupied', 'a driver authorized there');
      assert.equal(await d.cancelReservation(1), 'Accepted');
      assertNoCallErrors(d.csms);
    });

    it('1.6 4.9 G2 / 2.0.1 G01.FR.09 a vehicle plugged into a Reserved EVSE leaves it Reserved (2.0.1: no StatusNotification for the plug-in); H01.FR.16 one that becomes Faulted loses its reservation (2.0.1 ReservationStatusUpdate Removed), not back after the fault; H03.FR.10 the reserved driver makes it occupied (1.6 Charging), the transaction with the reservationId', async () => {
      const d = await startStation(version);
      assert.equal(await d.reserve({ reservationId: 16, token: RESERVED, evseId: 1, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved');
      const before = d.wireStatuses().length;
      await d.plugIn();
      await sleep(200);
      assert.equal(d.lastStatus(), 'Reserved');
      if (d.version === '2.0.1') assert.deepEqual(d.wireStatuses().slice(before), [], 'no StatusNotification for the plug-in');
      await d.unplug();
      d.agent.hardware.simulation.setInput('rcd', true);
      await d.waitForStatus('Faulted');
      if (d.version === '2.0.1') {
        await d.csms.waitFor(ID, 'ReservationStatusUpdate', undefined, 3000);
        assert.deepEqual(statusUpdates(d), [{ reservationId: 16, reservationUpdateStatus: 'Removed' }]);
        assert.ok(d.reservationEndReported(16, 'Removed'));
      }
      d.agent.hardware.simulation.setInput('rcd', false);
      await d.waitForStatus('Available');
      assert.equal(d.agent.station.evse(1)!.reservedFor, undefined, 'not back after the fault cleared');
      assert.equal(await d.cancelReservation(16), 'Rejected', 'the fault ended it');

      assert.equal(await d.reserve({ reservationId: 17, token: RESERVED, evseId: 1, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved');
      await d.plugIn();
      assert.equal(d.lastStatus(), 'Reserved');
      assert.equal((await d.present(RESERVED)).outcome, 'authorized');
      await d.waitForStatus('Occupied');
      if (d.version === '1.6') await d.waitForWireStatus('Charging');
      assert.equal((await d.waitForStarted()).reservationId, 17);
      assertNoCallErrors(d.csms);
    });

    it('1.6 5.13 connector 0 / 2.0.1 H01.FR.17 a reservation of any EVSE: cancelled, Accepted; one that loses the EVSE it needed when the station becomes Unavailable ends (1.6 termination (3); 2.0.1 ReservationStatusUpdate Removed), nothing left to cancel; H04.FR.01 one that expires ends (2.0.1 Expired)', async () => {
      const d = await startStation(version);
      assert.equal(await d.reserve({ reservationId: 33, token: RESERVED, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved');
      assert.equal(await d.cancelReservation(33), 'Accepted');
      await d.waitForStatus('Available');
      assert.equal(await d.reserve({ reservationId: 34, token: RESERVED, expiresInS: 60 }), 'Accepted');
      await d.waitForStatus('Reserved');
      assert.equal(await d.changeAvailability({ operative: false }), 'Accepted');
      await d.waitForStatus('Unavailable');
      if (d.version === '2.0.1') {
        await d.csms.waitFor(ID, 'ReservationStatusUpdate', undefined, 3000);
        assert.deepEqual(statusUpdates(d), [{ reservationId: 34, reservationUpdateStatus: 'Removed' }]);
      }
      assert.equal(await d.changeAvailability({ operative: true }), 'Accepted');
      await d.waitForStatus('Available');
      assert.equal(await d.cancelReservation(34), 'Rejected', 'it ended');
      assert.equal(await d.reserve({ reservationId: 35, token: RESERVED, expiresInS: 1 }), 'Accepted');
      await d.waitForStatus('Reserved');
      await d.waitForStatus('Available', 1, 4000);
      if (d.version === '2.0.1') {
        await until(() => statusUpdates(d).length === 2, 4000, 'Expired');
        assert.deepEqual(statusUpdates(d)[1], { reservationId: 35, reservationUpdateStatus: 'Expired' });
      }
      assert.equal(d.lastStatus(), 'Available');
      assertNoCallErrors(d.csms);
    });
  });
}
