import assert from 'node:assert/strict';
import type { ReserveNowResponse } from 'ocpp-messages/v2.0/ReserveNowResponse.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  assertNoCallErrors,
  CARD,
  calls,
  ID,
  inSeconds,
  plugIn,
  rawCall,
  sleep,
  startAgent,
  startCsms,
  startRig,
  statuses,
  stopAgent,
  stopCsms,
  until,
  waitForAccepted,
  waitForTx,
  withSecondEvse,
  type ConfigChanges,
} from './rig.js';

/**
 * OCPP 2.0.1 only reservation cases (H01 ReservationCtrlr, H03 with TxStartPoint
 * EVConnected, connector types, H04 expiry across outages and restarts, ReservationStatusUpdate
 * Removed); the ones shared with 1.6 are in ../scenarios/reservations.test.ts.
 */

const RESERVED = { idToken: 'RESERVED-1', type: 'ISO14443' as const };
interface Reserve {
  id?: number;
  evseId?: number;
  connectorType?: string;
  idToken?: { idToken: string; type: 'ISO14443' | 'Central' };
  groupIdToken?: { idToken: string; type: 'ISO14443' | 'Central' };
  expiresInS?: number;
}

async function reserveNow(csms: DevCsms, r: Reserve = {}): Promise<ReserveNowResponse['status']> {
  const payload = {
    id: r.id ?? 1,
    expiryDateTime: inSeconds(r.expiresInS ?? 60),
    idToken: r.idToken ?? RESERVED,
    ...(r.evseId !== undefined ? { evseId: r.evseId } : {}),
    ...(r.connectorType !== undefined ? { connectorType: r.connectorType } : {}),
    ...(r.groupIdToken ? { groupIdToken: r.groupIdToken } : {}),
  };
  return ((await csms.call(ID, 'ReserveNow', payload)) as ReserveNowResponse).status;
}

const cancel = async (csms: DevCsms, reservationId: number): Promise<string> => ((await csms.call(ID, 'CancelReservation', { reservationId })) as { status: string }).status;

/** The latest StatusNotification of an EVSE's connector 1. */
const lastStatus = (csms: DevCsms, evseId = 1): string | undefined => statuses(csms).filter((s) => s.evseId === evseId).at(-1)?.connectorStatus;

const waitForStatus = (csms: DevCsms, evseId: number, status: string): Promise<void> =>
  until(() => lastStatus(csms, evseId) === status, 3000, `EVSE ${evseId} ${status}`);

const statusUpdates = (csms: DevCsms): Array<{ reservationId: number; reservationUpdateStatus: string }> => calls(csms, 'ReservationStatusUpdate');

/** EVSE 2's connector is a fixed CCS2 cable. */
const withCcsEvse: ConfigChanges = (doc) => {
  withSecondEvse(doc);
  doc['evses'][1].connectors[0].type = 'cCCS2';
};

describe('OCPP 2.0.1 integration: reservations (H01-H04)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('H03 S1 #2 (errata) TxStartPoint EVConnected: the plug-in starts the transaction and the connector stays Reserved; the reserved driver makes it Occupied, the reservationId in that Updated event (E02.FR.03)', async () => {
    const { csms, agent } = await startRig({ config: (doc) => (doc['charging'] = { ...doc['charging'], txStartPoints: ['EVConnected'], txStopPoints: ['EVConnected'] }) });
    assert.equal(await reserveNow(csms, { id: 12, evseId: 1 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    await plugIn(agent);
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    assert.equal(started.reservationId, undefined);
    assert.equal(lastStatus(csms, 1), 'Reserved');
    assert.deepEqual(await agent.station.presentIdToken(1, CARD), { outcome: 'rejected', status: 'Reserved' });
    assert.equal((await agent.station.presentIdToken(1, RESERVED)).outcome, 'authorized');
    const authorized = await waitForTx(csms, (t) => t.eventType === 'Updated' && t.idToken !== undefined);
    assert.deepEqual([authorized.reservationId, authorized.idToken?.idToken, authorized.triggerReason], [12, RESERVED.idToken, 'Authorized']);
    await waitForStatus(csms, 1, 'Occupied');
    assertNoCallErrors(csms);
  });

  it('H02.FR.05/06 (errata) CancelReservation of an unspecified reservation: the EVSE it held is Available again for anyone, no ReservationStatusUpdate', async () => {
    const { csms, agent } = await startRig();
    assert.equal(await reserveNow(csms, { id: 31 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    assert.equal(await cancel(csms, 31), 'Accepted');
    await waitForStatus(csms, 1, 'Available');
    assert.deepEqual(agent.station.unspecifiedReservations, []);
    assert.equal((await agent.station.presentIdToken(1, CARD)).outcome, 'authorized');
    await sleep(100);
    assert.deepEqual(statusUpdates(csms), []);
    assertNoCallErrors(csms);
  });

  it('H04.FR.01 a reservation that expires while the CSMS cannot be reached: ReservationStatusUpdate Expired once the station is connected again', async () => {
    const rig = await startRig();
    assert.equal(await reserveNow(rig.csms, { id: 41, evseId: 1, expiresInS: 1 }), 'Accepted');
    await waitForStatus(rig.csms, 1, 'Reserved');
    const port = rig.csms.port;
    await stopCsms(rig.csms);
    await until(() => rig.agent.station.evse(1)!.reservedFor === undefined, 3000, 'the expiry');
    const csms = await startCsms({ port });
    await csms.waitFor(ID, 'ReservationStatusUpdate', undefined, 8000);
    assert.deepEqual(statusUpdates(csms), [{ reservationId: 41, reservationUpdateStatus: 'Expired' }]);
    await waitForStatus(csms, 1, 'Available');
    assertNoCallErrors(csms);
  });

  it('H04.FR.01 a reservation that expires while the agent is down (a power cut): ReservationStatusUpdate Expired after the next boot, once', async () => {
    const rig = await startRig();
    assert.equal(await reserveNow(rig.csms, { id: 42, evseId: 1, expiresInS: 1 }), 'Accepted');
    await waitForStatus(rig.csms, 1, 'Reserved');
    await stopAgent(rig.agent);
    await sleep(1200);
    const { agent } = await startAgent(rig.file);
    await waitForAccepted(rig.csms, agent);
    await rig.csms.waitFor(ID, 'ReservationStatusUpdate', undefined, 5000);
    assert.deepEqual(statusUpdates(rig.csms), [{ reservationId: 42, reservationUpdateStatus: 'Expired' }]);
    await waitForStatus(rig.csms, 1, 'Available');
    // Reported and gone from the store: another restart says nothing more of it.
    await stopAgent(agent);
    const again = await startAgent(rig.file);
    await waitForAccepted(rig.csms, again.agent);
    await sleep(300);
    assert.equal(statusUpdates(rig.csms).length, 1);
    assertNoCallErrors(rig.csms);
  });

  it('H04.FR.01 a reservation that expires while the CSMS cannot be reached, and then the agent restarts: the waiting ReservationStatusUpdate survives the restart', async () => {
    const rig = await startRig();
    assert.equal(await reserveNow(rig.csms, { id: 43, evseId: 1, expiresInS: 1 }), 'Accepted');
    await waitForStatus(rig.csms, 1, 'Reserved');
    const port = rig.csms.port;
    await stopCsms(rig.csms);
    await until(() => rig.agent.station.evse(1)!.reservedFor === undefined, 3000, 'the expiry');
    await stopAgent(rig.agent);
    const csms = await startCsms({ port });
    const { agent } = await startAgent(rig.file);
    await waitForAccepted(csms, agent);
    await csms.waitFor(ID, 'ReservationStatusUpdate', undefined, 5000);
    assert.deepEqual(statusUpdates(csms), [{ reservationId: 43, reservationUpdateStatus: 'Expired' }]);
    assertNoCallErrors(csms);
  });

  it('H01.FR.17 the reserved EVSE becomes Unavailable: the reservation is removed, ReservationStatusUpdate Removed (H01.FR.16, Faulted, is shared with 1.6: ../scenarios/reservations.test.ts)', async () => {
    const { csms } = await startRig();
    assert.equal(await reserveNow(csms, { id: 51, evseId: 1 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    assert.deepEqual((await csms.changeAvailability(ID, { evseId: 1, operative: false })).response, { status: 'Accepted' });
    await until(() => statusUpdates(csms).length === 1, 3000, 'the ReservationStatusUpdate');
    assert.deepEqual(statusUpdates(csms)[0], { reservationId: 51, reservationUpdateStatus: 'Removed' });
    await waitForStatus(csms, 1, 'Unavailable');
    assertNoCallErrors(csms);
  });

  it('H01.FR.04/H01.FR.20 an unspecified EVSE on a one-EVSE station: Accepted and Reserved (as many reservations as Available EVSEs); a second one Occupied; H03.FR.03 the reserved driver uses it', async () => {
    const { csms, agent } = await startRig();
    assert.equal(await reserveNow(csms, { id: 60 }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    assert.equal(await reserveNow(csms, { id: 61, idToken: CARD }), 'Occupied');
    assert.equal(await reserveNow(csms, { id: 62, evseId: 1, idToken: CARD }), 'Occupied', 'H01.FR.07: the EVSE it needs is not for another reservation');
    assert.deepEqual(await agent.station.presentIdToken(1, CARD), { outcome: 'rejected', status: 'Reserved' });
    await plugIn(agent);
    assert.equal(lastStatus(csms, 1), 'Reserved', 'G01.FR.09');
    assert.equal((await agent.station.presentIdToken(1, RESERVED)).outcome, 'authorized');
    assert.equal((await waitForTx(csms, (t) => t.eventType === 'Started')).reservationId, 60);
    await waitForStatus(csms, 1, 'Occupied');
    assert.equal(await cancel(csms, 60), 'Rejected', 'used');
    assertNoCallErrors(csms);
  });

  it('H01.FR.06/H01.FR.24 a connector type: the one EVSE with it is Reserved, the other stays Available; H03.FR.02 its driver uses it; a type the station lacks Rejected', async () => {
    const { csms, agent } = await startRig({ config: withCcsEvse });
    assert.equal(await reserveNow(csms, { id: 80, connectorType: 'cType1' }), 'Rejected');
    assert.equal(await reserveNow(csms, { id: 81, connectorType: 'cCCS2' }), 'Accepted');
    await waitForStatus(csms, 2, 'Reserved');
    assert.equal(lastStatus(csms, 1), 'Available');
    assert.equal(await reserveNow(csms, { id: 82, connectorType: 'cCCS2', idToken: CARD }), 'Occupied');
    assert.deepEqual(await agent.station.presentIdToken(2, CARD), { outcome: 'rejected', status: 'Reserved' });
    assert.equal(await reserveNow(csms, { id: 83, evseId: 2, connectorType: 'sType2' }), 'Rejected', 'EVSE 2 has no such connector');
    assert.equal((await agent.station.presentIdToken(2, RESERVED)).outcome, 'authorized');
    await plugIn(agent, 2);
    assert.equal((await waitForTx(csms, (t) => t.eventType === 'Started' && t.evse?.id === 2)).reservationId, 81);
    assertNoCallErrors(csms);
  });

  it('H01.FR.01 ReservationCtrlr.Enabled false: ReserveNow Rejected; the device model has ReservationCtrlr Available, Enabled, NonEvseSpecific (H01.FR.18)', async () => {
    const { csms } = await startRig();
    const component = { name: 'ReservationCtrlr' };
    const got = await csms.getVariables(ID, [
      { component, variable: { name: 'Available' } },
      { component, variable: { name: 'Enabled' } },
      { component, variable: { name: 'NonEvseSpecific' } },
    ]);
    assert.deepEqual(
      got.getVariableResult.map((r: { attributeStatus: string; attributeValue?: string }) => [r.attributeStatus, r.attributeValue]),
      [
        ['Accepted', 'true'],
        ['Accepted', 'true'],
        ['Accepted', 'true'],
      ],
    );
    const set = await csms.setVariables(ID, [{ component: { name: 'ReservationCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' }]);
    assert.equal(set.setVariableResult[0].attributeStatus, 'Accepted');
    assert.equal(await reserveNow(csms, { id: 100, evseId: 1 }), 'Rejected');
    assert.equal(await reserveNow(csms, { id: 101 }), 'Rejected');
    await csms.setVariables(ID, [{ component: { name: 'ReservationCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'true' }]);
    assert.equal(await reserveNow(csms, { id: 102, evseId: 1 }), 'Accepted');
    assertNoCallErrors(csms);
  });

  it('H01.FR.19 with ReservationCtrlr.NonEvseSpecific false (ReadOnly for the CSMS; the station\'s own setting), a ReserveNow without evseId is Rejected, one with an evseId Accepted; SetVariables cannot change it', async () => {
    const { csms, agent } = await startRig();
    const set = await csms.setVariables(ID, [{ component: { name: 'ReservationCtrlr' }, variable: { name: 'NonEvseSpecific' }, attributeValue: 'false' }]);
    assert.equal(set.setVariableResult[0].attributeStatus, 'Rejected', 'ReadOnly (B05.FR.09)');
    assert.equal((await agent.deviceModel.set('ReservationCtrlr', 'NonEvseSpecific', 'false')).status, 'Accepted');
    assert.equal(await reserveNow(csms, { id: 105 }), 'Rejected');
    assert.deepEqual(agent.station.unspecifiedReservations, []);
    assert.equal(await reserveNow(csms, { id: 106, evseId: 1 }), 'Accepted');
    assertNoCallErrors(csms);
  });

  it('B01.FR.13 reservations, of an EVSE and unspecified, are kept across a restart: Reserved after the new boot; the reserved driver still uses them', async () => {
    const rig = await startRig({ config: withSecondEvse });
    const { csms } = rig;
    assert.equal(await reserveNow(csms, { id: 110, evseId: 1 }), 'Accepted');
    assert.equal(await reserveNow(csms, { id: 111, idToken: CARD }), 'Accepted');
    await waitForStatus(csms, 1, 'Reserved');
    await waitForStatus(csms, 2, 'Reserved');
    await stopAgent(rig.agent);
    const before = statuses(csms).length;
    const { agent } = await startAgent(rig.file);
    await waitForAccepted(csms, agent);
    await until(() => statuses(csms).length >= before + 2, 3000, 'statuses after the new boot');
    await sleep(200);
    assert.deepEqual([lastStatus(csms, 1), lastStatus(csms, 2)], ['Reserved', 'Reserved']);
    assert.equal(agent.station.evse(1)!.reservedFor?.id, 110);
    assert.deepEqual(agent.station.unspecifiedReservations.map((r) => r.id), [111]);
    assert.equal((await agent.station.presentIdToken(2, CARD)).outcome, 'authorized');
    await plugIn(agent, 2);
    assert.equal((await waitForTx(csms, (t) => t.eventType === 'Started' && t.evse?.id === 2)).reservationId, 111);
    assertNoCallErrors(csms);
  });

  it('a malformed ReserveNow gets the RPC layer\'s CALLERROR and reserves nothing: no idToken OccurrenceConstraintViolation, an id of the wrong type TypeConstraintViolation, an unknown field FormatViolation, an unknown connectorType PropertyConstraintViolation', async () => {
    const { csms, agent } = await startRig();
    const expiry = JSON.stringify(inSeconds(60));
    const cases: Array<[string, string, string]> = [
      [`[2,"rn-1","ReserveNow",{"id":1,"expiryDateTime":${expiry}}]`, 'rn-1', 'OccurrenceConstraintViolation'],
      [`[2,"rn-2","ReserveNow",{"id":"one","expiryDateTime":${expiry},"idToken":{"idToken":"X","type":"ISO14443"}}]`, 'rn-2', 'TypeConstraintViolation'],
      [`[2,"rn-3","ReserveNow",{"id":3,"expiryDateTime":${expiry},"idToken":{"idToken":"X","type":"ISO14443"},"evse":1}]`, 'rn-3', 'FormatViolation'],
      [`[2,"rn-4","ReserveNow",{"id":4,"expiryDateTime":${expiry},"idToken":{"idToken":"X","type":"ISO14443"},"connectorType":"sType9"}]`, 'rn-4', 'PropertyConstraintViolation'],
      [`[2,"cr-1","CancelReservation",{}]`, 'cr-1', 'OccurrenceConstraintViolation'],
    ];
    for (const [frame, id, code] of cases) {
      const answer = await rawCall(csms, frame, id);
      assert.equal(answer.kind, 'callError', `${id}: ${JSON.stringify(answer.payload)}`);
      assert.equal(answer.error?.code, code, `${id}: ${answer.error?.description}`);
    }
    assert.equal(agent.station.evse(1)!.reservedFor, undefined);
    assert.deepEqual(agent.station.unspecifiedReservations, []);
    assert.equal(lastStatus(csms, 1), 'Available');
  });
});
