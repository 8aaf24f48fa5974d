import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AgentLogFile, type AgentLogRecord } from '../../../src/services/diagnostics/agent-log.js';
import { ARCHIVE_MEMBERS } from '../../../src/services/diagnostics/archive.js';
import { FTP_READ_WRITE, startFtpServer } from '../../helpers/ftp-server.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { serverTls, tlsFixture } from '../../services/diagnostics/upload-kit.js';
import { perVersion, startStation, VERSIONS, type AnyDriver, type OcppVersion } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, ID, logLines, sleep, until, type ConfigChanges } from '../harness.js';
import { logStatuses, logStatusesUntil, UploadServer, unpackTarGz, type GetLogAnswer, type LogStatus } from '../upload-server.js';

/**
 * GetLog, the same message in both versions (2.0.1 N01; the 1.6 security whitepaper's N01 with
 * LogStatusNotification), against the dev CSMS and a real upload server on 127.0.0.1 (HTTP,
 * HTTPS, FTP): the archive arrives and unpacks, the statuses come in order with the requestId,
 * the time window, the failures, and a second request (AcceptedCanceled). The one difference:
 * 1.6 has no AcceptedCanceled LogStatusNotification, the canceled upload just ends.
 */

const getLog = (d: AnyDriver, payload: object): Promise<GetLogAnswer> => d.csms.call(ID, 'GetLog', payload) as Promise<GetLogAnswer>;

/**
 * The statuses of an upload `first` that a second GetLog canceled, then of the second's upload:
 * 2.0.1 tells the cancel (N01.FR.20), the whitepaper has no such status and the first just ends.
 */
const canceledThenUploaded = (version: OcppVersion, first: number, second: number): LogStatus[] => [
  { status: 'Uploading', requestId: first },
  ...perVersion<LogStatus[]>(version, { '1.6': [], '2.0.1': [{ status: 'AcceptedCanceled', requestId: first }] }),
  { status: 'Uploading', requestId: second },
  { status: 'Uploaded', requestId: second },
];

const trustingTestCa: ConfigChanges = (doc) => {
  doc['ocpp'] = { ...doc['ocpp'], caFile: tlsFixture('ca.pem') };
};

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: GetLog (N01) to a real upload server`, function () {
    this.timeout(20000);
    let server: UploadServer;
    beforeEach(async () => {
      server = await UploadServer.start();
    });
    afterEach(async function (this: Mocha.Context) {
      await server.stop();
      await afterEachTest.call(this);
    });

    it('N01.FR.01-04/07-09 DiagnosticsLog: Accepted with the file name; Uploading then Uploaded with the requestId; PUT with the URL\'s credentials, under that name; the .tar.gz unpacks and holds no secret (N01.FR.17)', async () => {
      const d = await startStation(version);
      const answer = await getLog(d, { logType: 'DiagnosticsLog', requestId: 41, log: { remoteLocation: server.url('/logs/') } });
      assert.equal(answer.status, 'Accepted');
      assert.match(answer.filename ?? '', /^EVSE-SIM-001-DiagnosticsLog-\d{8}T\d{6}Z\.tar\.gz$/);
      assert.deepEqual(await logStatusesUntil(d.csms, 'Uploaded'), [
        { status: 'Uploading', requestId: 41 },
        { status: 'Uploaded', requestId: 41 },
      ]);
      assert.equal(server.received.length, 1);
      const upload = server.received[0]!;
      assert.equal(upload.method, 'PUT');
      assert.ok(upload.path.endsWith(answer.filename!), `${upload.path} names the file`);
      assert.equal(upload.authorization, `Basic ${Buffer.from('logger:upload-secret-77').toString('base64')}`);
      const members = await unpackTarGz(upload.body);
      assert.ok(members.get(ARCHIVE_MEMBERS.frames)?.includes('BootNotification'), 'the frames of the boot are in it');
      assert.ok(![...members.values()].some((text) => text.includes('upload-secret-77')), 'the upload password is not');
      assertNoCallErrors(d.csms);
    });

    it('N01.FR.02 oldestTimestamp / latestTimestamp: agent.log holds the lines of the window only', async () => {
      const d = await startStation(version);
      // Three records an hour apart, long before the boot; the window takes the middle one.
      let stamp = new Date('2026-01-10T08:00:00.000Z');
      const agentLog = new AgentLogFile(d.agent.config.storage.dir, { now: () => stamp });
      for (const text of ['before the window', 'inside the window', 'after the window']) {
        agentLog.record('info', text);
        stamp = new Date(stamp.getTime() + 3600_000);
      }
      agentLog.close();
      const window = { oldestTimestamp: '2026-01-10T08:30:00.000Z', latestTimestamp: '2026-01-10T09:30:00.000Z' };
      const answer = await getLog(d, { logType: 'DiagnosticsLog', requestId: 61, log: { remoteLocation: server.url('/logs/'), ...window } });
      assert.equal(answer.status, 'Accepted');
      await logStatusesUntil(d.csms, 'Uploaded');
      const members = await unpackTarGz(server.received[0]!.body);
      const lines = (members.get(ARCHIVE_MEMBERS.agentLog) ?? '').split('\n').filter((l) => l.trim() !== '');
      assert.deepEqual(
        lines.map((l) => (JSON.parse(l) as AgentLogRecord).message),
        ['inside the window'],
      );
      assert.ok(!(members.get(ARCHIVE_MEMBERS.frames) ?? '').includes('BootNotification'), 'no frame of the boot after the window');
    });

    it('N01.FR.02 the window holds the OCPP frames too: the Heartbeat inside it, not the boot before nor the GetLog after', async () => {
      const d = await startStation(version);
      await sleep(50);
      const from = new Date();
      // TriggerMessage Heartbeat is the same in both versions.
      await d.csms.call(ID, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
      await d.csms.waitFor(ID, 'Heartbeat');
      await sleep(50);
      const to = new Date();
      await sleep(50);
      await getLog(d, { logType: 'DiagnosticsLog', requestId: 40, log: { remoteLocation: server.url('/logs/'), oldestTimestamp: from.toISOString(), latestTimestamp: to.toISOString() } });
      await logStatusesUntil(d.csms, 'Uploaded');
      const frames = (await unpackTarGz(server.received[0]!.body)).get(ARCHIVE_MEMBERS.frames) ?? '';
      const records = frames.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { time: string; text: string });
      assert.ok(records.some((r) => r.text.includes('"Heartbeat"')), 'the Heartbeat inside the window');
      assert.ok(!frames.includes('BootNotification'), 'not the boot before it');
      assert.ok(!frames.includes('GetLog'), 'not the GetLog after it');
      for (const r of records) assert.ok(Date.parse(r.time) >= from.getTime() && Date.parse(r.time) <= to.getTime(), r.time);
    });

    it('N01.FR.03 SecurityLog: the archive holds security.log (2.0.1: with the start\'s A04 event) and no frames', async () => {
      const d = await startStation(version);
      const answer = await getLog(d, { logType: 'SecurityLog', requestId: 42, log: { remoteLocation: server.url('/sec/') } });
      assert.equal(answer.status, 'Accepted');
      assert.match(answer.filename ?? '', /-SecurityLog-/);
      await logStatusesUntil(d.csms, 'Uploaded');
      const members = await unpackTarGz(server.received[0]!.body);
      assert.ok(members.has(ARCHIVE_MEMBERS.securityLog), `members: ${[...members.keys()].join(', ')}`);
      // 2.0.1 A04 records the start as a security event; the 1.6 adapter raises no security events.
      if (d.version === '2.0.1') assert.ok(members.get(ARCHIVE_MEMBERS.securityLog)?.includes('StartupOfTheDevice'), 'A04: the start\'s security event');
      assert.equal(members.has(ARCHIVE_MEMBERS.frames), false, 'a security log only');
    });

    it('N01 by FTP (the whitepaper\'s recommended transfer): the file lands in the folder under its name and unpacks', async () => {
      const home = makeTempDir('ftp-home');
      mkdirSync(path.join(home, 'logs'));
      const ftp = await startFtpServer({ users: [{ name: 'writer', password: 'ftp-secret-3', home, perm: FTP_READ_WRITE }] });
      try {
        const d = await startStation(version);
        const answer = await getLog(d, { logType: 'SecurityLog', requestId: 63, log: { remoteLocation: ftp.url('writer', 'ftp-secret-3', '/logs/') } });
        assert.deepEqual(await logStatusesUntil(d.csms, 'Uploaded'), [
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

    it('N01.FR.10: an unreachable server is tried 1 + retries times, retryInterval apart, then one UploadFailure', async () => {
      const d = await startStation(version);
      const port = server.port;
      await server.stop();
      const started = Date.now();
      await getLog(d, { logType: 'DiagnosticsLog', requestId: 43, retries: 2, retryInterval: 1, log: { remoteLocation: `http://127.0.0.1:${port}/logs/` } });
      assert.deepEqual(await logStatusesUntil(d.csms, 'UploadFailure'), [
        { status: 'Uploading', requestId: 43 },
        { status: 'UploadFailure', requestId: 43 },
      ]);
      assert.ok(Date.now() - started >= 2000, 'two retries, a second apart');
      server = await UploadServer.start();
    });

    it('a 403 from the server is PermissionDenied at once, with no retry', async () => {
      const d = await startStation(version);
      server.answerStatus = 403;
      await getLog(d, { logType: 'DiagnosticsLog', requestId: 44, retries: 3, retryInterval: 1, log: { remoteLocation: server.url('/logs/') } });
      assert.deepEqual(await logStatusesUntil(d.csms, 'PermissionDenied'), [
        { status: 'Uploading', requestId: 44 },
        { status: 'PermissionDenied', requestId: 44 },
      ]);
      assert.equal(server.received.length, 1, 'a refusal is not tried again');
    });

    it('HTTPS: the server is verified against ocpp.caFile as the OCPP connection is; one signed by another CA is UploadFailure after the retries, and nothing is sent to it', async () => {
      const secure = await UploadServer.start(serverTls);
      try {
        const d = await startStation(version, { config: trustingTestCa });
        await getLog(d, { logType: 'DiagnosticsLog', requestId: 46, log: { remoteLocation: secure.url('/logs/') } });
        assert.deepEqual((await logStatusesUntil(d.csms, 'Uploaded')).at(-1), { status: 'Uploaded', requestId: 46 });
        assert.equal(secure.received.length, 1);
      } finally {
        await secure.stop();
      }
      const untrusted = await UploadServer.start({ key: readFileSync(tlsFixture('other-server.key')), cert: readFileSync(tlsFixture('other-server.pem')) });
      try {
        const d = await startStation(version, { config: trustingTestCa });
        await getLog(d, { logType: 'DiagnosticsLog', requestId: 47, retries: 1, retryInterval: 1, log: { remoteLocation: untrusted.url('/logs/') } });
        assert.deepEqual(await logStatusesUntil(d.csms, 'UploadFailure'), [
          { status: 'Uploading', requestId: 47 },
          { status: 'UploadFailure', requestId: 47 },
        ]);
        assert.equal(untrusted.received.length, 0, 'nothing sent to a server that could not be verified');
        assert.ok(logLines.some((l) => /upload of .* failed \(tls\): .*certificate/.test(l)), 'the log says why');
      } finally {
        await untrusted.stop();
      }
    });

    it('a malformed URL is Accepted, then BadMessage; an unknown scheme NotSupportedOperation', async () => {
      const d = await startStation(version);
      assert.equal((await getLog(d, { logType: 'DiagnosticsLog', requestId: 45, log: { remoteLocation: 'no url at all' } })).status, 'Accepted');
      await logStatusesUntil(d.csms, 'BadMessage');
      await getLog(d, { logType: 'DiagnosticsLog', requestId: 46, log: { remoteLocation: 'gopher://127.0.0.1/logs' } });
      assert.deepEqual(await logStatusesUntil(d.csms, 'NotSupportedOperation'), [
        { status: 'BadMessage', requestId: 45 },
        { status: 'NotSupportedOperation', requestId: 46 },
      ]);
    });

    it('N01.FR.12/20 (whitepaper N01.FR.11): a second GetLog while the first waits for its retry is AcceptedCanceled with its file name; the first ends (2.0.1: AcceptedCanceled), the second is Uploaded', async () => {
      const d = await startStation(version);
      await getLog(d, { logType: 'DiagnosticsLog', requestId: 47, retries: 5, retryInterval: 60, log: { remoteLocation: 'http://127.0.0.1:1/logs/' } });
      await until(() => logStatuses(d.csms).length === 1, 5000, 'Uploading');
      const second = await getLog(d, { logType: 'DiagnosticsLog', requestId: 48, log: { remoteLocation: server.url('/logs/') } });
      assert.equal(second.status, 'AcceptedCanceled');
      assert.match(second.filename ?? '', /\.tar\.gz$/);
      assert.deepEqual(await logStatusesUntil(d.csms, 'Uploaded'), canceledThenUploaded(version, 47, 48));
      assert.equal(server.received.length, 1);
      assertNoCallErrors(d.csms);
    });

    it('N01.FR.12 (whitepaper N01.FR.11): a second GetLog while the first is being sent stops that transfer and uploads the second', async () => {
      const d = await startStation(version);
      const slow = await UploadServer.start();
      slow.holdAnswers = true;
      try {
        await getLog(d, { logType: 'DiagnosticsLog', requestId: 49, log: { remoteLocation: slow.url('/logs/') } });
        await until(() => slow.started === 1, 5000, 'the first transfer going on');
        const second = await getLog(d, { logType: 'SecurityLog', requestId: 50, log: { remoteLocation: server.url('/logs/') } });
        assert.equal(second.status, 'AcceptedCanceled');
        assert.deepEqual(await logStatusesUntil(d.csms, 'Uploaded'), canceledThenUploaded(version, 49, 50));
        assert.equal(server.received.length, 1);
        assert.match(server.received[0]!.path, /-SecurityLog-/);
      } finally {
        await slow.stop();
      }
    });
  });
}
