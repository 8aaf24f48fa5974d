import assert from 'node:assert/strict';
import { startStation } from '../drivers/start-station.js';
import { afterEachTest, calls, ID, restartWithin, until, withSecondEvse } from '../harness.js';
import { firmwareFixture } from '../firmware-server.js';

/**
 * 2.0.1's own firmware details: L02 (unsigned) Rejected unless firmware.allowUnsigned,
 * AllowNewSessionsPendingFirmwareUpdate letting sessions start while an install waits (L01.FR.07),
 * and TriggerMessage FirmwareStatusNotification (L01.FR.25/26).
 */

interface Status {
  status: string;
  requestId?: number;
}

describe('integration, OCPP 2.0.1: UpdateFirmware details', function () {
  this.timeout(30_000);
  const fx = firmwareFixture(afterEachTest);

  it('L02: an unsigned UpdateFirmware is Rejected (UnsignedNotAllowed) by default; TriggerMessage FirmwareStatusNotification then tells Idle without a requestId (L01.FR.20)', async () => {
    const d = await startStation('2.0.1');
    const answer = await d.csms.call(ID, 'UpdateFirmware', { requestId: 5, firmware: { location: fx.server.url('/evse-agent.release'), retrieveDateTime: new Date().toISOString() } });
    assert.deepEqual(answer, { status: 'Rejected', statusInfo: { reasonCode: 'UnsignedNotAllowed' } });
    assert.deepEqual(fx.server.fetches, []);
    assert.deepEqual(await d.csms.call(ID, 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    await until(() => calls(d.csms, 'FirmwareStatusNotification').length === 1, 3000, 'the triggered notification');
    assert.deepEqual(calls<Status>(d.csms, 'FirmwareStatusNotification'), [{ status: 'Idle' }]);
  });

  it('L01.FR.07: with AllowNewSessionsPendingFirmwareUpdate true, a new session starts while the install waits; a trigger tells InstallScheduled with the requestId (L01.FR.26)', async () => {
    const d = await startStation('2.0.1', { config: withSecondEvse });
    const install = await d.csms.call(ID, 'InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: fx.signing.root.certPem });
    assert.deepEqual(install, { status: 'Accepted' });
    const set = await d.csms.setVariables(ID, [{ component: { name: 'ChargingStation' }, variable: { name: 'AllowNewSessionsPendingFirmwareUpdate' }, attributeValue: 'true' }]);
    assert.equal(set.setVariableResult[0]!.attributeStatus, 'Accepted');
    await d.startCharging({ evseId: 1 });
    const firmware = { location: fx.server.url('/evse-agent.release'), retrieveDateTime: new Date().toISOString(), signingCertificate: fx.signing.signer.certPem, signature: fx.signing.sign(fx.release) };
    assert.deepEqual(await d.csms.call(ID, 'UpdateFirmware', { requestId: 6, firmware }), { status: 'Accepted' });
    await until(() => calls<Status>(d.csms, 'FirmwareStatusNotification').some((s) => s.status === 'InstallScheduled'), 8000, 'InstallScheduled');
    await d.startCharging({ evseId: 2, token: 'CARD-0002' });
    const before = calls(d.csms, 'FirmwareStatusNotification').length;
    assert.deepEqual(await d.csms.call(ID, 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    await until(() => calls(d.csms, 'FirmwareStatusNotification').length > before, 3000, 'the triggered notification');
    assert.deepEqual(calls<Status>(d.csms, 'FirmwareStatusNotification').at(-1), { status: 'InstallScheduled', requestId: 6 });
    assert.equal(await restartWithin(d.agent, 300), undefined, 'not while sessions run');
  });
});
