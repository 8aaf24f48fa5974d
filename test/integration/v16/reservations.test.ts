import assert from 'node:assert/strict';
import type { ReserveNowResponse } from 'ocpp-messages/v1.6/index.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  assertNoCallErrors,
  ID,
  inSeconds,
  plugIn,
  relayClosed,
  sleep,
  startRig16,
  startTransactions,
  statusSequence,
  tag,
  TAG,
  unplug,
  waitForStatus,
  waitForStop,
  withSecondEvse,
} from './rig.js';

/** OCPP 1.6 Reservation profile: 5.13 ReserveNow, 5.1 CancelReservation, 9.3 ReserveConnectorZeroSupported. */

async function reserveNow(csms: DevCsms, request: { connectorId?: number; idTag?: string; parentIdTag?: string; reservationId?: number; expiresInS?: number }): Promise<ReserveNowResponse['status']> {
  const payload = {
    connectorId: request.connectorId ?? 1,
    expiryDate: inSeconds(request.expiresInS ?? 60),
    idTag: request.idTag ?? 'RESERVED-1',
    reservationId: request.reservationId ?? 11,
    ...(request.parentIdTag ? { parentIdTag: request.parentIdTag } : {}),
  };
  return ((await csms.call(ID, 'ReserveNow', payload)) as ReserveNowResponse).status;
}

const cancel = async (csms: DevCsms, reservationId: number): Promise<string> => ((await csms.call(ID, 'CancelReservation', { reservationId })) as { status: string }).status;

describe('OCPP 1.6 integration: reservations (5.13, 5.1)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('5.13 ReserveNow Accepted: the connector is Reserved; another tag cannot charge there; the reserved tag can, and its StartTransaction carries the reservationId', async () => {
    const { csms, agent } = await startRig16();
    assert.equal(await reserveNow(csms, { idTag: 'RESERVED-1', reservationId: 11 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    await plugIn(agent);
    assert.deepEqual(await agent.station.presentIdToken(1, tag(TAG)), { outcome: 'rejected', status: 'Reserved' });
    await sleep(200);
    assert.equal(relayClosed(agent), false);
    assert.equal(startTransactions(csms).length, 0);
    assert.equal((await agent.station.presentIdToken(1, tag('RESERVED-1'))).outcome, 'authorized');
    const start = (await csms.waitFor<{ idTag: string; reservationId?: number; connectorId: number }>(ID, 'StartTransaction')).payload;
    assert.deepEqual([start.idTag, start.connectorId, start.reservationId], ['RESERVED-1', 1, 11]);
    await waitForStatus(csms, 1, 'Charging');
    assert.equal(await cancel(csms, 11), 'Rejected', 'the reservation was used: nothing left to cancel');
    assertNoCallErrors(csms);
  });

  it('5.13 a reservation with a parentIdTag: a tag of that group (its idTagInfo parentIdTag) may use it', async () => {
    const { csms, agent } = await startRig16({
      program: (c) =>
        c.answer('Authorize', (payload) => {
          const idTag = (payload as { idTag: string }).idTag;
          return { idTagInfo: { status: 'Accepted', ...(idTag === 'MEMBER-2' ? { parentIdTag: 'FLEET-1' } : {}) } };
        }),
    });
    assert.equal(await reserveNow(csms, { idTag: 'MEMBER-1', parentIdTag: 'FLEET-1', reservationId: 12 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    await plugIn(agent);
    assert.deepEqual(await agent.station.presentIdToken(1, tag('OUTSIDER')), { outcome: 'rejected', status: 'Reserved' });
    assert.equal((await agent.station.presentIdToken(1, tag('MEMBER-2'))).outcome, 'authorized');
    const start = (await csms.waitFor<{ idTag: string; reservationId?: number }>(ID, 'StartTransaction')).payload;
    assert.deepEqual([start.idTag, start.reservationId], ['MEMBER-2', 12]);
    assertNoCallErrors(csms);
  });

  it('5.13 a reservation that expires: Reserved, then Available at its expiryDate, and anyone may charge', async () => {
    const { csms, agent } = await startRig16();
    assert.equal(await reserveNow(csms, { expiresInS: 1, reservationId: 13 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    await waitForStatus(csms, 1, 'Available', 3000);
    assert.deepEqual(statusSequence(csms, 1), ['Available', 'Reserved', 'Available']);
    assert.equal(await cancel(csms, 13), 'Rejected', 'expired: nothing to cancel');
    await plugIn(agent);
    assert.equal((await agent.station.presentIdToken(1, tag(TAG))).outcome, 'authorized');
    assertNoCallErrors(csms);
  });

  it('5.13 a ReserveNow with the reservationId of an existing reservation replaces it, also on another connector', async () => {
    const { csms, agent } = await startRig16({ config: withSecondEvse });
    assert.equal(await reserveNow(csms, { connectorId: 1, idTag: 'FIRST', reservationId: 21 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    assert.equal(await reserveNow(csms, { connectorId: 1, idTag: 'SECOND', reservationId: 21 }), 'Accepted');
    await plugIn(agent, 1);
    assert.deepEqual(await agent.station.presentIdToken(1, tag('FIRST')), { outcome: 'rejected', status: 'Reserved' }, 'replaced: FIRST no longer holds it');
    await unplug(agent, 1);
    assert.equal(await reserveNow(csms, { connectorId: 2, idTag: 'SECOND', reservationId: 21 }), 'Accepted');
    await waitForStatus(csms, 2, 'Reserved');
    await waitForStatus(csms, 1, 'Available');
    assert.equal(await cancel(csms, 21), 'Accepted');
    await waitForStatus(csms, 2, 'Available');
    assert.equal(await cancel(csms, 21), 'Rejected', 'one reservation 21, not two');
    assertNoCallErrors(csms);
  });

  it('5.1 CancelReservation of the reservation: Accepted, Available again; of an unknown id: Rejected', async () => {
    const { csms } = await startRig16();
    assert.equal(await reserveNow(csms, { reservationId: 14 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    assert.equal(await cancel(csms, 99), 'Rejected');
    assert.equal(await cancel(csms, 14), 'Accepted');
    await waitForStatus(csms, 1, 'Available');
    assertNoCallErrors(csms);
  });

  it('5.13 ReserveNow on an occupied connector: Occupied; a faulted one: Faulted; an unavailable one: Unavailable; an unknown connector or an expiryDate passed: Rejected', async () => {
    const { csms, agent } = await startRig16();
    assert.equal(await reserveNow(csms, { connectorId: 4 }), 'Rejected');
    assert.equal(await reserveNow(csms, { expiresInS: -5 }), 'Rejected');
    await plugIn(agent);
    assert.equal(await reserveNow(csms, {}), 'Occupied');
    await unplug(agent);
    agent.hardware.simulation.setInput('rcd', true);
    await waitForStatus(csms, 1, 'Faulted');
    assert.equal(await reserveNow(csms, {}), 'Faulted');
    agent.hardware.simulation.setInput('rcd', false);
    await waitForStatus(csms, 1, 'Available');
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 1, operative: false })).response, { status: 'Accepted' });
    await waitForStatus(csms, 1, 'Unavailable');
    assert.equal(await reserveNow(csms, {}), 'Unavailable');
    assert.ok(!statusSequence(csms, 1).includes('Reserved'));
    assertNoCallErrors(csms);
  });

  it('4.9 G2 a vehicle plugged into a Reserved connector leaves it Reserved until the reserved tag is presented; a connector that becomes Faulted loses its reservation (the core\'s rule, shared with 2.0.1 H01.FR.16)', async () => {
    const { csms, agent } = await startRig16();
    assert.equal(await reserveNow(csms, { reservationId: 16 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    await plugIn(agent);
    await sleep(200);
    assert.equal(statusSequence(csms, 1).at(-1), 'Reserved');
    await unplug(agent);
    agent.hardware.simulation.setInput('rcd', true);
    await waitForStatus(csms, 1, 'Faulted');
    agent.hardware.simulation.setInput('rcd', false);
    await waitForStatus(csms, 1, 'Available');
    assert.equal(await cancel(csms, 16), 'Rejected', 'the fault ended it');
    assert.equal(await reserveNow(csms, { reservationId: 17 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    await plugIn(agent);
    assert.equal(statusSequence(csms, 1).at(-1), 'Reserved');
    assert.equal((await agent.station.presentIdToken(1, tag('RESERVED-1'))).outcome, 'authorized');
    await waitForStatus(csms, 1, 'Charging');
    assertNoCallErrors(csms);
  });

  it('9.3 ReserveConnectorZeroSupported, 5.13 connector 0: one connector is kept free for the idTag; with two, the one left once the other is taken is Reserved; the reserved tag charges there, its StartTransaction carries the reservationId', async () => {
    const { csms, agent } = await startRig16({ config: withSecondEvse });
    assert.equal(await reserveNow(csms, { connectorId: 0, reservationId: 31 }), 'Accepted');
    await sleep(200);
    assert.deepEqual([statusSequence(csms, 1).at(-1), statusSequence(csms, 2).at(-1)], ['Available', 'Available']);
    assert.equal((await agent.station.presentIdToken(1, tag(TAG))).outcome, 'authorized');
    await waitForStatus(csms, 2, 'Reserved');
    assert.equal(await reserveNow(csms, { connectorId: 0, reservationId: 32, idTag: 'SOMEONE-ELSE' }), 'Occupied');
    assert.deepEqual(await agent.station.presentIdToken(2, tag('SOMEONE-ELSE')), { outcome: 'rejected', status: 'Reserved' });
    assert.equal((await agent.station.presentIdToken(2, tag('RESERVED-1'))).outcome, 'authorized');
    await plugIn(agent, 2);
    const start = (await csms.waitFor<{ idTag: string; reservationId?: number; connectorId: number }>(ID, 'StartTransaction')).payload;
    assert.deepEqual([start.idTag, start.connectorId, start.reservationId], ['RESERVED-1', 2, 31]);
    assert.equal(await cancel(csms, 31), 'Rejected', 'used');
    assertNoCallErrors(csms);
  });

  it('5.13 a connector 0 reservation ends when the Charge Point becomes Unavailable (termination (3)); CancelReservation of one: Accepted', async () => {
    const { csms } = await startRig16();
    assert.equal(await reserveNow(csms, { connectorId: 0, reservationId: 33 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    assert.equal(await cancel(csms, 33), 'Accepted');
    await waitForStatus(csms, 1, 'Available');
    assert.equal(await reserveNow(csms, { connectorId: 0, reservationId: 34 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 0, operative: false })).response, { status: 'Accepted' });
    await waitForStatus(csms, 1, 'Unavailable');
    await csms.changeAvailability(ID, { connectorId: 0, operative: true });
    await waitForStatus(csms, 1, 'Available');
    assert.equal(await cancel(csms, 34), 'Rejected', 'it ended');
    assertNoCallErrors(csms);
  });

  it('5.13/5.11 RemoteStartTransaction on the reserved connector: for another tag Rejected, for the reserved tag Accepted with the reservationId in StartTransaction', async () => {
    const { csms, agent } = await startRig16();
    assert.equal(await reserveNow(csms, { idTag: 'RESERVED-1', reservationId: 15 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    await plugIn(agent);
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 1, idTag: 'SOMEONE-ELSE' }), { status: 'Rejected' });
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 1, idTag: 'RESERVED-1' }), { status: 'Accepted' });
    const start = (await csms.waitFor<{ idTag: string; reservationId?: number }>(ID, 'StartTransaction')).payload;
    assert.deepEqual([start.idTag, start.reservationId], ['RESERVED-1', 15]);
    await unplug(agent);
    assert.equal((await waitForStop(csms)).reason, 'EVDisconnected');
    assertNoCallErrors(csms);
  });
});
