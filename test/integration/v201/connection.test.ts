import assert from 'node:assert/strict';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  calls,
  configFile,
  ID,
  logLines,
  sleep,
  startAgent,
  startCharging,
  startCsms,
  startRig,
  statuses,
  stopCsms,
  txEvents,
  unplug,
  until,
  waitForAccepted,
  withSecondEvse,
} from './rig.js';

/**
 * The connection to the CSMS (Part 4 §5.3 back-off, B04 offline behaviour): the CSMS comes late,
 * goes away and comes back on the same port, as a real outage would look from the station.
 */

describe('OCPP 2.0.1 integration: connection and offline (Part 4 §5, B04)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('Part 4 §5.3 an agent started before the CSMS listens retries from the first attempt and boots once the CSMS is up', async () => {
    // A port that was free a moment ago, and is closed now.
    const probe = await startCsms();
    const port = probe.port;
    await stopCsms(probe);
    const { agent } = await startAgent(configFile(`ws://127.0.0.1:${port}/ocpp`));
    await until(() => logLines.filter((l) => l.includes('connection failed')).length >= 2, 4000, 'two failed attempts');
    assert.equal(agent.client.isConnected, false);
    assert.equal(agent.adapter.bootState$.value, 'NotBooted');
    const csms = await startCsms({ port });
    await csms.waitForConnection(ID, 3000);
    await waitForAccepted(csms, agent);
    assert.equal(calls(csms, 'BootNotification').length, 1);
    assert.equal(calls(csms, 'BootNotification')[0]!['reason'], 'PowerUp');
    assertNoCallErrors(csms);
  });

  it('a connection lost during a transaction comes back; the messages made offline follow in order with offline true, seqNo contiguous; B04.FR.02 after a short outage only the changed statuses are sent', async () => {
    const rig = await startRig({
      config: (doc) => {
        withSecondEvse(doc);
        doc['meterValues'] = { ...doc['meterValues'], txUpdatedIntervalS: 1 };
      },
    });
    const { csms, agent } = rig;
    const port = csms.port;
    const txId = await startCharging(rig);
    // What was made online is answered before the outage (a message is sent once its record is synced).
    await until(() => agent.adapter.queue.length === 0, 3000, 'the messages made online to be answered');
    const online = txEvents(csms, txId);
    await stopCsms(csms);
    await until(() => !agent.client.isConnected, 2000, 'the connection to drop');
    // Offline: the EV pauses, periodic values go on, then the EV leaves.
    agent.hardware.simulation.setEvCharging(1, false);
    await until(() => agent.station.transactions()[0]?.chargingState === 'SuspendedEV', 3000, 'SuspendedEV');
    await unplug(agent);
    await until(() => agent.station.transactions().length === 0, 2000, 'the transaction to end');
    const waiting = agent.adapter.queue.length;
    assert.ok(waiting >= 2, `${waiting} messages wait for the connection`);

    const back = await startCsms({ port });
    await back.waitForConnection(ID, 3000);
    await back.waitFor<TransactionEventRequest>(ID, 'TransactionEvent', (t) => t.eventType === 'Ended', 3000);
    const offline = txEvents(back, txId);
    assert.equal(offline.length, waiting);
    assert.ok(offline.every((t) => t.offline === true), 'offline: true on every message made offline');
    // One transaction, seqNo contiguous over both connections, in order.
    assertContiguous([...online, ...offline]);
    assert.ok(offline.some((t) => t.transactionInfo.chargingState === 'SuspendedEV'));
    assert.ok(offline.some((t) => t.triggerReason === 'MeterValuePeriodic'));
    assert.equal(offline.at(-1)!.transactionInfo.stoppedReason, 'EVDisconnected');
    const timestamps = offline.map((t) => Date.parse(t.timestamp));
    assert.deepEqual(timestamps, [...timestamps].sort((a, b) => a - b), 'in the order they happened');
    // A reconnect is not a reboot: no BootNotification. B04.FR.02: EVSE 1 changed, EVSE 2 did not.
    await until(() => statuses(back).length >= 1, 2000, 'a StatusNotification');
    await sleep(200);
    assert.equal(calls(back, 'BootNotification').length, 0);
    assert.deepEqual(
      statuses(back).map((s) => [s.evseId, s.connectorStatus]),
      [[1, 'Available']],
    );
    assert.equal(agent.adapter.queue.length, 0);
    assertNoCallErrors(back);
  });

  it('B04.FR.01 after an outage longer than OfflineThreshold every connector status is sent again', async () => {
    const { csms, agent } = await startRig({ config: withSecondEvse });
    const set = await csms.setVariables(ID, [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' }, attributeValue: '1' }]);
    assert.equal(set.setVariableResult[0].attributeStatus, 'Accepted');
    const port = csms.port;
    await stopCsms(csms);
    await until(() => !agent.client.isConnected, 2000, 'the connection to drop');
    await sleep(1500);
    const back = await startCsms({ port });
    await back.waitForConnection(ID, 3000);
    await until(() => statuses(back).length >= 2, 2000, 'both statuses');
    assert.deepEqual(
      statuses(back)
        .map((s) => [s.evseId, s.connectorId, s.connectorStatus])
        .sort(),
      [
        [1, 1, 'Available'],
        [2, 1, 'Available'],
      ],
    );
    assert.equal(calls(back, 'BootNotification').length, 0);
    assertNoCallErrors(back);
  });
});
