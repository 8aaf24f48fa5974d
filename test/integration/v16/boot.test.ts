import assert from 'node:assert/strict';
import type { BootNotificationRequest, GetConfigurationResponse, StatusNotificationRequest } from 'ocpp-messages/v1.6/index.js';
import { firmwareVersion } from '../../../src/app/agent.js';
import { answers } from '../../../tools/dev-csms/dev-csms.js';
import { CallTimeout } from '../../../src/ocpp/rpc/rpc-errors.js';
import {
  afterEachTest,
  assertNoCallErrors,
  callRecords,
  calls,
  ID,
  plugIn,
  relayClosed,
  SERIAL,
  sleep,
  startCharging16,
  startCsms,
  startRig16,
  statuses16,
  stopCsms,
  tag,
  TAG,
  until,
  waitForStatus,
} from './rig.js';

/**
 * OCPP 1.6 4.2 BootNotification, 4.6 Heartbeat and the connection: a real agent speaking 1.6J to a
 * DevCsms that validates every message against the 1.6 schemas. The heartbeat at the interval and
 * the clock following the Central System are shared with 2.0.1: ../scenarios/boot.test.ts.
 */

function keyValue(answer: GetConfigurationResponse, key: string): string | undefined {
  return answer.configurationKey?.find((k) => k.key === key)?.value;
}

describe('OCPP 1.6 integration: boot, heartbeat, connection (4.2, 4.6)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('4.2 BootNotification describes the station (vendor, model, serial, firmware, meter); Accepted: then StatusNotification for connector 0 and connector 1, nothing before the answer; the interval becomes HeartbeatInterval', async () => {
    const { csms, agent } = await startRig16({ csms: { heartbeatIntervalS: 120 } });
    const boots = calls<BootNotificationRequest>(csms, 'BootNotification');
    assert.equal(boots.length, 1);
    assert.deepEqual(boots[0], {
      chargePointVendor: 'evse-agent',
      chargePointModel: 'simulator',
      chargePointSerialNumber: SERIAL,
      firmwareVersion: firmwareVersion(),
      meterType: agent.config.evses[0]!.meter.profile.model.slice(0, 25),
    });
    assert.equal(csms.station(ID)!.subprotocol, 'ocpp1.6');
    const bootAnswer = csms.station(ID)!.messages.find((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'BootNotification')!;
    assert.ok(
      callRecords(csms)
        .filter((m) => m.seq < bootAnswer.seq)
        .every((m) => m.action === 'BootNotification'),
      'nothing but BootNotification before the answer',
    );
    const sn = callRecords<StatusNotificationRequest>(csms, 'StatusNotification');
    assert.deepEqual(
      sn.map((m) => [m.payload.connectorId, m.payload.status, m.payload.errorCode]).sort(),
      [
        [0, 'Available', 'NoError'],
        [1, 'Available', 'NoError'],
      ],
    );
    assert.ok(sn.every((m) => m.seq > bootAnswer.seq));
    assert.equal(agent.configuration.getInt('HeartbeatInterval'), 120);
    assert.equal(keyValue(await csms.getConfiguration(ID, ['HeartbeatInterval']), 'HeartbeatInterval'), '120');
    assertNoCallErrors(csms);
  });

  it('4.2 Pending: nothing but BootNotification is sent (a vehicle plugs in, a tag is presented); GetConfiguration is answered, RemoteStartTransaction Rejected; what TriggerMessage asks for is sent; retried at the interval; Accepted: the statuses follow', async () => {
    const { csms, agent } = await startRig16({
      program: (c) => c.answer('BootNotification', answers.boot('Pending', 1)),
      waitForAcceptance: false,
    });
    await csms.waitFor(ID, 'BootNotification');
    await until(() => agent.adapter.bootState$.value === 'Pending', 2000, 'Pending');
    await plugIn(agent);
    const presented = await agent.station.presentIdToken(1, tag(TAG));
    assert.equal(presented.outcome, 'rejected', 'no Authorize can be sent while Pending');
    const got = await csms.getConfiguration(ID, ['NumberOfConnectors']);
    assert.deepEqual(got.configurationKey, [{ key: 'NumberOfConnectors', readonly: true, value: '1' }]);
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 1, idTag: TAG }), { status: 'Rejected' });
    assert.equal(relayClosed(agent), false);
    const firstAnswer = csms.station(ID)!.messages.find((m) => m.kind === 'callResult' && m.action === 'BootNotification')!;
    const second = await csms.waitForNext(ID, 'BootNotification', undefined, 3000);
    const waited = second.at.getTime() - firstAnswer.at.getTime();
    assert.ok(waited >= 950 && waited < 2000, `retried after ${waited} ms, expected the 1 s interval`);
    assert.deepEqual([...new Set(callRecords(csms).map((m) => m.action))], ['BootNotification'], 'nothing else while Pending');
    // 4.2: "unless it has been instructed by the Central System to do so with a TriggerMessage".
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'StatusNotification', connectorId: 1 })).response, { status: 'Accepted' });
    const triggered = await csms.waitFor<StatusNotificationRequest>(ID, 'StatusNotification', undefined, 2000);
    assert.equal(triggered.payload.connectorId, 1);
    assert.equal(triggered.payload.status, 'Preparing');
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'Heartbeat' })).response, { status: 'Accepted' });
    await csms.waitFor(ID, 'Heartbeat', undefined, 2000);

    csms.answer('BootNotification', answers.boot('Accepted', 300));
    await until(() => agent.adapter.bootState$.value === 'Accepted', 3000, 'Accepted');
    const accepted = csms.station(ID)!.messages.filter((m) => m.kind === 'callResult' && m.action === 'BootNotification').at(-1)!;
    await until(() => callRecords(csms, 'StatusNotification').filter((m) => m.seq > accepted.seq).length >= 2, 2000, 'statuses after Accepted');
    assert.deepEqual(
      callRecords<StatusNotificationRequest>(csms, 'StatusNotification')
        .filter((m) => m.seq > accepted.seq)
        .map((m) => [m.payload.connectorId, m.payload.status])
        .sort(),
      [
        [0, 'Available'],
        [1, 'Preparing'],
      ],
    );
    assertNoCallErrors(csms);
  });

  it('4.2 Rejected: nothing is sent until the interval expired; calls of the Central System are neither answered nor carried out; accepted at the retry', async () => {
    const { csms, agent } = await startRig16({
      program: (c) => c.answer('BootNotification', answers.boot('Rejected', 2)),
      waitForAcceptance: false,
    });
    await csms.waitFor(ID, 'BootNotification');
    await until(() => agent.adapter.bootState$.value === 'Rejected', 2000, 'Rejected');
    const rejectedAt = csms.station(ID)!.messages.find((m) => m.kind === 'callResult' && m.action === 'BootNotification')!.at.getTime();
    await plugIn(agent);
    await agent.station.presentIdToken(1, tag(TAG));
    const unanswered = (err: unknown): boolean => err instanceof CallTimeout;
    await assert.rejects(csms.call(ID, 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '10' }, { timeoutMs: 500 }), unanswered);
    await assert.rejects(csms.call(ID, 'RemoteStartTransaction', { connectorId: 1, idTag: TAG }, { timeoutMs: 500 }), unanswered);
    assert.equal(agent.configuration.getInt('HeartbeatInterval'), agent.config.ocpp.heartbeatIntervalS, 'the refused change was not made');
    assert.equal(agent.station.transactions().length, 0);
    csms.answer('BootNotification', answers.boot('Accepted', 300));
    const second = await csms.waitForNext(ID, 'BootNotification', undefined, 4000);
    const waited = second.at.getTime() - rejectedAt;
    assert.ok(waited >= 1950 && waited < 3000, `retried after ${waited} ms, expected the 2 s interval`);
    assert.deepEqual(
      callRecords(csms).map((m) => m.action),
      ['BootNotification', 'BootNotification'],
      'the station sent nothing between the two boots',
    );
    await until(() => agent.adapter.bootState$.value === 'Accepted', 2000, 'Accepted');
    await waitForStatus(csms, 1, 'Preparing');
    assert.equal(calls(csms, 'StartTransaction').length, 0, 'the tag presented while rejected did not start charging');
    assert.deepEqual(
      csms.station(ID)!.messages.filter((m) => m.direction === 'fromStation' && m.kind !== 'call').map((m) => [m.kind, m.action]),
      [],
      'no answer of any kind, even late, to the calls made while rejected',
    );
    assertNoCallErrors(csms);
  });

  it('4.2 Pending after a triggered BootNotification during a transaction: RemoteStopTransaction (as RemoteStartTransaction) is not allowed: Rejected, the transaction goes on', async () => {
    const rig = await startRig16();
    const { csms, agent } = rig;
    const { transactionId } = await startCharging16(rig);
    csms.answer('BootNotification', answers.boot('Pending', 60));
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'BootNotification' })).response, { status: 'Accepted' });
    await until(() => agent.adapter.bootState$.value === 'Pending', 2000, 'Pending');
    assert.deepEqual(await csms.remoteStopTransaction(ID, transactionId), { status: 'Rejected' });
    assert.deepEqual(await csms.remoteStartTransaction(ID, { idTag: 'OTHER' }), { status: 'Rejected' });
    await sleep(200);
    assert.equal(relayClosed(agent), true, 'still charging');
    assert.equal(calls(csms, 'StopTransaction').length, 0);
    assertNoCallErrors(csms);
  });

  it('OCPP-J 5.3 a Central System outage: the agent reconnects without a new BootNotification and sends only the statuses that changed meanwhile', async () => {
    const { csms, agent } = await startRig16();
    const port = csms.port;
    await stopCsms(csms);
    await until(() => !agent.client.isConnected, 2000, 'the connection to drop');
    await plugIn(agent);
    await sleep(100);
    const back = await startCsms({ port });
    await back.waitForConnection(ID, 4000);
    await until(() => statuses16(back).length >= 1, 3000, 'a StatusNotification');
    await sleep(300);
    assert.equal(calls(back, 'BootNotification').length, 0, 'a reconnect is not a reboot');
    assert.deepEqual(
      statuses16(back).map((s) => [s.connectorId, s.status]),
      [[1, 'Preparing']],
      'connector 0 did not change: not sent again',
    );
    assertNoCallErrors(back);
  });
});
