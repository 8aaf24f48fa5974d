import assert from 'node:assert/strict';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { CallErrorResponse } from '../../../src/ocpp/rpc/rpc-errors.js';
import { afterEachTest, assertCallError, ID, rawCall, startRig16 } from './rig.js';

/**
 * OCPP-J 1.6 §4.2.3 CALLERROR to what a Central System may send wrong, with 1.6's error codes
 * (OCPP-J errata: OccurenceConstraintViolation and FormationViolation spelled as published). The
 * frames go raw, past the DevCsms' own validation; the agent answers and carries on.
 */

/** The station still works, on the same connection. */
async function stillWorks(csms: DevCsms): Promise<void> {
  const got = await csms.getConfiguration(ID, ['NumberOfConnectors']);
  assert.deepEqual(got.configurationKey, [{ key: 'NumberOfConnectors', readonly: true, value: '1' }]);
  const station = csms.station(ID)!;
  assert.ok(station.connected);
  assert.deepEqual(
    station.connections.map((c) => c.type),
    ['connected'],
    'the socket stayed open',
  );
}

describe('OCPP 1.6 integration: RPC errors (OCPP-J 1.6 §4.2.3)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('an action OCPP 1.6 does not have: NotImplemented; one it has that the station does not support (SetChargingProfile, GetDiagnostics): NotSupported', async () => {
    const { csms } = await startRig16();
    assertCallError(await rawCall(csms, '[2,"unknown-1","MakeCoffee",{"sugar":2}]', 'unknown-1'), 'NotImplemented');
    await assert.rejects(
      csms.call(ID, 'SetChargingProfile', {
        connectorId: 1,
        csChargingProfiles: {
          chargingProfileId: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'TxDefaultProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
        },
      }),
      (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'NotSupported',
    );
    await assert.rejects(
      csms.call(ID, 'GetDiagnostics', { location: 'ftp://example.com/logs' }),
      (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'NotSupported',
    );
    await stillWorks(csms);
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.direction, e.action, e.error?.code]),
      [
        ['fromStation', 'MakeCoffee', 'NotImplemented'],
        ['fromStation', 'SetChargingProfile', 'NotSupported'],
        ['fromStation', 'GetDiagnostics', 'NotSupported'],
      ],
    );
  });

  it('schema-invalid calls: a missing field OccurenceConstraintViolation, a wrong type TypeConstraintViolation, a value outside the enumeration or too long PropertyConstraintViolation, an unknown field FormationViolation; nothing is done', async () => {
    const { csms, agent } = await startRig16();
    assertCallError(await rawCall(csms, '[2,"missing-1","RemoteStopTransaction",{}]', 'missing-1'), 'OccurenceConstraintViolation');
    assertCallError(await rawCall(csms, '[2,"missing-2","ChangeConfiguration",{"key":"HeartbeatInterval"}]', 'missing-2'), 'OccurenceConstraintViolation');
    assertCallError(await rawCall(csms, '[2,"type-1","RemoteStopTransaction",{"transactionId":"42"}]', 'type-1'), 'TypeConstraintViolation');
    assertCallError(await rawCall(csms, '[2,"type-2","ChangeConfiguration",{"key":"HeartbeatInterval","value":5}]', 'type-2'), 'TypeConstraintViolation');
    assertCallError(await rawCall(csms, '[2,"enum-1","TriggerMessage",{"requestedMessage":"SignChargePointCertificate"}]', 'enum-1'), 'PropertyConstraintViolation');
    assertCallError(await rawCall(csms, '[2,"enum-2","Reset",{"type":"Immediate"}]', 'enum-2'), 'PropertyConstraintViolation');
    assertCallError(await rawCall(csms, `[2,"long-1","RemoteStartTransaction",{"idTag":"${'X'.repeat(21)}"}]`, 'long-1'), 'PropertyConstraintViolation');
    assertCallError(await rawCall(csms, '[2,"extra-1","ClearCache",{"everything":true}]', 'extra-1'), 'FormationViolation');
    assert.equal(agent.configuration.getInt('HeartbeatInterval'), 300, 'the invalid ChangeConfiguration changed nothing');
    assert.equal(agent.station.snapshot()[0]!.authorizedIdToken, undefined, 'the invalid RemoteStartTransaction started nothing');
    await stillWorks(csms);
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.messageId, e.action]),
      ['missing-1', 'missing-2', 'type-1', 'type-2', 'enum-1', 'enum-2', 'long-1', 'extra-1'].map((id, i) => [
        id,
        ['RemoteStopTransaction', 'ChangeConfiguration', 'RemoteStopTransaction', 'ChangeConfiguration', 'TriggerMessage', 'Reset', 'RemoteStartTransaction', 'ClearCache'][i],
      ]),
    );
  });

  it('OCPP-J 1.6 §4.2.3 a frame that is not a valid RPC message: FormationViolation (1.6 has no RpcFrameworkError); a CALLRESULT nobody asked for and an unknown message type are ignored (§4.1.3); the agent carries on', async () => {
    const { csms } = await startRig16();
    assertCallError(await rawCall(csms, 'this is not JSON {', '-1'), 'FormationViolation');
    assertCallError(await rawCall(csms, '[2,"short-1","GetConfiguration"]', 'short-1'), 'FormationViolation');
    assertCallError(await rawCall(csms, '[2,"not-action-1",42,{}]', 'not-action-1'), 'FormationViolation');
    const before = csms.station(ID)!.messages.filter((m) => m.direction === 'fromStation').length;
    await csms.sendRaw(ID, '[3,"nobody-asked",{}]');
    await csms.sendRaw(ID, '[7,"unknown-type",{}]');
    await stillWorks(csms);
    const answers = csms.station(ID)!.messages.filter((m) => m.direction === 'fromStation').slice(before);
    assert.deepEqual(
      answers.map((m) => [m.kind, m.action]),
      [['callResult', 'GetConfiguration']],
      'nothing answered to the stray frames',
    );
  });
});
