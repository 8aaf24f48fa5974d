import assert from 'node:assert/strict';
import type { BootNotificationRequest } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import type { StatusNotificationRequest } from 'ocpp-messages/v2.0/StatusNotificationRequest.js';
import { runCommand } from '../../../src/cli/commands/run.js';
import { SimulatedWorld } from '../../../src/hal/simulated-world.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  callRecords,
  calls,
  CARD,
  configFile,
  energyRegister,
  ID,
  relayClosed,
  restartWithin,
  sleep,
  startAgent,
  startCharging,
  startCsms,
  startRig,
  stopAgent,
  txEvents,
  until,
  waitForAccepted,
  waitForTx,
} from './rig.js';

/** B11/B12: Reset, with and without a transaction, as the runner carries it out (stop, start again). */

describe('OCPP 2.0.1 integration: reset (B11/B12)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('B12.FR.02/04 Immediate during a transaction: Accepted, Ended (ImmediateReset, ResetCommand) delivered before the restart; B11.FR.04 the station boots again with RemoteReset', async () => {
    const rig = await startRig();
    const { csms, agent, file } = rig;
    const txId = await startCharging(rig);
    await sleep(200);
    const { response } = await csms.resetStation(ID, { type: 'Immediate' });
    assert.deepEqual(response, { status: 'Accepted' });
    assert.equal(await restartWithin(agent, 3000), 'RemoteReset');
    assert.equal(relayClosed(agent), false);
    // The runner stops the agent: the Ended message goes out before the connection closes.
    await stopAgent(agent);
    const events = txEvents(csms, txId);
    assertContiguous(events);
    const ended = events.at(-1)!;
    assert.equal(ended.eventType, 'Ended');
    assert.equal(ended.triggerReason, 'ResetCommand');
    assert.equal(ended.transactionInfo.stoppedReason, 'ImmediateReset');
    const messages = csms.station(ID)!.messages;
    const endedRecord = messages.find((m) => m.kind === 'call' && m.action === 'TransactionEvent' && (m.payload as { eventType: string }).eventType === 'Ended')!;
    assert.ok(
      messages.some((m) => m.kind === 'callResult' && m.messageId === endedRecord.messageId),
      'B12.FR.04: the Ended message was answered before the reboot',
    );
    const disconnect = csms.station(ID)!.connections.find((c) => c.type === 'disconnected')!;
    assert.ok(disconnect.at.getTime() >= endedRecord.at.getTime());
    // The restart: a new agent on the same config boots with the reason.
    const again = await startAgent(file, { bootReason: 'RemoteReset' });
    await until(() => calls(csms, 'BootNotification').length === 2, 5000, 'a second boot');
    await waitForAccepted(csms, again.agent);
    assert.equal(calls<BootNotificationRequest>(csms, 'BootNotification')[1]!.reason, 'RemoteReset');
    assertNoCallErrors(csms);
  });

  it('B12.FR.01/03 OnIdle during a transaction: Scheduled; the restart waits for the transaction to end normally', async () => {
    const rig = await startRig();
    const { csms, agent } = rig;
    const txId = await startCharging(rig);
    const { response } = await csms.resetStation(ID, { type: 'OnIdle' });
    assert.deepEqual(response, { status: 'Scheduled' });
    assert.equal(await restartWithin(agent, 500), undefined, 'no restart while the transaction runs');
    assert.equal(relayClosed(agent), true, 'the transaction goes on');
    assert.equal(txEvents(csms, txId).filter((t) => t.eventType === 'Ended').length, 0);
    // The driver ends the session; then the station restarts.
    const result = await agent.station.presentIdToken(1, CARD);
    assert.equal(result.outcome, 'stopped');
    assert.equal(await restartWithin(agent, 3000), 'ScheduledReset');
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.transactionInfo.stoppedReason, 'Local');
    assert.equal(ended.triggerReason, 'StopAuthorized');
    assertContiguous(txEvents(csms, txId));
    assertNoCallErrors(csms);
  });

  it('B11.FR.01/03 OnIdle without a transaction: Accepted and the restart at once; an unknown EVSE Rejected', async () => {
    const { csms, agent } = await startRig();
    const unknown = await csms.resetStation(ID, { type: 'Immediate', evseId: 5 });
    assert.equal((unknown.response as { status: string }).status, 'Rejected');
    assert.equal(await restartWithin(agent, 200), undefined);
    const { response } = await csms.resetStation(ID, { type: 'OnIdle' });
    assert.deepEqual(response, { status: 'Accepted' });
    assert.equal(await restartWithin(agent, 1000), 'RemoteReset');
    assert.equal(txEvents(csms).length, 0);
    assertNoCallErrors(csms);
  });
  it('B12.FR.08 Immediate reset of one EVSE during its transaction: Accepted, Ended (ImmediateReset), no restart of the station', async () => {
    const rig = await startRig();
    const { csms, agent } = rig;
    const txId = await startCharging(rig);
    const { response } = await csms.resetStation(ID, { type: 'Immediate', evseId: 1 });
    assert.deepEqual(response, { status: 'Accepted' });
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.triggerReason, 'ResetCommand');
    assert.equal(ended.transactionInfo.stoppedReason, 'ImmediateReset');
    assertContiguous(txEvents(csms, txId));
    assert.equal(await restartWithin(agent, 300), undefined, 'the station itself goes on');
    assert.equal(relayClosed(agent), false);
    assertNoCallErrors(csms);
  });

  it('B01.FR.05 after an Immediate Reset the station reports what is physically true: the cable still in is Occupied at the new boot, and the meter register goes on from where it was', async () => {
    // The world (plug, EV, meter register) is the process', as run's loop keeps it: it outlives the agent.
    const world = new SimulatedWorld();
    try {
      const csms = await startCsms();
      const startWh = 5000;
      const file = configFile(csms.url, (d) => (d['meter'] = { ...d['meter'], simulation: { ...d['meter'].simulation, startEnergyWh: startWh } }));
      const { agent, events } = await startAgent(file, { world });
      await waitForAccepted(csms, agent);
      const txId = await startCharging({ csms, agent, events, file });
      await sleep(1000);
      assert.deepEqual((await csms.resetStation(ID, { type: 'Immediate' })).response, { status: 'Accepted' });
      assert.equal(await restartWithin(agent, 3000), 'RemoteReset');
      await stopAgent(agent);
      const ended = txEvents(csms, txId).at(-1)!;
      assert.equal(ended.eventType, 'Ended');
      const endWh = energyRegister(ended, 'Transaction.End');
      assert.ok(endWh > startWh, `energy was delivered: ${endWh} Wh`);

      const again = await startAgent(file, { bootReason: 'RemoteReset', world });
      await until(() => calls(csms, 'BootNotification').length === 2, 5000, 'a second boot');
      await waitForAccepted(csms, again.agent);
      const secondBoot = callRecords(csms, 'BootNotification')[1]!;
      await until(() => callRecords(csms, 'StatusNotification').some((m) => m.seq > secondBoot.seq), 5000, 'a status after the second boot');
      const after = callRecords<StatusNotificationRequest>(csms, 'StatusNotification').filter((m) => m.seq > secondBoot.seq);
      assert.deepEqual(
        after.map((m) => `${m.payload.evseId}/${m.payload.connectorId} ${m.payload.connectorStatus}`),
        ['1/1 Occupied'],
        'the cable is still in: Occupied, never Available',
      );
      assert.equal(relayClosed(again.agent), false, 'no transaction runs: the relay stays open');
      await until(() => again.agent.hardware.evses[0]!.meter.latest !== undefined, 3000, 'a meter reading');
      // To the Wh's thousandth, as the Ended message carries it.
      const registerWh = Math.round(again.agent.hardware.evses[0]!.meter.latest!.energyImportWh * 1000) / 1000;
      assert.ok(registerWh >= endWh, `the register went on from ${endWh} Wh, not back to ${startWh} Wh: ${registerWh} Wh`);
      await stopAgent(again.agent);
      assertNoCallErrors(csms);
    } finally {
      await world.close();
    }
  });
});

describe('evse-agent run: a Reset restarts the agent in-process on the same simulated world', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('B01.FR.05 a vehicle plugged in before an Immediate Reset is Occupied at the new boot (RemoteReset), never Available', async () => {
    const csms = await startCsms();
    const file = configFile(csms.url);
    let err = '';
    const controller = new AbortController();
    const done = runCommand({ stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, stop: controller.signal }, file);
    try {
      const statuses = (): StatusNotificationRequest[] => calls<StatusNotificationRequest>(csms, 'StatusNotification');
      await until(() => statuses().some((s) => s.connectorStatus === 'Available'), 5000, 'Available at the first boot');
      // The vehicle comes through the local API's simulation lever, as a developer would plug it in.
      const api = /local API on (http:\/\/[^/]+)\/api\/status/.exec(err)?.[1];
      assert.ok(api, err);
      assert.equal((await fetch(`${api}/api/sim/evses/1/connectors/1/plug`, { method: 'POST' })).status, 200);
      await until(() => statuses().at(-1)?.connectorStatus === 'Occupied', 5000, 'Occupied once plugged in');
      assert.deepEqual((await csms.resetStation(ID, { type: 'Immediate' })).response, { status: 'Accepted' });
      await until(() => calls(csms, 'BootNotification').length === 2, 8000, 'a second boot');
      assert.equal(calls<BootNotificationRequest>(csms, 'BootNotification')[1]!.reason, 'RemoteReset');
      const secondBoot = callRecords(csms, 'BootNotification')[1]!;
      const after = (): StatusNotificationRequest[] => callRecords<StatusNotificationRequest>(csms, 'StatusNotification').filter((m) => m.seq > secondBoot.seq).map((m) => m.payload);
      await until(() => after().length > 0, 5000, 'a status after the second boot');
      await sleep(300);
      assert.deepEqual(after().map((s) => s.connectorStatus), ['Occupied'], 'the cable is still in');
      assertNoCallErrors(csms);
    } finally {
      controller.abort();
    }
    assert.equal(await done, 0, err);
    assert.match(err, /restarting \(RemoteReset\)/);
  });
});
