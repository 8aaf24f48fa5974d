import assert from 'node:assert/strict';
import {
  afterEachTest,
  assertNoCallErrors,
  callRecords,
  ID,
  relayClosed,
  sleep,
  startCharging16,
  startRig16,
  statusSequence,
  tag,
  TAG,
  waitForStatus,
  waitForStop,
} from './rig.js';

/**
 * OCPP 1.6 only: 5.2 ChangeAvailability of connector 0, the whole Charge Point, during a
 * transaction (Scheduled). Availability of a connector and of the whole station, and 5.14 Reset,
 * are shared with 2.0.1: ../scenarios/availability.test.ts, ../scenarios/reset.test.ts.
 */

describe('OCPP 1.6 integration: availability of the Charge Point (5.2 connector 0)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('5.2 connector 0 Inoperative during a transaction: Scheduled; connector 0 stays Available and the transaction goes on; once it ends, connectors 0 and 1 Unavailable', async () => {
    const rig = await startRig16();
    const { csms, agent } = rig;
    await startCharging16(rig);
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 0, operative: false })).response, { status: 'Scheduled' });
    // The EV pauses meanwhile: statuses are looked at again, and connector 0's has not changed.
    agent.hardware.simulation.setEvCharging(1, false);
    await waitForStatus(csms, 1, 'SuspendedEV', 4000);
    await sleep(100);
    assert.equal(relayClosed(agent), true);
    assert.deepEqual(statusSequence(csms, 0), ['Available'], 'the change has not happened yet');
    await agent.station.presentIdToken(1, tag(TAG));
    await waitForStop(csms);
    await waitForStatus(csms, 0, 'Unavailable');
    await waitForStatus(csms, 1, 'Unavailable');
    const stop = callRecords(csms, 'StopTransaction')[0]!;
    const unavailable = callRecords<{ connectorId: number; status: string }>(csms, 'StatusNotification').find((m) => m.payload.connectorId === 0 && m.payload.status === 'Unavailable')!;
    assert.ok(unavailable.seq > stop.seq, 'connector 0 Unavailable once the transaction ended');
    assertNoCallErrors(csms);
  });

});
