import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { GetLogResponse, LogStatusNotificationRequest } from 'ocpp-messages/v2.0/index.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { ARCHIVE_MEMBERS } from '../../../src/services/diagnostics/archive.js';
import { UploadServer, unpackTarGz } from '../upload-server.js';
import { afterEachTest, assertNoCallErrors, calls, ID, logLines, sleep, startRig, until } from './rig.js';
import { serverTls, tlsFixture } from '../../services/diagnostics/upload-kit.js';

/**
 * N01 GetLog against the dev CSMS, uploaded to a real HTTP server on 127.0.0.1: the archive
 * arrives and unpacks, the LogStatusNotifications come in order with the requestId, and the
 * failures (unreachable, refused, a malformed URL) and a second request (AcceptedCanceled).
 */

const logStatuses = (csms: DevCsms): LogStatusNotificationRequest[] => calls<LogStatusNotificationRequest>(csms, 'LogStatusNotification');

async function statusesUntil(csms: DevCsms, final: string, timeoutMs = 8000): Promise<LogStatusNotificationRequest[]> {
  await until(() => logStatuses(csms).some((s) => s.status === final), timeoutMs, `LogStatusNotification ${final}`);
  return logStatuses(csms);
}

describe('OCPP 2.0.1 integration: GetLog (N01) to a real upload server', function () {
  this.timeout(20000);
  let server: UploadServer;
  beforeEach(async () => {
    server = await UploadServer.start();
  });
  afterEach(async function (this: Mocha.Context) {
    await server.stop();
    await afterEachTest.call(this);
  });

  it('N01.FR.01-04/07-09 DiagnosticsLog: Accepted with the file name; Uploading then Uploaded with the requestId; the .tar.gz arrives under that name, unpacks, and holds no secret', async () => {
    const { csms } = await startRig();
    const answer = (await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 41, log: { remoteLocation: server.url('/logs/') } })) as GetLogResponse;
    assert.equal(answer.status, 'Accepted');
    assert.match(answer.filename ?? '', /^EVSE-SIM-001-DiagnosticsLog-\d{8}T\d{6}Z\.tar\.gz$/);
    assert.deepEqual(await statusesUntil(csms, 'Uploaded'), [
      { status: 'Uploading', requestId: 41 },
      { status: 'Uploaded', requestId: 41 },
    ]);
    assert.equal(server.received.length, 1);
    const upload = server.received[0]!;
    assert.equal(upload.method, 'PUT');
    assert.ok(upload.path.endsWith(answer.filename!), `${upload.path} names the file`);
    assert.equal(upload.authorization, `Basic ${Buffer.from('logger:upload-secret-77').toString('base64')}`);
    const members = await unpackTarGz(upload.body);
    assert.ok(members.size > 0, 'some members');
    const everything = [...members.values()].join('\n');
    assert.ok(members.get(ARCHIVE_MEMBERS.frames)?.includes('BootNotification'), 'the frames of the boot are in it');
    assert.ok(!everything.includes('upload-secret-77'), 'the upload password is not (N01.FR.17)');
    assertNoCallErrors(csms);
  });

  it('N01 oldestTimestamp / latestTimestamp: only what happened in the window', async () => {
    const { csms } = await startRig();
    await sleep(50);
    const from = new Date();
    await csms.call(ID, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    await csms.waitFor(ID, 'Heartbeat');
    await sleep(50);
    const to = new Date();
    await sleep(50);
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 40, log: { remoteLocation: server.url('/logs/'), oldestTimestamp: from.toISOString(), latestTimestamp: to.toISOString() } });
    await statusesUntil(csms, 'Uploaded');
    const frames = (await unpackTarGz(server.received[0]!.body)).get(ARCHIVE_MEMBERS.frames) ?? '';
    const records = frames.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { time: string; text: string });
    assert.ok(records.some((r) => r.text.includes('"Heartbeat"')), 'the Heartbeat inside the window');
    assert.ok(!frames.includes('BootNotification'), 'not the boot before it');
    assert.ok(!frames.includes('GetLog'), 'not the GetLog after it');
    for (const r of records) assert.ok(Date.parse(r.time) >= from.getTime() && Date.parse(r.time) <= to.getTime(), r.time);
  });

  it('N01.FR.03 SecurityLog: uploaded the same way', async () => {
    const { csms } = await startRig();
    const answer = (await csms.call(ID, 'GetLog', { logType: 'SecurityLog', requestId: 42, log: { remoteLocation: server.url('/sec/') } })) as GetLogResponse;
    assert.equal(answer.status, 'Accepted');
    assert.match(answer.filename ?? '', /-SecurityLog-/);
    await statusesUntil(csms, 'Uploaded');
    const members = await unpackTarGz(server.received[0]!.body);
    assert.ok(members.get(ARCHIVE_MEMBERS.securityLog)?.includes('StartupOfTheDevice'), 'A04: the start\'s security event');
    assert.equal(members.has(ARCHIVE_MEMBERS.frames), false, 'a security log only');
  });

  it('N01.FR.10: an unreachable server is tried 1 + retries times, retryInterval apart, then one UploadFailure', async () => {
    const { csms } = await startRig();
    const port = server.port;
    await server.stop();
    const started = Date.now();
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 43, retries: 2, retryInterval: 1, log: { remoteLocation: `http://127.0.0.1:${port}/logs/` } });
    assert.deepEqual(await statusesUntil(csms, 'UploadFailure'), [
      { status: 'Uploading', requestId: 43 },
      { status: 'UploadFailure', requestId: 43 },
    ]);
    assert.ok(Date.now() - started >= 2000, 'two retries, a second apart');
    server = await UploadServer.start();
  });

  it('a 403 from the server is PermissionDenied, with no retry', async () => {
    const { csms } = await startRig();
    server.answerStatus = 403;
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 44, retries: 3, retryInterval: 1, log: { remoteLocation: server.url('/logs/') } });
    assert.deepEqual(await statusesUntil(csms, 'PermissionDenied'), [
      { status: 'Uploading', requestId: 44 },
      { status: 'PermissionDenied', requestId: 44 },
    ]);
    assert.equal(server.received.length, 1);
  });

  it('HTTPS: the server is verified against ocpp.caFile as the OCPP connection is; one signed by another CA is UploadFailure after the retries', async () => {
    const secure = await UploadServer.start(serverTls);
    try {
      const { csms } = await startRig({ config: (doc) => (doc['ocpp'] = { ...doc['ocpp'], caFile: tlsFixture('ca.pem') }) });
      await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 46, log: { remoteLocation: secure.url('/logs/') } });
      assert.deepEqual((await statusesUntil(csms, 'Uploaded')).at(-1), { status: 'Uploaded', requestId: 46 });
      assert.equal(secure.received.length, 1);
    } finally {
      await secure.stop();
    }
    const untrusted = await UploadServer.start({ key: readFileSync(tlsFixture('other-server.key')), cert: readFileSync(tlsFixture('other-server.pem')) });
    try {
      const { csms } = await startRig({ config: (doc) => (doc['ocpp'] = { ...doc['ocpp'], caFile: tlsFixture('ca.pem') }) });
      await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 47, retries: 1, retryInterval: 1, log: { remoteLocation: untrusted.url('/logs/') } });
      assert.deepEqual(await statusesUntil(csms, 'UploadFailure'), [
        { status: 'Uploading', requestId: 47 },
        { status: 'UploadFailure', requestId: 47 },
      ]);
      assert.equal(untrusted.received.length, 0, 'nothing sent to a server that could not be verified');
      assert.ok(logLines.some((l) => /upload of .* failed \(tls\): .*certificate/.test(l)), 'the log says why');
    } finally {
      await untrusted.stop();
    }
  });

  it('a malformed URL is BadMessage; an unknown scheme NotSupportedOperation', async () => {
    const { csms } = await startRig();
    assert.equal(((await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 45, log: { remoteLocation: 'no url at all' } })) as GetLogResponse).status, 'Accepted');
    await statusesUntil(csms, 'BadMessage');
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 46, log: { remoteLocation: 'gopher://127.0.0.1/logs' } });
    assert.deepEqual(await statusesUntil(csms, 'NotSupportedOperation'), [
      { status: 'BadMessage', requestId: 45 },
      { status: 'NotSupportedOperation', requestId: 46 },
    ]);
  });

  it('N01.FR.12/20: a second GetLog while the first waits for its retry: AcceptedCanceled, the first AcceptedCanceled, the second Uploaded; TriggerMessage tells Idle after', async () => {
    const { csms } = await startRig();
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 47, retries: 5, retryInterval: 60, log: { remoteLocation: 'http://127.0.0.1:1/logs/' } });
    await until(() => logStatuses(csms).length === 1, 5000, 'Uploading');
    const second = (await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 48, log: { remoteLocation: server.url('/logs/') } })) as GetLogResponse;
    assert.equal(second.status, 'AcceptedCanceled');
    assert.deepEqual(await statusesUntil(csms, 'Uploaded'), [
      { status: 'Uploading', requestId: 47 },
      { status: 'AcceptedCanceled', requestId: 47 },
      { status: 'Uploading', requestId: 48 },
      { status: 'Uploaded', requestId: 48 },
    ]);
    assert.deepEqual(await csms.call(ID, 'TriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
    await until(() => logStatuses(csms).length === 5, 5000, 'the triggered LogStatusNotification');
    assert.deepEqual(logStatuses(csms).at(-1), { status: 'Idle' });
    assertNoCallErrors(csms);
  });

  it('N01.FR.12: a second GetLog while the first is being sent stops that transfer and uploads the second', async () => {
    const { csms } = await startRig();
    const slow = await UploadServer.start();
    slow.holdAnswers = true;
    try {
      await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 49, log: { remoteLocation: slow.url('/logs/') } });
      await until(() => slow.started === 1, 5000, 'the first transfer going on');
      const second = (await csms.call(ID, 'GetLog', { logType: 'SecurityLog', requestId: 50, log: { remoteLocation: server.url('/logs/') } })) as GetLogResponse;
      assert.equal(second.status, 'AcceptedCanceled');
      assert.deepEqual(await statusesUntil(csms, 'Uploaded'), [
        { status: 'Uploading', requestId: 49 },
        { status: 'AcceptedCanceled', requestId: 49 },
        { status: 'Uploading', requestId: 50 },
        { status: 'Uploaded', requestId: 50 },
      ]);
      assert.equal(server.received.length, 1);
      assert.match(server.received[0]!.path, /-SecurityLog-/);
    } finally {
      await slow.stop();
    }
  });
});
