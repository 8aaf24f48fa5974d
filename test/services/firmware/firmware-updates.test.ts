import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BehaviorSubject, Subject } from 'rxjs';
import { silentLogger } from '../../../src/process/logger.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { SecurityEvent } from '../../../src/services/security-events/index.js';
import { FirmwareUpdates, type FirmwareRequest, type FirmwareStatus, type InstallOutcome } from '../../../src/services/firmware/index.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { firmwareSigner, type FirmwareSigner } from './firmware-kit.js';

const CONTENT = 'an evse-agent release, in a test';

/** Real IO (files, the signature) runs between fake-clock steps: wait until it settled. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

interface RigOptions {
  /** Each download attempt: 'ok' writes the file, 'cut' writes half and fails, 'fail' fails. */
  downloads?: Array<'ok' | 'cut' | 'fail'>;
  content?: string;
  allowUnsigned?: boolean;
  allowNewSessions?: boolean;
  notAPackage?: boolean;
  settle?: InstallOutcome;
  /** 'hang' keeps install() from resolving. */
  install?: 'ok' | 'hang' | 'fail';
}

function rig(signing: FirmwareSigner, o: RigOptions = {}) {
  // The test certificates are valid from a day ago: the fake clock starts now.
  const clock = new FakeClock(Date.now());
  const dir = makeTempDir('firmware-updates');
  const stationEvents$ = new Subject<unknown>();
  const state = { transactions: 0, held: [] as boolean[], restarts: 0, installs: [] as number[], attempts: [] as number[], events: [] as SecurityEvent[], sent: [] as FirmwareStatus[] };
  const kept = new Map<string, unknown>();
  const downloads = [...(o.downloads ?? [])];
  const content = o.content ?? CONTENT;
  const firmware = new FirmwareUpdates({
    clock,
    log: silentLogger,
    dir,
    store: { read: <T>(k: string) => kept.get(k) as T | undefined, write: (k, v) => void kept.set(k, v) },
    runningVersion: '1.0.0',
    manufacturerRoots: () => [signing.root.certPem],
    raise: (e) => state.events.push(e),
    allowUnsigned: () => o.allowUnsigned ?? false,
    transactionsRunning: () => state.transactions,
    stationEvents$,
    allowNewSessionsPending: () => o.allowNewSessions ?? false,
    holdNewSessions: (hold) => state.held.push(hold),
    restart: () => state.restarts++,
    download: async (_location, part) => {
      state.attempts.push(clock.nowMs());
      const outcome = downloads.shift() ?? 'ok';
      if (outcome === 'fail') throw new Error('connection refused');
      if (outcome === 'cut') {
        writeFileSync(part, content.slice(0, 10));
        throw new Error('the transfer stopped');
      }
      writeFileSync(part, content);
    },
    installer: {
      check: async () => {
        if (o.notAPackage) throw new Error('invalid release package: no release.json');
        return { version: '2.0.0' };
      },
      install: async (_file, requestId) => {
        state.installs.push(requestId);
        if (o.install === 'hang') return new Promise(() => undefined);
        if (o.install === 'fail') throw new Error('disk full');
        return { version: '2.0.0' };
      },
      settle: async () => o.settle,
    },
  });
  const reports: FirmwareStatus[] = [];
  firmware.status$.subscribe((r) => reports.push(r.status));
  const ready$ = new BehaviorSubject(true);
  firmware.follow(ready$, async (r) => void state.sent.push(r.status));
  const signedRequest = (over: Partial<FirmwareRequest> = {}): FirmwareRequest => {
    const file = path.join(dir, 'original');
    writeFileSync(file, CONTENT);
    return {
      requestId: 11,
      location: 'https://firmware.example/evse-agent.release',
      retrieveAt: clock.now(),
      signingCertificate: signing.signer.certPem,
      signature: signing.sign(file),
      ...over,
    };
  };
  return { clock, dir, firmware, reports, state, stationEvents$, ready$, signedRequest };
}

describe('firmware updates (2.0.1 L01/L02, 1.6 UpdateFirmware and SignedUpdateFirmware)', function () {
  this.timeout(10_000);
  let signing: FirmwareSigner;
  before(async () => {
    signing = await firmwareSigner();
  });

  it('L01.FR.01/04/15: a signed release goes Downloading, Downloaded, SignatureVerified, Installing, InstallRebooting, then the agent restarts', async () => {
    const r = rig(signing);
    assert.equal(r.firmware.request(r.signedRequest()), 'Accepted');
    assert.deepEqual(r.reports, [], 'nothing before the answer is out');
    await r.clock.advanceAsync(0);
    await until(() => r.state.restarts === 1, 'the restart');
    assert.deepEqual(r.reports, ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting']);
    assert.deepEqual(r.state.sent, r.reports, 'every status went out, in order');
    assert.deepEqual(r.state.installs, [11]);
    assert.equal(existsSync(path.join(r.dir, '11.release')), false, 'the downloaded file is removed once unpacked');
  });

  it('L01.FR.13: a retrieveDateTime in the future is DownloadScheduled; the download starts then', async () => {
    const r = rig(signing);
    r.firmware.request(r.signedRequest({ retrieveAt: new Date(r.clock.nowMs() + 60_000) }));
    await r.clock.advanceAsync(0);
    assert.deepEqual(r.reports, ['DownloadScheduled']);
    await r.clock.advanceAsync(59_000);
    assert.deepEqual(r.state.attempts, []);
    await r.clock.advanceAsync(1_000);
    await until(() => r.state.restarts === 1, 'the restart');
    assert.deepEqual(r.reports.slice(0, 3), ['DownloadScheduled', 'Downloading', 'Downloaded']);
  });

  it('retries at retryInterval after a cut, then Downloaded; L01.FR.30: DownloadFailed once the retries are spent', async () => {
    const r = rig(signing, { downloads: ['cut', 'fail', 'ok'] });
    r.firmware.request(r.signedRequest({ retries: 2, retryIntervalS: 30 }));
    await r.clock.advanceAsync(0);
    await until(() => r.state.attempts.length === 1 && r.clock.pending > 0, 'the first attempt');
    await r.clock.advanceAsync(30_000);
    await until(() => r.state.attempts.length === 2 && r.clock.pending > 0, 'the second attempt');
    await r.clock.advanceAsync(30_000);
    await until(() => r.state.restarts === 1, 'the restart');
    const start = r.state.attempts[0]!;
    assert.deepEqual(r.state.attempts.map((t) => t - start), [0, 30_000, 60_000]);
    assert.deepEqual(r.reports.slice(0, 2), ['Downloading', 'Downloaded'], 'one Downloading for all attempts');

    const failing = rig(signing, { downloads: ['fail', 'fail'] });
    failing.firmware.request(failing.signedRequest({ retries: 1, retryIntervalS: 5 }));
    await failing.clock.advanceAsync(0);
    await until(() => failing.clock.pending > 0, 'the first attempt');
    await failing.clock.advanceAsync(5_000);
    await until(() => failing.reports.includes('DownloadFailed'), 'DownloadFailed');
    assert.deepEqual(failing.reports, ['Downloading', 'DownloadFailed']);
    assert.equal(failing.state.installs.length, 0);
  });

  it('L01.FR.06/07/34: waits for the running transaction, InstallScheduled, no new sessions meanwhile; installs when it ends', async () => {
    const r = rig(signing);
    r.state.transactions = 1;
    r.firmware.request(r.signedRequest());
    await r.clock.advanceAsync(0);
    await until(() => r.reports.includes('InstallScheduled'), 'InstallScheduled');
    assert.deepEqual(r.state.held, [true]);
    r.stationEvents$.next({ type: 'TransactionUpdated' });
    assert.deepEqual(r.state.installs, [], 'still a transaction');
    r.state.transactions = 0;
    r.stationEvents$.next({ type: 'TransactionEnded' });
    await until(() => r.state.restarts === 1, 'the restart');
    assert.deepEqual(r.reports, ['Downloading', 'Downloaded', 'SignatureVerified', 'InstallScheduled', 'Installing', 'InstallRebooting']);

    const allowing = rig(signing, { allowNewSessions: true });
    allowing.state.transactions = 1;
    allowing.firmware.request(allowing.signedRequest());
    await allowing.clock.advanceAsync(0);
    await until(() => allowing.reports.includes('InstallScheduled'), 'InstallScheduled');
    assert.deepEqual(allowing.state.held, [], 'AllowNewSessionsPendingFirmwareUpdate true: sessions go on');
  });

  it('L01.FR.16: an installDateTime in the future is InstallScheduled; installed then', async () => {
    const r = rig(signing);
    r.firmware.request(r.signedRequest({ installAt: new Date(r.clock.nowMs() + 3_600_000) }));
    await r.clock.advanceAsync(0);
    await until(() => r.reports.includes('InstallScheduled'), 'InstallScheduled');
    await r.clock.advanceAsync(3_599_000);
    assert.deepEqual(r.state.installs, []);
    await r.clock.advanceAsync(1_000);
    await until(() => r.state.restarts === 1, 'the restart');
  });

  it('L01.FR.24: a newer request cancels the one waiting (AcceptedCanceled; the old one InstallationFailed, its hold lifted); L01.FR.27: not while installing', async () => {
    const r = rig(signing);
    r.state.transactions = 1;
    r.firmware.request(r.signedRequest());
    await r.clock.advanceAsync(0);
    await until(() => r.reports.includes('InstallScheduled'), 'InstallScheduled');
    assert.equal(r.firmware.request(r.signedRequest({ requestId: 12, retrieveAt: new Date(r.clock.nowMs() + 60_000) })), 'AcceptedCanceled');
    assert.deepEqual(r.state.held, [true, false]);
    await r.clock.advanceAsync(0);
    assert.deepEqual(r.reports.slice(-2), ['InstallationFailed', 'DownloadScheduled']);

    const installing = rig(signing, { install: 'hang' });
    installing.firmware.request(installing.signedRequest());
    await installing.clock.advanceAsync(0);
    await until(() => installing.state.installs.length === 1, 'the install');
    assert.equal(installing.firmware.request(installing.signedRequest({ requestId: 12 })), 'Rejected');
  });

  it('L01.FR.21/22/02: a signing certificate not under a ManufacturerRootCertificate is InvalidCertificate and InvalidFirmwareSigningCertificate; nothing starts', async () => {
    const r = rig(signing);
    assert.equal(r.firmware.request(r.signedRequest({ signingCertificate: signing.stranger.certPem })), 'InvalidCertificate');
    assert.deepEqual(r.state.events.map((e) => e.type), ['InvalidFirmwareSigningCertificate']);
    await r.clock.advanceAsync(0);
    assert.deepEqual(r.reports, []);
    assert.deepEqual(r.state.attempts, []);
  });

  it('L01.FR.03: a file that does not match its signature is InvalidSignature with InvalidFirmwareSignature; nothing installed', async () => {
    const r = rig(signing, { content: `${CONTENT} (tampered)` });
    r.firmware.request(r.signedRequest());
    await r.clock.advanceAsync(0);
    await until(() => r.reports.includes('InvalidSignature'), 'InvalidSignature');
    assert.deepEqual(r.reports, ['Downloading', 'Downloaded', 'InvalidSignature']);
    assert.deepEqual(r.state.events.map((e) => e.type), ['InvalidFirmwareSignature']);
    assert.deepEqual(r.state.installs, []);
    await until(() => !existsSync(path.join(r.dir, '11.release')), 'the file removed');
  });

  it('a verified file that is not a release package: InstallationFailed, nothing installed', async () => {
    const r = rig(signing, { notAPackage: true });
    r.firmware.request(r.signedRequest());
    await r.clock.advanceAsync(0);
    await until(() => r.reports.includes('InstallationFailed'), 'InstallationFailed');
    assert.deepEqual(r.reports, ['Downloading', 'Downloaded', 'SignatureVerified', 'InstallationFailed']);
    assert.deepEqual(r.state.installs, []);
  });

  it('L02: an unsigned request is Rejected unless allowUnsigned; allowed, it skips the signature steps', async () => {
    const unsigned = { requestId: 3, location: 'ftp://firmware.example/a.release', retrieveAt: new Date(0) };
    assert.equal(rig(signing).firmware.request(unsigned), 'Rejected');
    const r = rig(signing, { allowUnsigned: true });
    assert.equal(r.firmware.request(unsigned), 'Accepted');
    await r.clock.advanceAsync(0);
    await until(() => r.state.restarts === 1, 'the restart');
    assert.deepEqual(r.reports, ['Downloading', 'Downloaded', 'Installing', 'InstallRebooting']);
  });

  it('L01.FR.25/26: a trigger tells Idle when nothing happened, the last status, Idle after Installed', async () => {
    const r = rig(signing, { settle: { outcome: 'installed', version: '1.0.0', previous: '0.9.0', requestId: 11 } });
    assert.deepEqual(r.firmware.triggered(), { status: 'Idle' });
    r.state.transactions = 1;
    r.firmware.request(r.signedRequest());
    await r.clock.advanceAsync(0);
    await until(() => r.reports.includes('InstallScheduled'), 'InstallScheduled');
    assert.deepEqual(r.firmware.triggered(), { status: 'InstallScheduled', requestId: 11 });
  });

  it('L01.FR.28/31 after the restart: once the boot is accepted, Installed with the requestId and FirmwareUpdated; a rollback is InstallationFailed', async () => {
    const installed = rig(signing, { settle: { outcome: 'installed', version: '1.0.0', previous: '0.9.0', requestId: 11 } });
    await until(() => installed.state.sent.includes('Installed'), 'Installed');
    assert.deepEqual(installed.state.events.map((e) => e.type), ['FirmwareUpdated']);
    assert.deepEqual(installed.firmware.triggered(), { status: 'Idle' });

    const rolledBack = rig(signing, { settle: { outcome: 'rolled-back', version: '2.0.0', previous: '1.0.0', requestId: 11, reason: 'crashed 3 times' } });
    await until(() => rolledBack.state.sent.includes('InstallationFailed'), 'InstallationFailed');
    assert.match(rolledBack.state.events[0]!.techInfo ?? '', /rolled back to 1.0.0/);
  });
});
