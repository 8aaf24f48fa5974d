import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { silentLogger } from '../../../src/process/logger.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { DiagnosticsArchiveRequest } from '../../../src/services/diagnostics/archive.js';
import { LogRequests, type LogStatusReport } from '../../../src/services/diagnostics/log-requests.js';
import { UploadError } from '../../../src/services/diagnostics/upload.js';
import { diagnosticsStatusOf } from '../../../src/ocpp/v16/actions/get-diagnostics.js';

interface Attempt {
  target: string;
  fileName: string;
  at: number;
  body: string;
}

/** An upload that reads the archive and then does what the test says: resolve, or throw. */
function rig(outcomes: Array<UploadError | 'ok' | 'hang'>) {
  const clock = new FakeClock();
  const attempts: Attempt[] = [];
  const archives: DiagnosticsArchiveRequest[] = [];
  const bodies: Readable[] = [];
  const signals: AbortSignal[] = [];
  const reports: LogStatusReport[] = [];
  const logs = new LogRequests({
    clock,
    log: silentLogger,
    stationId: 'EVSE 7',
    archive: (request) => {
      archives.push(request);
      const body = Readable.from([`archive of ${request.kind}`]);
      bodies.push(body);
      return body;
    },
    upload: async (target, body, fileName, options) => {
      signals.push(options.signal!);
      const chunks: string[] = [];
      for await (const chunk of body()) chunks.push(String(chunk));
      attempts.push({ target, fileName, at: clock.nowMs(), body: chunks.join('') });
      const outcome = outcomes.shift() ?? 'ok';
      if (outcome === 'hang') return new Promise<void>(() => undefined);
      if (outcome !== 'ok') throw outcome;
    },
  });
  logs.status$.subscribe((r) => reports.push(r));
  return { clock, logs, attempts, archives, bodies, signals, reports, start: clock.nowMs() };
}

const REQUEST = { kind: 'DiagnosticsLog' as const, remoteLocation: 'https://user:pw@logs.example/upload', requestId: 7 };

describe('log requests (2.0.1 N01 GetLog, 1.6 GetDiagnostics)', () => {
  it('N01.FR.01/02/08/09: Accepted with the file name, the archive of the window uploaded there, Uploading then Uploaded with the requestId', async () => {
    const r = rig(['ok']);
    const from = new Date('2026-01-01T10:00:00Z');
    const to = new Date('2026-01-01T11:00:00Z');
    const answer = r.logs.start({ ...REQUEST, from, to });
    assert.deepEqual(answer, { status: 'Accepted', fileName: 'EVSE_7-DiagnosticsLog-20260101T120000Z.tar.gz' });
    assert.deepEqual(r.reports, [], 'nothing before the answer is out');
    await r.clock.advanceAsync(0);
    assert.deepEqual(r.archives, [{ kind: 'DiagnosticsLog', from, to }]);
    assert.deepEqual(r.attempts, [{ target: REQUEST.remoteLocation, fileName: answer.fileName, at: r.start, body: 'archive of DiagnosticsLog' }]);
    assert.deepEqual(r.reports, [
      { status: 'Uploading', requestId: 7 },
      { status: 'Uploaded', requestId: 7 },
    ]);
    assert.equal(r.logs.busy, false);
    assert.deepEqual(r.logs.last(), { status: 'Uploaded', requestId: 7 });
  });

  it('N01.FR.10: an unreachable server is tried again every retryInterval, retries times, then UploadFailure once', async () => {
    const down = (): UploadError => new UploadError('unreachable', 'ECONNREFUSED');
    const r = rig([down(), down(), down()]);
    r.logs.start({ ...REQUEST, retries: 2, retryIntervalS: 10 });
    await r.clock.advanceAsync(9_999);
    assert.equal(r.attempts.length, 1, 'no second try before the interval');
    await r.clock.advanceAsync(30_000);
    assert.deepEqual(
      r.attempts.map((a) => a.at - r.start),
      [0, 10_000, 20_000],
    );
    assert.deepEqual(r.archives.length, 3, 'a fresh archive stream for each attempt');
    assert.deepEqual(r.reports, [
      { status: 'Uploading', requestId: 7 },
      { status: 'UploadFailure', requestId: 7 },
    ]);
  });

  it('a failure followed by a success on the retry: Uploaded', async () => {
    const r = rig([new UploadError('timeout', 'no answer'), 'ok']);
    r.logs.start({ ...REQUEST, retries: 3, retryIntervalS: 5 });
    await r.clock.advanceAsync(5_000);
    assert.deepEqual(r.reports.map((x) => x.status), ['Uploading', 'Uploaded']);
    assert.equal(r.attempts.length, 2);
  });

  it('a refusal (403, a refused login) is PermissionDenied at once, with no retry', async () => {
    for (const kind of ['permission-denied', 'login-refused'] as const) {
      const r = rig([new UploadError(kind, 'no')]);
      r.logs.start({ ...REQUEST, retries: 3, retryIntervalS: 1 });
      await r.clock.advanceAsync(10_000);
      assert.equal(r.attempts.length, 1, kind);
      assert.deepEqual(r.reports.map((x) => x.status), ['Uploading', 'PermissionDenied'], kind);
    }
  });

  it('a malformed URL is BadMessage and an unknown scheme NotSupportedOperation, with no upload', async () => {
    for (const [remoteLocation, status] of [
      ['not a url', 'BadMessage'],
      ['http://', 'BadMessage'],
      ['gopher://logs.example/x', 'NotSupportedOperation'],
    ] as const) {
      const r = rig([]);
      assert.equal(r.logs.start({ ...REQUEST, remoteLocation }).status, 'Accepted');
      await r.clock.advanceAsync(0);
      assert.deepEqual(r.reports, [{ status, requestId: 7 }], remoteLocation);
      assert.equal(r.attempts.length, 0);
    }
  });

  it('N01.FR.12/20: a request while one uploads cancels it: AcceptedCanceled in the answer and for the old requestId, then the new one runs', async () => {
    const r = rig(['hang', 'ok']);
    r.logs.start(REQUEST);
    await r.clock.advanceAsync(0);
    assert.equal(r.logs.busy, true);
    const second = r.logs.start({ ...REQUEST, kind: 'SecurityLog', requestId: 8 });
    assert.equal(second.status, 'AcceptedCanceled');
    assert.match(second.fileName, /-SecurityLog-/);
    assert.equal(r.bodies[0]!.destroyed, true, 'the first archive stream is closed');
    assert.equal(r.signals[0]!.aborted, true, 'the first transfer is told to stop');
    await r.clock.advanceAsync(0);
    assert.deepEqual(r.reports, [
      { status: 'Uploading', requestId: 7 },
      { status: 'AcceptedCanceled', requestId: 7 },
      { status: 'Uploading', requestId: 8 },
      { status: 'Uploaded', requestId: 8 },
    ]);
  });

  it('a canceled request waiting for its retry does not try again', async () => {
    const r = rig([new UploadError('unreachable', 'down'), 'ok']);
    r.logs.start({ ...REQUEST, retries: 5, retryIntervalS: 60 });
    await r.clock.advanceAsync(0);
    assert.equal(r.logs.start({ ...REQUEST, requestId: 9 }).status, 'AcceptedCanceled');
    await r.clock.advanceAsync(600_000);
    assert.equal(r.attempts.length, 2, 'the first attempt and the new request');
    assert.deepEqual(r.reports.at(-1), { status: 'Uploaded', requestId: 9 });
  });

  it('N01.FR.13 / 1.6 4.4: a triggered status is Uploading with the requestId while an upload runs, Idle otherwise', async () => {
    const r = rig(['hang']);
    assert.deepEqual(r.logs.triggered(), { status: 'Idle' });
    r.logs.start(REQUEST);
    assert.deepEqual(r.logs.triggered(), { status: 'Uploading', requestId: 7 });
    r.logs.stop();
    assert.deepEqual(r.logs.triggered(), { status: 'Idle' });
  });

  it('1.6 DiagnosticsStatus: every failure is UploadFailed; a canceled upload tells nothing', () => {
    assert.deepEqual(
      (['Idle', 'Uploading', 'Uploaded', 'UploadFailure', 'BadMessage', 'PermissionDenied', 'NotSupportedOperation', 'AcceptedCanceled'] as const).map((status) => diagnosticsStatusOf({ status })),
      ['Idle', 'Uploading', 'Uploaded', 'UploadFailed', 'UploadFailed', 'UploadFailed', 'UploadFailed', undefined],
    );
  });
});
