import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DiagnosticsStatusNotificationRequest, GetDiagnosticsResponse } from 'ocpp-messages/v1.6/index.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { ARCHIVE_MEMBERS } from '../../../src/services/diagnostics/archive.js';
import { FTP_READ_ONLY, FTP_READ_WRITE, startFtpServer, type FtpServer } from '../../helpers/ftp-server.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { UploadServer, unpackTarGz } from '../upload-server.js';
import { afterEachTest, assertNoCallErrors, calls, ID, startRig16, until } from './rig.js';

/**
 * 1.6 GetDiagnostics (6.19) and DiagnosticsStatusNotification (4.4) against the dev CSMS, uploaded
 * to real servers on 127.0.0.1 (HTTP PUT, FTP): the archive arrives and unpacks; Uploading then
 * Uploaded or UploadFailed; Idle only when triggered with no upload running.
 */

const diagnosticsStatuses = (csms: DevCsms): string[] => calls<DiagnosticsStatusNotificationRequest>(csms, 'DiagnosticsStatusNotification').map((s) => s.status);

async function statusesUntil(csms: DevCsms, final: string, timeoutMs = 8000): Promise<string[]> {
  await until(() => diagnosticsStatuses(csms).includes(final), timeoutMs, `DiagnosticsStatusNotification ${final}`);
  return diagnosticsStatuses(csms);
}

describe('OCPP 1.6 integration: GetDiagnostics to real upload servers', function () {
  this.timeout(20000);
  let server: UploadServer;
  let ftp: FtpServer | undefined;
  beforeEach(async () => {
    server = await UploadServer.start();
  });
  afterEach(async function (this: Mocha.Context) {
    await server.stop();
    await ftp?.close();
    ftp = undefined;
    await afterEachTest.call(this);
  });

  it('6.19: the file name in the answer; Uploading then Uploaded; the .tar.gz arrives by HTTP PUT, unpacks, and holds no secret', async () => {
    const { csms } = await startRig16();
    const answer = (await csms.call(ID, 'GetDiagnostics', { location: server.url('/diag/') })) as GetDiagnosticsResponse;
    assert.match(answer.fileName ?? '', /^EVSE-SIM-001-DiagnosticsLog-\d{8}T\d{6}Z\.tar\.gz$/);
    assert.deepEqual(await statusesUntil(csms, 'Uploaded'), ['Uploading', 'Uploaded']);
    assert.equal(server.received.length, 1);
    assert.ok(server.received[0]!.path.endsWith(answer.fileName!));
    const members = await unpackTarGz(server.received[0]!.body);
    assert.ok(members.get(ARCHIVE_MEMBERS.frames)?.includes('BootNotification'));
    assert.ok(![...members.values()].some((text) => text.includes('upload-secret-77')), 'the upload password is not in it');
    assertNoCallErrors(csms);
  });

  it('by FTP: the file lands in the folder under its name; a user without write permission: UploadFailed', async () => {
    const home = makeTempDir('ftp-home');
    mkdirSync(path.join(home, 'diag'));
    ftp = await startFtpServer({
      users: [
        { name: 'writer', password: 'ftp-secret-1', home, perm: FTP_READ_WRITE },
        { name: 'reader', password: 'ftp-secret-2', home, perm: FTP_READ_ONLY },
      ],
    });
    const { csms } = await startRig16();
    const answer = (await csms.call(ID, 'GetDiagnostics', { location: ftp.url('writer', 'ftp-secret-1', '/diag/') })) as GetDiagnosticsResponse;
    assert.deepEqual(await statusesUntil(csms, 'Uploaded'), ['Uploading', 'Uploaded']);
    assert.deepEqual(readdirSync(path.join(home, 'diag')), [answer.fileName]);
    const members = await unpackTarGz(readFileSync(path.join(home, 'diag', answer.fileName!)));
    assert.ok(!(members.get(ARCHIVE_MEMBERS.frames) ?? '').includes('ftp-secret-1'), 'the FTP password is masked in the frames');
    await csms.call(ID, 'GetDiagnostics', { location: ftp.url('reader', 'ftp-secret-2', '/diag/'), retries: 2, retryInterval: 1 });
    await until(() => diagnosticsStatuses(csms).length === 4, 8000, 'the refused upload');
    assert.deepEqual(diagnosticsStatuses(csms), ['Uploading', 'Uploaded', 'Uploading', 'UploadFailed']);
  });

  it('5.9: an unreachable server is tried again retryInterval apart, retries times, then UploadFailed', async () => {
    const { csms } = await startRig16();
    const port = server.port;
    await server.stop();
    const started = Date.now();
    await csms.call(ID, 'GetDiagnostics', { location: `http://127.0.0.1:${port}/diag/`, retries: 2, retryInterval: 1 });
    assert.deepEqual(await statusesUntil(csms, 'UploadFailed'), ['Uploading', 'UploadFailed']);
    assert.ok(Date.now() - started >= 2000, 'two retries, a second apart');
    server = await UploadServer.start();
  });

  it('4.4 TriggerMessage: Uploading while an upload waits for its retry; a new GetDiagnostics replaces it; Idle once done', async () => {
    const { csms } = await startRig16();
    await csms.call(ID, 'GetDiagnostics', { location: 'http://127.0.0.1:1/diag/', retries: 5, retryInterval: 60 });
    await until(() => diagnosticsStatuses(csms).length === 1, 5000, 'Uploading');
    assert.deepEqual(await csms.call(ID, 'TriggerMessage', { requestedMessage: 'DiagnosticsStatusNotification' }), { status: 'Accepted' });
    await until(() => diagnosticsStatuses(csms).length === 2, 5000, 'the triggered status');
    await csms.call(ID, 'GetDiagnostics', { location: server.url('/diag/') });
    await statusesUntil(csms, 'Uploaded');
    await csms.call(ID, 'TriggerMessage', { requestedMessage: 'DiagnosticsStatusNotification' });
    await until(() => diagnosticsStatuses(csms).length === 5, 5000, 'the triggered Idle');
    assert.deepEqual(diagnosticsStatuses(csms), ['Uploading', 'Uploading', 'Uploading', 'Uploaded', 'Idle']);
    assertNoCallErrors(csms);
  });

  it('a scheme the station does not speak (gopher:) is UploadFailed, with no upload', async () => {
    const { csms } = await startRig16();
    await csms.call(ID, 'GetDiagnostics', { location: 'gopher://127.0.0.1/diag' });
    assert.deepEqual(await statusesUntil(csms, 'UploadFailed'), ['UploadFailed']);
    assert.equal(server.received.length, 0);
  });
});
