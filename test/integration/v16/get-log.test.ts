import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { AgentLogFile, type AgentLogRecord } from '../../../src/services/diagnostics/agent-log.js';
import { ARCHIVE_MEMBERS } from '../../../src/services/diagnostics/archive.js';
import { FTP_READ_WRITE, startFtpServer } from '../../helpers/ftp-server.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { UploadServer, unpackTarGz } from '../upload-server.js';
import { afterEachTest, assertCallError, assertNoCallErrors, calls, ID, rawCall, startRig16, until, type Rig } from './rig.js';

/**
 * The OCPP 1.6 security whitepaper's N01 (GetLog, LogStatusNotification) and 5.5
 * ExtendedTriggerMessage against the dev CSMS, uploaded to a real HTTP server on 127.0.0.1: the
 * archive arrives and unpacks, the statuses come in order with the requestId, the failures, a
 * second request (AcceptedCanceled), and a malformed GetLog answered with 1.6's CALLERROR.
 */

interface LogStatus16 {
  status: string;
  requestId?: number;
}

const logStatuses = (csms: DevCsms): LogStatus16[] => calls<LogStatus16>(csms, 'LogStatusNotification');

async function statusesUntil(csms: DevCsms, final: string, timeoutMs = 8000): Promise<LogStatus16[]> {
  await until(() => logStatuses(csms).some((s) => s.status === final), timeoutMs, `LogStatusNotification ${final}`);
  return logStatuses(csms);
}

interface GetLogAnswer {
  status: string;
  filename?: string;
}

const startRig = (): Promise<Rig> => startRig16();

describe('OCPP 1.6 integration: security whitepaper GetLog (N01) and ExtendedTriggerMessage', function () {
  this.timeout(20000);
  let server: UploadServer;
  beforeEach(async () => {
    server = await UploadServer.start();
  });
  afterEach(async function (this: Mocha.Context) {
    await server.stop();
    await afterEachTest.call(this);
  });

  it('N01.FR.01/02/04/07-09 DiagnosticsLog: Accepted with the file name; Uploading then Uploaded with the requestId; the .tar.gz holds the agent.log lines of the window only', async () => {
    const { csms, agent } = await startRig();
    // Three records an hour apart; the window takes the middle one.
    let stamp = new Date('2026-01-10T08:00:00.000Z');
    const agentLog = new AgentLogFile(agent.config.storage.dir, { now: () => stamp });
    for (const text of ['before the window', 'inside the window', 'after the window']) {
      agentLog.record('info', text);
      stamp = new Date(stamp.getTime() + 3600_000);
    }
    agentLog.close();
    const window = { oldestTimestamp: '2026-01-10T08:30:00.000Z', latestTimestamp: '2026-01-10T09:30:00.000Z' };
    const answer = (await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 61, log: { remoteLocation: server.url('/logs/'), ...window } })) as GetLogAnswer;
    assert.equal(answer.status, 'Accepted');
    assert.match(answer.filename ?? '', /^EVSE-SIM-001-DiagnosticsLog-\d{8}T\d{6}Z\.tar\.gz$/);
    assert.deepEqual(await statusesUntil(csms, 'Uploaded'), [
      { status: 'Uploading', requestId: 61 },
      { status: 'Uploaded', requestId: 61 },
    ]);
    assert.equal(server.received.length, 1);
    const upload = server.received[0]!;
    assert.ok(upload.path.endsWith(answer.filename!), `${upload.path} names the file`);
    const members = await unpackTarGz(upload.body);
    const lines = (members.get(ARCHIVE_MEMBERS.agentLog) ?? '').split('\n').filter((l) => l.trim() !== '');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as AgentLogRecord).message),
      ['inside the window'],
    );
    assert.ok(![...members.values()].some((text) => text.includes('upload-secret-77')), 'the upload password is not in it');
    assert.deepEqual(calls(csms, 'DiagnosticsStatusNotification'), [], 'a GetLog is told by LogStatusNotification only');
    assertNoCallErrors(csms);
  });

  it('N01.FR.03 SecurityLog: the archive holds security.log and no frames', async () => {
    const { csms } = await startRig();
    const answer = (await csms.call(ID, 'GetLog', { logType: 'SecurityLog', requestId: 62, log: { remoteLocation: server.url('/sec/') } })) as GetLogAnswer;
    assert.equal(answer.status, 'Accepted');
    assert.match(answer.filename ?? '', /-SecurityLog-/);
    await statusesUntil(csms, 'Uploaded');
    const members = await unpackTarGz(server.received[0]!.body);
    assert.ok(members.has(ARCHIVE_MEMBERS.securityLog), `members: ${[...members.keys()].join(', ')}`);
    assert.equal(members.has(ARCHIVE_MEMBERS.frames), false, 'a security log only');
  });

  it('N01 by FTP (the whitepaper\'s recommended transfer): the file lands in the folder under its name and unpacks', async () => {
    const home = makeTempDir('ftp-home');
    mkdirSync(path.join(home, 'logs'));
    const ftp = await startFtpServer({ users: [{ name: 'writer', password: 'ftp-secret-3', home, perm: FTP_READ_WRITE }] });
    try {
      const { csms } = await startRig();
      const answer = (await csms.call(ID, 'GetLog', { logType: 'SecurityLog', requestId: 63, log: { remoteLocation: ftp.url('writer', 'ftp-secret-3', '/logs/') } })) as GetLogAnswer;
      assert.deepEqual(await statusesUntil(csms, 'Uploaded'), [
        { status: 'Uploading', requestId: 63 },
        { status: 'Uploaded', requestId: 63 },
      ]);
      assert.deepEqual(readdirSync(path.join(home, 'logs')), [answer.filename]);
      const members = await unpackTarGz(readFileSync(path.join(home, 'logs', answer.filename!)));
      assert.ok(members.has(ARCHIVE_MEMBERS.securityLog));
    } finally {
      await ftp.close();
    }
  });

  it('N01.FR.11/12: a second GetLog while the first waits for its retry is AcceptedCanceled and the first ends; ExtendedTriggerMessage tells Uploading with the requestId, then Idle', async () => {
    const { csms } = await startRig();
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 71, retries: 5, retryInterval: 60, log: { remoteLocation: 'http://127.0.0.1:1/logs/' } });
    await until(() => logStatuses(csms).length === 1, 5000, 'Uploading');
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
    await until(() => logStatuses(csms).length === 2, 5000, 'the triggered status');
    const second = (await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 72, log: { remoteLocation: server.url('/logs/') } })) as GetLogAnswer;
    assert.equal(second.status, 'AcceptedCanceled');
    assert.match(second.filename ?? '', /\.tar\.gz$/);
    // 1.6 has no AcceptedCanceled status: the first upload just ends, never Uploaded nor failed.
    assert.deepEqual(await statusesUntil(csms, 'Uploaded'), [
      { status: 'Uploading', requestId: 71 },
      { status: 'Uploading', requestId: 71 },
      { status: 'Uploading', requestId: 72 },
      { status: 'Uploaded', requestId: 72 },
    ]);
    assert.equal(server.received.length, 1);
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
    await until(() => logStatuses(csms).length === 5, 5000, 'the triggered Idle');
    assert.deepEqual(logStatuses(csms).at(-1), { status: 'Idle' }, 'N01.FR.12: no requestId when nothing runs');
    assertNoCallErrors(csms);
  });

  it('N01.FR.10: a 403 is PermissionDenied at once; an unreachable server UploadFailure after 1 + retries attempts, retryInterval apart', async () => {
    const { csms } = await startRig();
    server.answerStatus = 403;
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 81, retries: 3, retryInterval: 1, log: { remoteLocation: server.url('/logs/') } });
    assert.deepEqual(await statusesUntil(csms, 'PermissionDenied'), [
      { status: 'Uploading', requestId: 81 },
      { status: 'PermissionDenied', requestId: 81 },
    ]);
    assert.equal(server.received.length, 1, 'a refusal is not tried again');
    const port = server.port;
    await server.stop();
    const started = Date.now();
    await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 82, retries: 2, retryInterval: 1, log: { remoteLocation: `http://127.0.0.1:${port}/logs/` } });
    assert.deepEqual((await statusesUntil(csms, 'UploadFailure')).slice(2), [
      { status: 'Uploading', requestId: 82 },
      { status: 'UploadFailure', requestId: 82 },
    ]);
    assert.ok(Date.now() - started >= 2000, 'two retries, a second apart');
    server = await UploadServer.start();
  });

  it('5.5 ExtendedTriggerMessage: LogStatusNotification Idle when nothing runs; Heartbeat as TriggerMessage; an unknown connector Rejected; SignChargePointCertificate and FirmwareStatusNotification NotImplemented', async () => {
    const { csms } = await startRig();
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
    await until(() => logStatuses(csms).length === 1, 5000, 'the triggered LogStatusNotification');
    assert.deepEqual(logStatuses(csms), [{ status: 'Idle' }]);
    const heartbeats = calls(csms, 'Heartbeat').length;
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
    await until(() => calls(csms, 'Heartbeat').length === heartbeats + 1, 5000, 'the triggered Heartbeat');
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 9 }), { status: 'Rejected' });
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }), { status: 'NotImplemented' });
    assert.deepEqual(await csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'NotImplemented' });
    assertNoCallErrors(csms);
  });

  it('a GetLog without log.remoteLocation: CALLERROR OccurenceConstraintViolation (1.6 spelling), nothing uploaded, and the next GetLog works', async () => {
    const { csms } = await startRig();
    const answer = await rawCall(csms, JSON.stringify([2, 'bad-getlog-1', 'GetLog', { logType: 'DiagnosticsLog', requestId: 91, log: {} }]), 'bad-getlog-1');
    assertCallError(answer, 'OccurenceConstraintViolation');
    assert.match(answer.error?.description ?? '', /remoteLocation/);
    const next = (await csms.call(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 92, log: { remoteLocation: server.url('/logs/') } })) as GetLogAnswer;
    assert.equal(next.status, 'Accepted');
    assert.deepEqual(await statusesUntil(csms, 'Uploaded'), [
      { status: 'Uploading', requestId: 92 },
      { status: 'Uploaded', requestId: 92 },
    ]);
    assert.equal(server.received.length, 1);
  });
});
