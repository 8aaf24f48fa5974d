import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { firmwareVersion } from '../../../src/app/agent.js';
import { CallErrorResponse } from '../../../src/ocpp/rpc/rpc-errors.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { tinyRelease } from '../../services/firmware/firmware-kit.js';
import { startStation, type V16Driver } from '../drivers/start-station.js';
import { afterEachTest, calls, ID, restartWithin, startAgent, stopAgent, until, waitForAccepted, type ConfigChanges } from '../harness.js';
import { FirmwareServer } from '../firmware-server.js';

/**
 * 1.6's own firmware messages: the unsigned UpdateFirmware is NotSupported unless
 * firmware.allowUnsigned (security whitepaper L01.FR.20), and with it runs on the same service
 * with 1.6's FirmwareStatusNotification (no requestId, no signature or reboot steps); the triggers
 * of either notification.
 */

async function featureProfiles(d: V16Driver): Promise<string | undefined> {
  return (await d.csms.getConfiguration(ID, ['SupportedFeatureProfiles'])).configurationKey?.[0]?.value;
}

const allowingUnsigned: ConfigChanges = (doc) => {
  doc['firmware'] = { allowUnsigned: true };
};

describe('integration, OCPP 1.6: UpdateFirmware and the firmware triggers', function () {
  this.timeout(30_000);
  let server: FirmwareServer;
  beforeEach(async () => {
    server = await FirmwareServer.start();
    server.serve('/evse-agent.release', readFileSync(await tinyRelease(makeTempDir('firmware-release'), firmwareVersion())));
  });
  afterEach(async function (this: Mocha.Context) {
    await server.stop();
    await afterEachTest.call(this);
  });

  const plainRequest = (): object => ({ location: server.url('/evse-agent.release'), retrieveDate: new Date().toISOString() });

  it('whitepaper L01.FR.20: UpdateFirmware is NotSupported by default and starts nothing; SupportedFeatureProfiles has no FirmwareManagement', async () => {
    const d = await startStation('1.6');
    await assert.rejects(d.csms.call(ID, 'UpdateFirmware', plainRequest()), (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'NotSupported');
    assert.equal(await restartWithin(d.agent, 300), undefined);
    assert.deepEqual(server.fetches, []);
    assert.deepEqual(calls(d.csms, 'FirmwareStatusNotification'), []);
    assert.doesNotMatch((await featureProfiles(d)) ?? '', /FirmwareManagement/);
  });

  it('with firmware.allowUnsigned: FirmwareManagement supported; Downloading, Downloaded, Installing, the restart, Installed (6.52, 4.5); TriggerMessage tells the last status', async () => {
    const d = await startStation('1.6', { config: allowingUnsigned });
    assert.match((await featureProfiles(d)) ?? '', /(^|,)FirmwareManagement(,|$)/);
    assert.deepEqual(await d.csms.call(ID, 'UpdateFirmware', plainRequest()), {});
    assert.equal(await restartWithin(d.agent, 10_000), 'FirmwareUpdate');
    const before = ['Downloading', 'Downloaded', 'Installing'].map((status) => ({ status }));
    assert.deepEqual(calls(d.csms, 'FirmwareStatusNotification'), before);
    assert.deepEqual(calls(d.csms, 'SignedFirmwareStatusNotification'), []);
    await stopAgent(d.agent, 'clean');
    const { agent } = await startAgent(d.rig.file);
    await waitForAccepted(d.csms, agent);
    await until(() => calls(d.csms, 'FirmwareStatusNotification').length > before.length, 5000, 'Installed');
    assert.deepEqual(calls(d.csms, 'FirmwareStatusNotification').slice(before.length), [{ status: 'Installed' }]);
    // 4.5 / whitepaper L01.FR.28: after Installed a trigger tells Idle.
    assert.deepEqual(await d.csms.call(ID, 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    await until(() => calls(d.csms, 'FirmwareStatusNotification').length > before.length + 1, 3000, 'the triggered notification');
    assert.deepEqual(calls(d.csms, 'FirmwareStatusNotification').at(-1), { status: 'Idle' });
  });

  it('ExtendedTriggerMessage FirmwareStatusNotification: SignedFirmwareStatusNotification Idle without a requestId when no update ran (whitepaper L01.FR.21)', async () => {
    const d = await startStation('1.6');
    assert.deepEqual(await d.csms.call(ID, 'ExtendedTriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    await until(() => calls(d.csms, 'SignedFirmwareStatusNotification').length === 1, 3000, 'the triggered notification');
    assert.deepEqual(calls(d.csms, 'SignedFirmwareStatusNotification'), [{ status: 'Idle' }]);
  });
});
