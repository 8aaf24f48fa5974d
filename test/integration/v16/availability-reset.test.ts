import assert from 'node:assert/strict';
import type { BootNotificationRequest, StatusNotificationRequest } from 'ocpp-messages/v1.6/index.js';
import { SimulatedWorld } from '../../../src/hal/simulated-world.js';
import {
  afterEachTest,
  assertNoCallErrors,
  callRecords,
  calls,
  configFile16,
  ID,
  lastStatus,
  plugIn,
  relayClosed,
  restartWithin,
  sleep,
  startAgent,
  startCharging16,
  startCsms,
  startRig16,
  statusSequence,
  stopAgent,
  stopTransactions,
  tag,
  TAG,
  unplug,
  until,
  waitForAccepted16,
  waitForStatus,
  waitForStop,
} from './rig.js';

/** OCPP 1.6 5.2 ChangeAvailability and 5.14 Reset (with the runner's restart, as the agent's CLI does it). */

describe('OCPP 1.6 integration: availability and reset (5.2, 5.14)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('5.2 ChangeAvailability of an unknown connector Rejected; Inoperative of connector 1: Accepted, Unavailable, no charging; the same again Accepted; Operative: Available', async () => {
    const { csms, agent } = await startRig16();
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 3, operative: false })).response, { status: 'Rejected' }, 'no connector 3');
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 1, operative: false })).response, { status: 'Accepted' });
    await waitForStatus(csms, 1, 'Unavailable');
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 1, operative: false })).response, { status: 'Accepted' });
    await plugIn(agent);
    assert.deepEqual(await agent.station.presentIdToken(1, tag(TAG)), { outcome: 'rejected', status: 'Unavailable' });
    assert.equal(relayClosed(agent), false);
    assert.equal(lastStatus(csms, 1)!.status, 'Unavailable', 'a vehicle plugged into an unavailable connector leaves it Unavailable');
    assert.equal(lastStatus(csms, 0)!.status, 'Available', 'the station itself stays available');
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 1, operative: true })).response, { status: 'Accepted' });
    await waitForStatus(csms, 1, 'Preparing');
    assert.equal((await agent.station.presentIdToken(1, tag(TAG))).outcome, 'authorized');
    assertNoCallErrors(csms);
  });

  it('5.2 Inoperative during a transaction: Scheduled, charging goes on; 4.9 C8 Unavailable once the transaction ends, nothing in between', async () => {
    const rig = await startRig16();
    const { csms, agent } = rig;
    await startCharging16(rig);
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 1, operative: false })).response, { status: 'Scheduled' });
    await sleep(300);
    assert.equal(relayClosed(agent), true, 'the transaction goes on');
    assert.equal(lastStatus(csms, 1)!.status, 'Charging');
    await unplug(agent);
    await waitForStop(csms);
    await waitForStatus(csms, 1, 'Unavailable');
    await sleep(200);
    // 4.9 C8: Charging -> Unavailable; never Available (nor Preparing) in between.
    assert.deepEqual(statusSequence(csms, 1), ['Available', 'Preparing', 'Charging', 'Unavailable']);
    assertNoCallErrors(csms);
  });

  it('5.2 connector 0 is the whole Charge Point: Inoperative makes connector 0 and connector 1 Unavailable; kept across a restart; Operative makes them Available', async () => {
    const rig = await startRig16();
    const { csms, agent, file } = rig;
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 0, operative: false })).response, { status: 'Accepted' });
    await waitForStatus(csms, 0, 'Unavailable');
    await waitForStatus(csms, 1, 'Unavailable');
    await stopAgent(agent);
    csms.clearMessages(ID);
    const again = await startAgent(file);
    await waitForAccepted16(csms, again.agent);
    assert.equal(lastStatus(csms, 0)!.status, 'Unavailable', 'persisted');
    assert.equal(lastStatus(csms, 1)!.status, 'Unavailable', 'persisted');
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 1, idTag: TAG }), { status: 'Rejected' });
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 0, operative: true })).response, { status: 'Accepted' });
    await waitForStatus(csms, 0, 'Available');
    await waitForStatus(csms, 1, 'Available');
    assertNoCallErrors(csms);
  });

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

  it('5.2 a connector Inoperative is kept across a restart too', async () => {
    const rig = await startRig16();
    const { csms, agent, file } = rig;
    assert.deepEqual((await csms.changeAvailability(ID, { connectorId: 1, operative: false })).response, { status: 'Accepted' });
    await waitForStatus(csms, 1, 'Unavailable');
    await stopAgent(agent);
    csms.clearMessages(ID);
    const again = await startAgent(file);
    await waitForAccepted16(csms, again.agent);
    assert.equal(lastStatus(csms, 1)!.status, 'Unavailable');
    assert.equal(lastStatus(csms, 0)!.status, 'Available');
    assertNoCallErrors(csms);
  });

  for (const type of ['Soft', 'Hard'] as const) {
    it(`5.14 Reset ${type} during a transaction: Accepted, StopTransaction reason ${type}Reset delivered before the restart; the agent restarts and boots again`, async () => {
      const rig = await startRig16();
      const { csms, agent, file } = rig;
      const { transactionId } = await startCharging16(rig);
      assert.deepEqual((await csms.resetStation(ID, { type })).response, { status: 'Accepted' });
      assert.equal(await restartWithin(agent, 3000), 'RemoteReset');
      assert.equal(relayClosed(agent), false);
      await stopAgent(agent);
      const stops = stopTransactions(csms);
      assert.equal(stops.length, 1);
      assert.equal(stops[0]!.transactionId, transactionId);
      assert.equal(stops[0]!.reason, `${type}Reset`);
      const messages = csms.station(ID)!.messages;
      const stopRecord = messages.find((m) => m.kind === 'call' && m.action === 'StopTransaction')!;
      assert.ok(
        messages.some((m) => m.kind === 'callResult' && m.messageId === stopRecord.messageId),
        'the StopTransaction was answered before the restart',
      );
      const again = await startAgent(file, { bootReason: 'RemoteReset' });
      await until(() => calls(csms, 'BootNotification').length === 2, 5000, 'a second boot');
      await waitForAccepted16(csms, again.agent);
      assert.deepEqual(Object.keys(calls<BootNotificationRequest>(csms, 'BootNotification')[1]!).sort(), Object.keys(calls(csms, 'BootNotification')[0]).sort());
      assertNoCallErrors(csms);
    });
  }

  it('5.14 Reset without a transaction: Accepted and the restart at once; nothing else sent', async () => {
    const { csms, agent } = await startRig16();
    const before = csms.station(ID)!.messages.length;
    assert.deepEqual((await csms.resetStation(ID, { type: 'Hard' })).response, { status: 'Accepted' });
    assert.equal(await restartWithin(agent, 1000), 'RemoteReset');
    assert.deepEqual(
      csms.station(ID)!.messages.slice(before).filter((m) => m.direction === 'fromStation' && m.kind === 'call').map((m) => m.action),
      [],
    );
    assertNoCallErrors(csms);
  });

  for (const type of ['Soft', 'Hard'] as const) {
    it(`5.14 / 4.9 after a Reset ${type} with the cable still in, the new boot reports connector 1 Preparing, never Available, and the meter register goes on from where it was`, async () => {
      // The world (plug, EV, meter register) is the process', as run's loop keeps it: it outlives the agent.
      const world = new SimulatedWorld();
      try {
        const csms = await startCsms();
        const startWh = 5000;
        const file = configFile16(csms.url, (d) => (d['meter'] = { ...d['meter'], simulation: { ...d['meter'].simulation, startEnergyWh: startWh } }));
        const { agent, events } = await startAgent(file, { world });
        await waitForAccepted16(csms, agent);
        await startCharging16({ csms, agent, events, file });
        await sleep(1000);
        assert.deepEqual((await csms.resetStation(ID, { type })).response, { status: 'Accepted' });
        assert.equal(await restartWithin(agent, 3000), 'RemoteReset');
        await stopAgent(agent);
        const stop = stopTransactions(csms)[0]!;
        assert.equal(stop.reason, `${type}Reset`);
        assert.ok(stop.meterStop > startWh, `energy was delivered: ${stop.meterStop} Wh`);

        const again = await startAgent(file, { bootReason: 'RemoteReset', world });
        await until(() => calls(csms, 'BootNotification').length === 2, 5000, 'a second boot');
        await waitForAccepted16(csms, again.agent);
        const secondBoot = callRecords(csms, 'BootNotification')[1]!;
        const after = (): Array<{ seq: number; payload: StatusNotificationRequest }> => callRecords<StatusNotificationRequest>(csms, 'StatusNotification').filter((m) => m.seq > secondBoot.seq);
        await until(() => after().some((m) => m.payload.connectorId === 1), 5000, 'connector 1 reported after the second boot');
        assert.deepEqual(
          after().filter((m) => m.payload.connectorId === 1).map((m) => m.payload.status),
          ['Preparing'],
          'the cable is still in: Preparing, never Available',
        );
        assert.equal(relayClosed(again.agent), false, 'no transaction runs: the relay stays open');
        await until(() => again.agent.hardware.evses[0]!.meter.latest !== undefined, 3000, 'a meter reading');
        const registerWh = Math.floor(again.agent.hardware.evses[0]!.meter.latest!.energyImportWh);
        assert.ok(registerWh >= Math.floor(stop.meterStop), `the register went on from ${stop.meterStop} Wh, not back to ${startWh} Wh: ${registerWh} Wh`);
        await stopAgent(again.agent);
        assertNoCallErrors(csms);
      } finally {
        await world.close();
      }
    });
  }
});
