import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installRelease } from '../../src/release/install.js';
import { CURRENT_LINK, pointLink, PREVIOUS_LINK, RELEASES_DIR } from '../../src/release/layout.js';
import { packRelease } from '../../src/release/pack-release.js';
import { PENDING_INSTALL_FILE, readPendingInstall, writePendingInstall } from '../../src/release/pending-install.js';
import type { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { repoRoot, runInProcess } from '../helpers/cli.js';
import { FTP_READ_ONLY, startFtpServer, type FtpServer } from '../helpers/ftp-server.js';
import { LauncherService } from '../helpers/launcher-service.js';
import { checkoutBuilt, checkoutVersion, packedCheckout, TEST_RELEASE_VERSION } from '../helpers/release-packs.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { FirmwareServer } from '../integration/firmware-server.js';
import { afterEachTest, callRecords, calls, configFile, ID, startCsms, until } from '../integration/harness.js';
import { configFile16 } from '../integration/v16/rig.js';
import { firmwareSigner, type FirmwareSigner } from '../services/firmware/firmware-kit.js';

/**
 * Firmware updates end to end (issue 15, "Tests"): this checkout packed by `evse-agent release
 * pack` as two real releases (A, its own version, installed as `current` in a scratch state folder;
 * B, "99.0.0-e2e", signed with `evse-agent release sign` under a manufacturer root the CSMS
 * installs), the agent run as the unit runs it (test/helpers/launcher-service.ts: the launcher,
 * $STATE_DIRECTORY, ExecStopPost's failsafe and Restart=always), a dev CSMS on 127.0.0.1 sending
 * 2.0.1 UpdateFirmware over HTTP or 1.6 SignedUpdateFirmware over FTP. B boots in a new process
 * and reports Installed; a release that cannot start, or whose boot is not accepted in time, is
 * rolled back by the launcher; an agent killed while unpacking and a tampered file change nothing.
 */

const B = TEST_RELEASE_VERSION;
const BROKEN = '66.0.0-broken';
type Version = '2.0.1' | '1.6';

interface FirmwareStatus {
  status: string;
  requestId?: number;
}

interface Station {
  csms: DevCsms;
  service: LauncherService;
  state: string;
}

const statusAction = (v: Version): string => (v === '1.6' ? 'SignedFirmwareStatusNotification' : 'FirmwareStatusNotification');
const updateAction = (v: Version): string => (v === '1.6' ? 'SignedUpdateFirmware' : 'UpdateFirmware');

/** The firmwareVersion (both versions) and reason (2.0.1) of every BootNotification, oldest first. */
function boots(csms: DevCsms): Array<{ firmwareVersion?: string; reason?: string }> {
  return calls<{ firmwareVersion?: string; reason?: string; chargingStation?: { firmwareVersion?: string } }>(csms, 'BootNotification').map((b) => ({
    firmwareVersion: b.chargingStation?.firmwareVersion ?? b.firmwareVersion,
    ...(b.reason ? { reason: b.reason } : {}),
  }));
}

/** Until the station has booted `count` times and sent a StatusNotification after the last boot (its boot Accepted). */
async function bootedTimes(station: Station, count: number, timeoutMs = 20_000): Promise<void> {
  const accepted = (): boolean => {
    const last = callRecords(station.csms, 'BootNotification')[count - 1];
    return last !== undefined && callRecords(station.csms, 'StatusNotification').some((s) => s.seq > last.seq);
  };
  await until(accepted, timeoutMs, `boot ${count}`).catch((err: Error) => assert.fail(`${err.message}\n${station.service.output.slice(-4000)}`));
}

const link = (state: string, name: string): string | undefined => (existsSync(path.join(state, name)) ? path.basename(readlinkSync(path.join(state, name))) : undefined);

describe('firmware update end to end: real releases, the launcher and the agent process (issue 15)', function () {
  this.timeout(60_000);
  let releaseA: string;
  let signing: FirmwareSigner;
  let signed: (version: string) => Promise<{ file: string; signature: string }>;
  const started: Array<{ stop(): Promise<void> }> = [];

  before(async function () {
    if (!checkoutBuilt()) this.skip(); // npm test builds dist/ first
    signing = await firmwareSigner();
    releaseA = (await packedCheckout()).file;
    const keys = makeTempDir('evse-e2e-signing');
    writeFileSync(path.join(keys, 'signer.pem'), signing.signer.certPem);
    writeFileSync(path.join(keys, 'signer.key'), signing.signer.keyPem, { mode: 0o600 });
    // The manufacturer's step: `evse-agent release sign` writes FILE.sig (L01's signature) beside a copy of the package.
    signed = async (version) => {
      const file = path.join(keys, `evse-agent-${version}.release`);
      if (!existsSync(file)) {
        copyFileSync(version === BROKEN ? await brokenRelease() : (await packedCheckout(version)).file, file);
        const { code, stderr } = await runInProcess(['release', 'sign', '--key', path.join(keys, 'signer.key'), '--cert', path.join(keys, 'signer.pem'), file]);
        assert.equal(code, 0, stderr);
      }
      return { file, signature: readFileSync(`${file}.sig`, 'utf8').trim() };
    };
  });

  afterEach(async function (this: Mocha.Context) {
    for (const s of started.splice(0).reverse()) await s.stop();
    await afterEachTest.call(this);
  });

  /** A valid package whose entry throws at start: this checkout's package.json and dist/, main.js replaced. */
  async function brokenRelease(): Promise<string> {
    const checkout = makeTempDir('evse-e2e-broken');
    writeFileSync(path.join(checkout, 'package.json'), JSON.stringify({ name: 'evse-agent', version: BROKEN, type: 'module' }));
    cpSync(path.join(repoRoot, 'dist'), path.join(checkout, 'dist'), { recursive: true });
    writeFileSync(path.join(checkout, 'dist', 'src', 'cli', 'main.js'), `throw new Error('evse-agent ${BROKEN} cannot start');\n`);
    const out = path.join(checkout, 'broken.tar.gz');
    await packRelease({ from: checkout, out });
    return out;
  }

  /** A scratch station: release A installed as `current`, the agent started through the launcher, booted, the manufacturer root installed over OCPP. */
  async function startStation(version: Version, options: { firmware?: Record<string, number>; beforeStart?: (start: number, station: Station) => void } = {}): Promise<Station> {
    const root = makeTempDir('evse-e2e');
    const state = path.join(root, 'state');
    mkdirSync(state);
    await installRelease(releaseA, state);
    pointLink(state, CURRENT_LINK, checkoutVersion());
    const csms = await startCsms();
    const config = (version === '1.6' ? configFile16 : configFile)(csms.url, (doc) => {
      doc['storage'] = { dir: path.join(root, 'storage') };
      doc['firmware'] = options.firmware ?? {};
    });
    const service = new LauncherService({ stateDir: state, configFile: config, beforeStart: (start) => options.beforeStart?.(start, station) });
    const station: Station = { csms, service, state };
    started.push(service);
    service.start();
    await bootedTimes(station, 1);
    assert.equal(boots(csms)[0]?.firmwareVersion, checkoutVersion());
    const answer = (await csms.call(ID, 'InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: signing.root.certPem })) as { status: string };
    assert.equal(answer.status, 'Accepted');
    return station;
  }

  async function update(station: Station, version: Version, requestId: number, location: string, signature: string): Promise<void> {
    const request = {
      requestId,
      retries: 2,
      retryInterval: 1,
      firmware: { location, retrieveDateTime: new Date().toISOString(), signingCertificate: signing.signer.certPem, signature },
    };
    const answer = (await station.csms.call(ID, updateAction(version), request)) as { status: string };
    assert.equal(answer.status, 'Accepted');
  }

  const statuses = (station: Station, version: Version): FirmwareStatus[] => calls<FirmwareStatus>(station.csms, statusAction(version));
  const events = (station: Station): Array<{ type: string; techInfo?: string }> => calls(station.csms, 'SecurityEventNotification');

  async function assertInstalled(station: Station, version: Version, requestId: number): Promise<void> {
    const { service, state } = station;
    const expected = ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed'];
    assert.deepEqual(statuses(station, version), expected.map((status) => ({ status, requestId })));
    assert.deepEqual(service.starts[0]?.exit, { code: 0, signal: null }, 'the old release stopped for the new one');
    assert.equal(service.starts[0]?.stopPost?.code, 0, `ExecStopPost's failsafe\n${service.output}`);
    assert.equal(service.starts.length, 2, service.output);
    // B01: 2.0.1 says why it booted; 1.6's BootNotification has no reason.
    assert.deepEqual(boots(station.csms).at(-1), { firmwareVersion: B, ...(version === '2.0.1' ? { reason: 'FirmwareUpdate' } : {}) });
    assert.equal(link(state, CURRENT_LINK), B);
    assert.equal(link(state, PREVIOUS_LINK), checkoutVersion());
    assert.ok(readPendingInstall(state)?.confirmedAt, 'confirmed: the launcher keeps it');
    // L01.FR.31: FirmwareUpdated, raised with Installed and sent after it.
    await until(() => events(station).some((e) => e.type === 'FirmwareUpdated' && e.techInfo === `${checkoutVersion()} -> ${B}`), 5000, 'FirmwareUpdated');
  }

  it('2.0.1 UpdateFirmware over HTTP, cut halfway and resumed: B installed, the launcher starts it, it boots (FirmwareUpdate) and reports Installed', async () => {
    const station = await startStation('2.0.1');
    const { file, signature } = await signed(B);
    const server = await FirmwareServer.start();
    started.push(server);
    const body = readFileSync(file);
    server.serve('/evse-agent.release', body);
    server.cuts = [Math.floor(body.length / 2)];
    await update(station, '2.0.1', 31, server.url('/evse-agent.release'), signature);
    await bootedTimes(station, 2, 40_000);
    await until(() => statuses(station, '2.0.1').some((s) => s.status === 'Installed'), 10_000, `Installed\n${station.service.output.slice(-3000)}`);
    await assertInstalled(station, '2.0.1', 31);
    const ranges = server.fetches.map((f) => f.range);
    assert.equal(ranges.length, 2, 'one cut, one resumed request');
    assert.match(ranges[1] ?? '', /^bytes=[1-9]\d*-$/, 'the rest asked for with Range');
  });

  it('1.6 SignedUpdateFirmware over FTP: B installed, started by the launcher, reports Installed', async () => {
    const station = await startStation('1.6');
    const { file, signature } = await signed(B);
    const home = makeTempDir('evse-e2e-ftp');
    copyFileSync(file, path.join(home, 'evse-agent.release'));
    const ftp: FtpServer = await startFtpServer({ users: [{ name: 'firmware', password: 'ftp-secret-16', home, perm: FTP_READ_ONLY }] });
    started.push({ stop: () => ftp.close() });
    await update(station, '1.6', 41, ftp.url('firmware', 'ftp-secret-16', '/evse-agent.release'), signature);
    await bootedTimes(station, 2, 40_000);
    await until(() => statuses(station, '1.6').some((s) => s.status === 'Installed'), 10_000, `Installed\n${station.service.output.slice(-3000)}`);
    await assertInstalled(station, '1.6', 41);
  });

  it('a release that cannot start: after firmware.maxFailedStarts the launcher goes back, A boots (FirmwareUpdate) and reports InstallationFailed and the event', async () => {
    const station = await startStation('2.0.1', { firmware: { maxFailedStarts: 2 } });
    const { file, signature } = await signed(BROKEN);
    const server = await FirmwareServer.start();
    started.push(server);
    server.serve('/broken.release', readFileSync(file));
    await update(station, '2.0.1', 51, server.url('/broken.release'), signature);
    // Start 1: A; starts 2 and 3: the broken release (counted in pending-install.json); start 4: A again.
    await bootedTimes(station, 2, 40_000);
    const { service, state } = station;
    assert.deepEqual(service.starts.map((s) => s.exit?.code), [0, 70, 70, undefined], service.output);
    assert.match(service.starts[1]!.output, new RegExp(`evse-agent ${BROKEN} cannot start`));
    assert.match(service.starts[3]!.output, new RegExp(`release ${BROKEN} rolled back to ${checkoutVersion()}: started 2 times`));
    // ExecStopPost after each exit, the old release's included, finds the broken one current: its failsafe is the previous release's.
    assert.deepEqual(service.starts.slice(0, 3).map((s) => s.stopPost?.code), [0, 0, 0], service.output);
    assert.match(service.starts[0]!.stopPost!.output, /did not load .*: running the failsafe of .*previous/);
    assert.deepEqual(boots(station.csms).at(-1), { firmwareVersion: checkoutVersion(), reason: 'FirmwareUpdate' });
    await until(() => statuses(station, '2.0.1').some((s) => s.status === 'InstallationFailed'), 10_000, 'InstallationFailed');
    assert.deepEqual(
      statuses(station, '2.0.1'),
      ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'InstallationFailed'].map((status) => ({ status, requestId: 51 })),
    );
    await until(() => events(station).some((e) => e.type === 'FirmwareUpdated' && /rolled back/.test(e.techInfo ?? '')), 5000, 'the security event');
    assert.equal(link(state, CURRENT_LINK), checkoutVersion());
    assert.equal(existsSync(path.join(state, PENDING_INSTALL_FILE)), false, 'the record cleared once told');
  });

  it('a release whose boot is not accepted within confirmTimeoutS: the launcher stops it and goes back; A reports InstallationFailed', async () => {
    const station = await startStation('2.0.1', {
      beforeStart: (start, { csms, state }) => {
        if (start === 2) {
          // B's boot refused; its time to confirm cut to 5 s from now (the config's least is 30 s) while the service is down.
          csms.rejectedBoots.add(ID);
          writePendingInstall(state, { ...readPendingInstall(state)!, startedAt: new Date().toISOString(), confirmTimeoutS: 5 });
        } else {
          csms.rejectedBoots.delete(ID);
        }
      },
    });
    const { file, signature } = await signed(B);
    const server = await FirmwareServer.start();
    started.push(server);
    server.serve('/evse-agent.release', readFileSync(file));
    await update(station, '2.0.1', 71, server.url('/evse-agent.release'), signature);
    const { service, state } = station;
    const backOnA = (): boolean => {
      const last = callRecords(station.csms, 'BootNotification').at(-1);
      return service.starts.length >= 3 && boots(station.csms).at(-1)?.firmwareVersion === checkoutVersion() && callRecords(station.csms, 'StatusNotification').some((s) => s.seq > last!.seq);
    };
    await until(backOnA, 40_000, 'A booted again').catch((err: Error) => assert.fail(`${err.message}\n${service.output.slice(-4000)}`));
    assert.ok(boots(station.csms).some((b) => b.firmwareVersion === B), 'B booted and was refused');
    // The launcher's timer: rolled back, then SIGTERM to itself: the agent's normal stop.
    assert.deepEqual(service.starts[1]?.exit, { code: 0, signal: null }, service.output);
    assert.match(service.starts[1]!.output, new RegExp(`release ${B} rolled back to ${checkoutVersion()}: its boot was not accepted within 5 s`));
    assert.equal(service.starts.length, 3, service.output);
    assert.deepEqual(boots(station.csms).at(-1), { firmwareVersion: checkoutVersion(), reason: 'FirmwareUpdate' });
    await until(() => statuses(station, '2.0.1').some((s) => s.status === 'InstallationFailed'), 10_000, 'InstallationFailed');
    assert.deepEqual(
      statuses(station, '2.0.1'),
      ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'InstallationFailed'].map((status) => ({ status, requestId: 71 })),
    );
    assert.equal(link(state, CURRENT_LINK), checkoutVersion());
  });

  it('killed while installing (SIGKILL during the unpack): current unchanged, A starts again and reports InstallationFailed', async () => {
    const station = await startStation('2.0.1');
    const { file, signature } = await signed(B);
    const server = await FirmwareServer.start();
    started.push(server);
    server.serve('/evse-agent.release', readFileSync(file));
    await update(station, '2.0.1', 81, server.url('/evse-agent.release'), signature);
    const { service, state } = station;
    // Killed once the unpack has begun: its folder is there (it takes a second or more for the ~6500 files).
    await until(() => readdirSync(path.join(state, RELEASES_DIR)).some((name) => name.startsWith('.incoming-')), 15_000, 'the unpack');
    service.kill('SIGKILL');
    await bootedTimes(station, 2);
    assert.deepEqual(service.starts[0]?.exit, { code: null, signal: 'SIGKILL' });
    await until(() => statuses(station, '2.0.1').some((s) => s.status === 'InstallationFailed'), 10_000, `InstallationFailed\n${service.output.slice(-3000)}`);
    assert.deepEqual(statuses(station, '2.0.1'), ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallationFailed'].map((status) => ({ status, requestId: 81 })));
    assert.deepEqual(boots(station.csms).map((b) => b.firmwareVersion), [checkoutVersion(), checkoutVersion()]);
    assert.equal(link(state, CURRENT_LINK), checkoutVersion());
    assert.equal(existsSync(path.join(state, PENDING_INSTALL_FILE)), false);
    // The half-unpacked release removed at the start, not left on the SD card until the next update.
    await until(() => readdirSync(path.join(state, RELEASES_DIR)).join() === checkoutVersion(), 5000, `releases/ holding only A: ${readdirSync(path.join(state, RELEASES_DIR)).join()}`);
  });

  it('L01.FR.03: one flipped byte is InvalidSignature with InvalidFirmwareSignature; current unchanged, nothing installed, no restart', async () => {
    const station = await startStation('2.0.1');
    const { file, signature } = await signed(B);
    const server = await FirmwareServer.start();
    started.push(server);
    const tampered = Buffer.from(readFileSync(file));
    const at = Math.floor(tampered.length / 3);
    tampered.writeUInt8(tampered.readUInt8(at) ^ 0x01, at);
    server.serve('/evse-agent.release', tampered);
    await update(station, '2.0.1', 61, server.url('/evse-agent.release'), signature);
    await until(() => statuses(station, '2.0.1').some((s) => s.status === 'InvalidSignature'), 15_000, 'InvalidSignature');
    assert.deepEqual(statuses(station, '2.0.1'), ['Downloading', 'Downloaded', 'InvalidSignature'].map((status) => ({ status, requestId: 61 })));
    await until(() => events(station).some((e) => e.type === 'InvalidFirmwareSignature'), 5000, 'InvalidFirmwareSignature');
    const { service, state } = station;
    assert.ok(service.running && service.starts.length === 1, service.output);
    assert.equal(link(state, CURRENT_LINK), checkoutVersion());
    assert.deepEqual(readdirSync(path.join(state, RELEASES_DIR)), [checkoutVersion()]);
    assert.equal(existsSync(path.join(state, PENDING_INSTALL_FILE)), false);
  });
});
