import assert from 'node:assert/strict';
import type { ReserveNowResponse } from 'ocpp-messages/v1.6/index.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  assertNoCallErrors,
  ID,
  inSeconds,
  plugIn,
  sleep,
  startRig16,
  statusSequence,
  tag,
  unplug,
  waitForStatus,
} from './rig.js';

/**
 * OCPP 1.6 only reservation cases (4.9 a reserved connector's statuses, a connector 0
 * reservation's end); the ones shared with 2.0.1 are in ../scenarios/reservations.test.ts.
 */

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

});
