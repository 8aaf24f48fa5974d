import assert from 'node:assert/strict';
import { logStatuses, logStatusesUntil, UploadServer, type GetLogAnswer, type LogStatus } from '../upload-server.js';
import { afterEachTest, assertCallError, assertNoCallErrors, calls, ID, rawCall, startRig16, until } from './rig.js';

/**
 * What only 1.6 has around the security whitepaper's GetLog: 5.5 ExtendedTriggerMessage, that a
 * GetLog's upload is never told by 1.6 core's DiagnosticsStatusNotification, and a malformed
 * GetLog answered with 1.6's CALLERROR spelling. GetLog itself, the same in both versions, is
 * tested once for both in ../scenarios/get-log.test.ts.
 */

describe('OCPP 1.6 integration: ExtendedTriggerMessage and what is 1.6\'s own around GetLog', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('5.5 ExtendedTriggerMessage: LogStatusNotification Idle when nothing runs; Heartbeat as TriggerMessage; an unknown connector Rejected (FirmwareStatusNotification: v16/firmware.test.ts; SignChargePointCertificate: scenarios/certificate-renewal.test.ts)', async () => {
    const { csms } = await startRig16();
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
    await until(() => logStatuses(csms).length === 1, 5000, 'the triggered LogStatusNotification');
    assert.deepEqual(logStatuses(csms), [{ status: 'Idle' }], 'N01.FR.12: no requestId when nothing runs');
    const heartbeats = calls(csms, 'Heartbeat').length;
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
    await until(() => calls(csms, 'Heartbeat').length === heartbeats + 1, 5000, 'the triggered Heartbeat');
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 9 }), { status: 'Rejected' });
    assertNoCallErrors(csms);
  });

  it('N01.FR.12: ExtendedTriggerMessage LogStatusNotification during a GetLog\'s upload tells Uploading with its requestId, and Idle without one once it ended', async () => {
    const { csms } = await startRig16();
    /** The LogStatusNotification an ExtendedTriggerMessage brings. */
    const trigger = async (): Promise<LogStatus | undefined> => {
      const sent = logStatuses(csms).length;
      assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
      await until(() => logStatuses(csms).length === sent + 1, 5000, 'the triggered status');
      return logStatuses(csms)[sent];
    };
    // An unreachable server, tried once more a second later: the upload runs meanwhile.
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 71, retries: 1, retryInterval: 1, log: { remoteLocation: 'http://127.0.0.1:1/logs/' } });
    await until(() => logStatuses(csms).length === 1, 5000, 'Uploading');
    assert.deepEqual(await trigger(), { status: 'Uploading', requestId: 71 });
    assert.deepEqual((await logStatusesUntil(csms, 'UploadFailure')).at(-1), { status: 'UploadFailure', requestId: 71 });
    assert.deepEqual(await trigger(), { status: 'Idle' }, 'no requestId once the upload ended');
    assertNoCallErrors(csms);
  });

  it('a GetLog without log.remoteLocation: CALLERROR OccurenceConstraintViolation (1.6 spelling), nothing uploaded; the next GetLog works, told by LogStatusNotification only (no DiagnosticsStatusNotification)', async () => {
    const { csms } = await startRig16();
    const server = await UploadServer.start();
    try {
      const answer = await rawCall(csms, JSON.stringify([2, 'bad-getlog-1', 'GetLog', { logType: 'DiagnosticsLog', requestId: 91, log: {} }]), 'bad-getlog-1');
      assertCallError(answer, 'OccurenceConstraintViolation');
      assert.match(answer.error?.description ?? '', /remoteLocation/);
      const next = (await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 92, log: { remoteLocation: server.url('/logs/') } })) as GetLogAnswer;
      assert.equal(next.status, 'Accepted');
      assert.deepEqual(await logStatusesUntil(csms, 'Uploaded'), [
        { status: 'Uploading', requestId: 92 },
        { status: 'Uploaded', requestId: 92 },
      ]);
      assert.equal(server.received.length, 1);
      assert.deepEqual(calls(csms, 'DiagnosticsStatusNotification'), [], 'a GetLog is told by LogStatusNotification only');
    } finally {
      await server.stop();
    }
  });
});
