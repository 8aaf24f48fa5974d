import assert from 'node:assert/strict';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { CallErrorResponse } from '../../../src/ocpp/rpc/rpc-errors.js';
import { afterEachTest, assertCallError, assertNoCallErrors, ID, rawCall, startRig } from './rig.js';

/**
 * P01 DataTransfer, and the RPC framework's error answers (Part 4 §4.2.3, §4.3) to what a CSMS
 * may send wrong: frames are sent raw, past the DevCsms' own validation.
 */

/** The station still works: a GetVariables is answered on the same connection. */
async function stillWorks(csms: DevCsms): Promise<void> {
  const got = await csms.getVariables(ID, [{ component: { name: 'ChargingStation' }, variable: { name: 'Model' } }]);
  assert.equal(got.getVariableResult[0].attributeValue, 'simulator');
  const station = csms.station(ID)!;
  assert.ok(station.connected);
  assert.deepEqual(
    station.connections.map((c) => c.type),
    ['connected'],
    'the socket stayed open',
  );
}

describe('OCPP 2.0.1 integration: DataTransfer and RPC errors (P01, Part 4)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('P01.FR.05 DataTransfer of an unknown vendor: UnknownVendorId; with a registered handler, its answer; a failing handler, Rejected', async () => {
    const { csms, agent } = await startRig();
    assert.deepEqual(await csms.call(ID, 'DataTransfer', { vendorId: 'com.example.nobody', messageId: 'x' }), { status: 'UnknownVendorId' });
    const seen: unknown[] = [];
    agent.v201.dataTransferHandlers.set('com.example.vendor', async (messageId, data) => {
      seen.push([messageId, data]);
      return { status: 'Accepted', data: { echo: data, messageId: messageId ?? null } };
    });
    agent.v201.dataTransferHandlers.set('com.example.broken', async () => {
      throw new Error('broken');
    });
    assert.deepEqual(await csms.call(ID, 'DataTransfer', { vendorId: 'com.example.vendor', messageId: 'ping', data: { n: 1 } }), {
      status: 'Accepted',
      data: { echo: { n: 1 }, messageId: 'ping' },
    });
    assert.deepEqual(seen, [['ping', { n: 1 }]]);
    assert.deepEqual(await csms.call(ID, 'DataTransfer', { vendorId: 'com.example.broken' }), { status: 'Rejected' });
    assertNoCallErrors(csms);
  });

  it('an action OCPP 2.0.1 does not have: CALLERROR NotImplemented; one it has that the station does not support (SetChargingProfile): NotSupported', async () => {
    const { csms } = await startRig();
    assertCallError(await rawCall(csms, '[2,"unknown-1","MakeCoffee",{"sugar":2}]', 'unknown-1'), 'NotImplemented');
    await assert.rejects(
      csms.call(ID, 'SetChargingProfile', {
        evseId: 1,
        chargingProfile: {
          id: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'TxDefaultProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }],
        },
      }),
      (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'NotSupported',
    );
    await stillWorks(csms);
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.direction, e.action, e.error?.code]),
      [
        ['fromStation', 'MakeCoffee', 'NotImplemented'],
        ['fromStation', 'SetChargingProfile', 'NotSupported'],
      ],
    );
  });

  it('a CALL without a required field: OccurrenceConstraintViolation; with a field of the wrong type: TypeConstraintViolation; nothing is done', async () => {
    const { csms, agent } = await startRig();
    assertCallError(await rawCall(csms, '[2,"missing-1","GetVariables",{}]', 'missing-1'), 'OccurrenceConstraintViolation');
    assertCallError(await rawCall(csms, '[2,"missing-2","RequestStartTransaction",{"remoteStartId":1}]', 'missing-2'), 'OccurrenceConstraintViolation');
    assertCallError(await rawCall(csms, '[2,"type-1","RequestStopTransaction",{"transactionId":42}]', 'type-1'), 'TypeConstraintViolation');
    assertCallError(
      await rawCall(csms, '[2,"type-2","SetVariables",{"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"},"attributeValue":5}]}]', 'type-2'),
      'TypeConstraintViolation',
    );
    assert.equal(agent.deviceModel.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 300, 'the invalid SetVariables changed nothing');
    assert.equal(agent.station.snapshot()[0]!.authorizedIdToken, undefined);
    await stillWorks(csms);
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.messageId, e.action, e.error?.code]),
      [
        ['missing-1', 'GetVariables', 'OccurrenceConstraintViolation'],
        ['missing-2', 'RequestStartTransaction', 'OccurrenceConstraintViolation'],
        ['type-1', 'RequestStopTransaction', 'TypeConstraintViolation'],
        ['type-2', 'SetVariables', 'TypeConstraintViolation'],
      ],
    );
  });

  it('Part 4 §4.2.3 a frame that is not OCPP-J: RpcFrameworkError with message id "-1"; the agent carries on on the same connection', async () => {
    const { csms } = await startRig();
    assertCallError(await rawCall(csms, 'this is not JSON {', '-1'), 'RpcFrameworkError');
    assertCallError(await rawCall(csms, '{"not":"an array"}', '-1'), 'RpcFrameworkError');
    // A CALL with too few elements: its id is readable, so it is echoed.
    assertCallError(await rawCall(csms, '[2,"short-1","GetVariables"]', 'short-1'), 'RpcFrameworkError');
    await stillWorks(csms);
    // Only the errors asked for, all from the station.
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.direction, e.messageId, e.error?.code]),
      [
        ['fromStation', '-1', 'RpcFrameworkError'],
        ['fromStation', '-1', 'RpcFrameworkError'],
        ['fromStation', 'short-1', 'RpcFrameworkError'],
      ],
    );
  });
});
