import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { firmwareVersion } from '../../../src/app/agent.js';
import { readPendingInstall, writePendingInstall } from '../../../src/release/pending-install.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import type { FirmwareSigner } from '../../services/firmware/firmware-kit.js';
import { perVersion, startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, calls, ID, restartWithin, securityLogOf, startAgent, stopAgent, until, waitForAccepted, withSecondEvse } from '../harness.js';
import { firmwareFixture } from '../firmware-server.js';

/**
 * Signed firmware updates end to end against the dev CSMS (2.0.1 L01 UpdateFirmware, the 1.6
 * security whitepaper's SignedUpdateFirmware: the same fields and statuses), a real HTTP server on
 * 127.0.0.1 and a tiny but valid release package in a scratch root (the agent's storage.dir): the
 * statuses in order with the requestId, the restart, Installed from the next start; a tampered file
 * and a signing certificate of another root change nothing. The launcher's own switching and
 * rollback are src/release's tests: here the "new release" is this checkout started again.
 */

interface FirmwareStatus {
  status: string;
  requestId?: number;
}

const updateAction = (d: AnyDriver): string => perVersion(d.version, { '1.6': 'SignedUpdateFirmware', '2.0.1': 'UpdateFirmware' });
const statusAction = (d: AnyDriver): string => perVersion(d.version, { '1.6': 'SignedFirmwareStatusNotification', '2.0.1': 'FirmwareStatusNotification' });
const statuses = (d: AnyDriver): FirmwareStatus[] => calls<FirmwareStatus>(d.csms, statusAction(d));

async function installManufacturerRoot(d: AnyDriver, signing: FirmwareSigner): Promise<void> {
  const answer = (await d.csms.call(ID, 'InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: signing.root.certPem })) as { status: string };
  assert.equal(answer.status, 'Accepted');
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: signed firmware update (L01)`, function () {
    this.timeout(30_000);
    const fx = firmwareFixture(afterEachTest);

    const request = (requestId: number, signature: string, signingCertificate = fx.signing.signer.certPem): object => ({
      requestId,
      firmware: { location: fx.server.url('/evse-agent.release'), retrieveDateTime: new Date().toISOString(), signingCertificate, signature },
    });

    it('L01.FR.01/04/10/15/28/31: Downloading, Downloaded, SignatureVerified, Installing, InstallRebooting with the requestId; after the restart (2.0.1 BootReason FirmwareUpdate) Installed and FirmwareUpdated', async () => {
      const d = await startStation(version);
      await installManufacturerRoot(d, fx.signing);
      const answer = (await d.csms.call(ID, updateAction(d), request(21, fx.signing.sign(fx.release)))) as { status: string };
      assert.equal(answer.status, 'Accepted');
      assert.equal(await restartWithin(d.agent, 10_000), 'FirmwareUpdate');
      const before = ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting'];
      assert.deepEqual(statuses(d), before.map((status) => ({ status, requestId: 21 })));
      const storage = d.agent.config.storage.dir;
      assert.equal(readlinkSync(path.join(storage, 'current')), path.join('releases', firmwareVersion()), 'current points at the new release');
      assert.ok(existsSync(path.join(storage, 'releases', firmwareVersion(), 'dist', 'src', 'cli', 'main.js')));
      // The restart: the same storage, the "new release" is this checkout again.
      await stopAgent(d.agent, 'clean');
      const { agent } = await startAgent(d.rig.file);
      await waitForAccepted(d.csms, agent);
      await until(() => statuses(d).length > before.length, 5000, 'Installed');
      // B01: 2.0.1 says why the station booted; 1.6's BootNotification has no reason.
      if (d.version === '2.0.1') assert.equal(calls<{ reason: string }>(d.csms, 'BootNotification').at(-1)?.reason, 'FirmwareUpdate');
      assert.deepEqual(statuses(d).slice(before.length), [{ status: 'Installed', requestId: 21 }]);
      assert.ok(securityLogOf(agent).some((e) => e.type === 'FirmwareUpdated'));
      const pending = readPendingInstall(storage)!;
      assert.equal(pending.requestId, 21);
      // The launcher's settings, from the config's firmware section (defaults).
      assert.deepEqual([pending.maxFailedStarts, pending.confirmTimeoutS], [3, 600]);
      assert.ok(pending.confirmedAt, 'confirmed: the launcher keeps this release');
    });

    it('L01.FR.06/07/34: with a transaction running, InstallScheduled; the other EVSE is Unavailable (StatusNotification) and starts no session, nothing else changes; installed once it ends', async () => {
      const d = await startStation(version, { config: withSecondEvse });
      await installManufacturerRoot(d, fx.signing);
      const running = await d.startCharging({ evseId: 1 });
      await d.waitForStatus('Available', 2);
      const charging = d.wireStatuses(1);
      const idle = d.wireStatuses(2);
      assert.equal(((await d.csms.call(ID, updateAction(d), request(24, fx.signing.sign(fx.release)))) as { status: string }).status, 'Accepted');
      await until(() => statuses(d).some((s) => s.status === 'InstallScheduled'), 8000, 'InstallScheduled');
      // L01.FR.07 (1.6 whitepaper L01.FR.07): the EVSE not in use is set Unavailable while the install waits.
      await d.waitForStatus('Unavailable', 2);
      assert.equal(await d.remoteStart({ token: 'REMOTE-2', evseId: 2 }), 'Rejected');
      assert.ok(d.relayClosed(1), 'the running session goes on');
      assert.deepEqual(d.wireStatuses(2), [...idle, 'Unavailable'], 'one StatusNotification for the idle EVSE');
      assert.deepEqual(d.wireStatuses(1), charging, 'the charging EVSE reports nothing new');
      assert.deepEqual(d.ended(), [], 'no transaction ended');
      assert.equal(await restartWithin(d.agent, 300), undefined);
      assert.equal(await d.remoteStop(running), 'Accepted');
      assert.equal(await restartWithin(d.agent, 10_000), 'FirmwareUpdate');
      assert.deepEqual(
        statuses(d).map((s) => s.status),
        ['Downloading', 'Downloaded', 'SignatureVerified', 'InstallScheduled', 'Installing', 'InstallRebooting'],
      );
    });

    it('a release the launcher rolled back: the old one, once accepted, tells InstallationFailed with the requestId and a security event, and clears the record', async () => {
      const d = await startStation(version);
      const storage = d.agent.config.storage.dir;
      await stopAgent(d.agent, 'clean');
      writePendingInstall(storage, {
        version: '99.0.0',
        previous: null,
        requestId: 25,
        startedAt: new Date().toISOString(),
        maxFailedStarts: 3,
        confirmTimeoutS: 600,
        starts: 3,
        rolledBack: { from: '99.0.0', to: null, reason: 'crashed 3 times', at: new Date().toISOString() },
      });
      const { agent } = await startAgent(d.rig.file);
      await waitForAccepted(d.csms, agent);
      await until(() => statuses(d).length > 0, 5000, 'InstallationFailed');
      assert.deepEqual(statuses(d), [{ status: 'InstallationFailed', requestId: 25 }]);
      assert.ok(securityLogOf(agent).some((e) => e.type === 'FirmwareUpdated' && /rolled back/.test(e.techInfo ?? '')));
      assert.equal(readPendingInstall(storage), undefined);
    });

    it('L01.FR.03: a tampered file is InvalidSignature with InvalidFirmwareSignature; nothing is installed', async () => {
      const d = await startStation(version);
      await installManufacturerRoot(d, fx.signing);
      const signature = fx.signing.sign(fx.release);
      const tampered = Buffer.from(readFileSync(fx.release));
      const at = tampered.length - 5;
      tampered.writeUInt8(tampered.readUInt8(at) ^ 0xff, at);
      fx.server.serve('/evse-agent.release', tampered);
      assert.equal(((await d.csms.call(ID, updateAction(d), request(22, signature))) as { status: string }).status, 'Accepted');
      await until(() => statuses(d).some((s) => s.status === 'InvalidSignature'), 8000, 'InvalidSignature');
      assert.deepEqual(statuses(d), ['Downloading', 'Downloaded', 'InvalidSignature'].map((status) => ({ status, requestId: 22 })));
      assert.ok(securityLogOf(d.agent).some((e) => e.type === 'InvalidFirmwareSignature'));
      assert.equal(await restartWithin(d.agent, 300), undefined);
      const storage = d.agent.config.storage.dir;
      assert.equal(existsSync(path.join(storage, 'current')), false);
      assert.equal(existsSync(path.join(storage, 'releases', firmwareVersion())), false);
    });

    it('L01.FR.21/22/02: a signing certificate of another root is InvalidCertificate with InvalidFirmwareSigningCertificate; nothing is downloaded', async () => {
      const d = await startStation(version);
      await installManufacturerRoot(d, fx.signing);
      const file = path.join(makeTempDir('firmware-stranger'), 'file');
      writeFileSync(file, readFileSync(fx.release));
      const answer = (await d.csms.call(ID, updateAction(d), request(23, fx.signing.sign(file, fx.signing.stranger.keyPem), fx.signing.stranger.certPem))) as { status: string };
      assert.equal(answer.status, 'InvalidCertificate');
      await until(() => securityLogOf(d.agent).some((e) => e.type === 'InvalidFirmwareSigningCertificate'), 3000, 'the security event');
      assert.deepEqual(statuses(d), []);
      assert.deepEqual(fx.server.fetches, []);
    });
  });
}
