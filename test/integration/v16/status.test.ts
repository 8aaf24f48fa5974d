import assert from 'node:assert/strict';
import {
  afterEachTest,
  assertNoCallErrors,
  ID,
  plugIn,
  relayClosed,
  setKey,
  sleep,
  startCharging16,
  startRig16,
  statusSequence,
  tag,
  TAG,
  unplug,
  waitForStatus,
  waitForStop,
  withSecondEvse,
} from './rig.js';

/**
 * OCPP 1.6 4.9 StatusNotification: a tag before the vehicle, connector 0, faults with their error
 * codes (7.6), and 9.1.19 MinimumStatusDuration. A session's statuses from card to card are shared
 * with 2.0.1: ../scenarios/transactions.test.ts.
 */

describe('OCPP 1.6 integration: StatusNotification (4.9)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('4.9 a tag presented before the vehicle: Preparing at once, Charging at plug-in; 9.1.9 ConnectionTimeOut without a vehicle: Available again (B1)', async () => {
    const { csms, agent } = await startRig16();
    assert.equal((await agent.station.presentIdToken(1, tag(TAG))).outcome, 'authorized');
    await waitForStatus(csms, 1, 'Preparing');
    await plugIn(agent);
    await waitForStatus(csms, 1, 'Charging');
    await agent.station.presentIdToken(1, tag(TAG));
    await unplug(agent);
    await waitForStatus(csms, 1, 'Available');
    await setKey(csms, 'ConnectionTimeOut', '1');
    assert.equal((await agent.station.presentIdToken(1, tag(TAG))).outcome, 'authorized');
    await waitForStatus(csms, 1, 'Preparing');
    await waitForStatus(csms, 1, 'Available', 3000);
    assert.deepEqual(statusSequence(csms, 1), ['Available', 'Preparing', 'Charging', 'Finishing', 'Available', 'Preparing', 'Available']);
    assertNoCallErrors(csms);
  });

  it('4.9 SuspendedEV while the EV draws no current (for evIdleAfterS), Charging again when it draws', async () => {
    const rig = await startRig16();
    const { csms, agent } = rig;
    await startCharging16(rig);
    await waitForStatus(csms, 1, 'Charging');
    agent.hardware.simulation.setEvCharging(1, false);
    await waitForStatus(csms, 1, 'SuspendedEV', 4000);
    assert.equal(relayClosed(agent), true, 'the EVSE still offers energy');
    agent.hardware.simulation.setEvCharging(1, true);
    await waitForStatus(csms, 1, 'Charging', 4000);
    assert.deepEqual(statusSequence(csms, 1), ['Available', 'Preparing', 'Charging', 'SuspendedEV', 'Charging']);
    assertNoCallErrors(csms);
  });

  it('4.9/7.6 an emergency stop faults connector 0 and connector 1 (OtherError) and ends the transaction (EmergencyStop); released: connector 0 Available, connector 1 Finishing, then Available', async () => {
    const rig = await startRig16();
    const { csms, agent } = rig;
    const { transactionId } = await startCharging16(rig);
    agent.hardware.simulation.setInput('emergencyStop', true);
    const c1 = await waitForStatus(csms, 1, 'Faulted');
    const c0 = await waitForStatus(csms, 0, 'Faulted');
    assert.equal(c1.errorCode, 'OtherError');
    assert.equal(c0.errorCode, 'OtherError');
    assert.equal(relayClosed(agent), false);
    const stop = await waitForStop(csms);
    assert.equal(stop.transactionId, transactionId);
    assert.equal(stop.reason, 'EmergencyStop');
    agent.hardware.simulation.setInput('emergencyStop', false);
    await waitForStatus(csms, 0, 'Available');
    await waitForStatus(csms, 1, 'Finishing');
    await unplug(agent);
    await waitForStatus(csms, 1, 'Available');
    assert.equal(relayClosed(agent), false, 'no energy after the fault clears: the transaction is over');
    assertNoCallErrors(csms);
  });

  it('7.6 an RCD trip faults its connector with GroundFailure, not connector 0; cleared, Available again', async () => {
    const { csms, agent } = await startRig16();
    agent.hardware.simulation.setInput('rcd', true);
    const faulted = await waitForStatus(csms, 1, 'Faulted');
    assert.equal(faulted.errorCode, 'GroundFailure');
    agent.hardware.simulation.setInput('rcd', false);
    await waitForStatus(csms, 1, 'Available');
    assert.deepEqual(statusSequence(csms, 0), ['Available']);
    assertNoCallErrors(csms);
  });

  it('7.6 a meter that stops answering faults its connector with PowerMeterFailure; answering again, Available', async () => {
    const { csms, agent } = await startRig16({ config: (doc) => (doc['meter'] = { ...doc['meter'], failAfterPolls: 2, retries: 0 }) });
    const device = agent.hardware.simulation.meterDevice(1)!;
    device.fault = { mode: 'exception', code: 4 };
    const faulted = await waitForStatus(csms, 1, 'Faulted', 4000);
    assert.equal(faulted.errorCode, 'PowerMeterFailure');
    device.fault = { mode: 'none' };
    await waitForStatus(csms, 1, 'Available', 4000);
    assert.deepEqual(statusSequence(csms, 0), ['Available']);
    assertNoCallErrors(csms);
  });

  it('9.1.19 MinimumStatusDuration: a status held shorter than it is not reported; one held longer is, once it has lasted that long', async () => {
    const { csms, agent } = await startRig16();
    await setKey(csms, 'MinimumStatusDuration', '1');
    await plugIn(agent);
    await sleep(150);
    await unplug(agent);
    await sleep(1300);
    assert.deepEqual(statusSequence(csms, 1), ['Available'], 'the short Preparing was not reported');
    const pluggedAt = Date.now();
    await plugIn(agent);
    await waitForStatus(csms, 1, 'Preparing', 3000);
    const record = csms.station(ID)!.messages.filter((m) => m.kind === 'call' && m.action === 'StatusNotification').at(-1)!;
    const held = record.at.getTime() - pluggedAt;
    assert.ok(held >= 950, `reported after ${held} ms, not before MinimumStatusDuration`);
    assertNoCallErrors(csms);
  });

  it('9.1.19 MinimumStatusDuration is per connector: changes on another connector do not hold back one that has lasted long enough', async () => {
    const { csms, agent } = await startRig16({ config: withSecondEvse });
    await setKey(csms, 'MinimumStatusDuration', '1');
    const pluggedAt = Date.now();
    await plugIn(agent, 1);
    // Connector 2 blinks every 250 ms meanwhile: each blink is too short to report.
    for (let i = 0; i < 8; i++) {
      agent.hardware.simulation.setPlugged(2, 1, i % 2 === 0);
      await sleep(250);
    }
    agent.hardware.simulation.setPlugged(2, 1, false);
    const record = csms.station(ID)!.messages.find((m) => m.kind === 'call' && m.action === 'StatusNotification' && (m.payload as { connectorId: number }).connectorId === 1 && (m.payload as { status: string }).status === 'Preparing');
    assert.ok(record, `connector 1 reported Preparing within 2 s (reported: ${statusSequence(csms, 1).join(', ')})`);
    const held = record.at.getTime() - pluggedAt;
    assert.ok(held >= 950 && held < 1800, `reported ${held} ms after the plug, once it had held for 1 s`);
    await sleep(1200);
    assert.deepEqual(statusSequence(csms, 2), ['Available'], 'the blinks of connector 2 were not reported');
    assertNoCallErrors(csms);
  });

  it('4.9 free charging: the vehicle charges at plug-in; the last status sent is Charging, and the LEDs and GET /api/status say Charging too', async () => {
    const { csms, agent } = await startRig16({ config: (d) => (d['charging'] = { ...d['charging'], authorization: 'free', freeIdToken: { idToken: 'HOME', type: 'Local' } }) });
    await plugIn(agent);
    await waitForStatus(csms, 1, 'Charging');
    await sleep(300);
    assert.equal(statusSequence(csms, 1).at(-1), 'Charging', `statuses: ${statusSequence(csms, 1).join(', ')}`);
    assert.equal(agent.status().evses[0]!.leds?.state, 'Charging');
    assertNoCallErrors(csms);
  });
});
