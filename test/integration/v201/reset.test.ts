import assert from 'node:assert/strict';
import type { BootNotificationRequest } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import type { StatusNotificationRequest } from 'ocpp-messages/v2.0/StatusNotificationRequest.js';
import { runCommand } from '../../../src/cli/commands/run.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  callRecords,
  calls,
  CARD,
  configFile,
  ID,
  relayClosed,
  restartWithin,
  sleep,
  startCharging,
  startCsms,
  startRig,
  txEvents,
  until,
  waitForTx,
} from './rig.js';

/**
 * OCPP 2.0.1 only resets (B12.FR.01/03 OnIdle during a transaction, B12.FR.08 one EVSE) and the run
 * loop restarting in-process; the resets shared with 1.6 are in ../scenarios/reset.test.ts.
 */

describe('OCPP 2.0.1 integration: reset (B11/B12)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

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
