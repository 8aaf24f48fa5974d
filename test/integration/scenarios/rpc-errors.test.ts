import assert from 'node:assert/strict';
import { CallErrorResponse } from '../../../src/ocpp/rpc/rpc-errors.js';
import { perVersion, startStation, VERSIONS, type AnyDriver, type OcppVersion } from '../drivers/start-station.js';
import { afterEachTest, assertCallError, ID, rawCall } from '../harness.js';

/**
 * The RPC framework's CALLERRORs, both versions (OCPP-J 1.6 §4.2.3 with the errata's spellings;
 * 2.0.1 Part 4 §4.2.3, §4.3): an action the version does not have, one the station does not
 * support, schema-invalid calls, and frames that are not RPC messages, sent raw past the DevCsms'
 * own checks. The codes and the frames are each version's (tables below); the behaviour is one:
 * the exact code, nothing done, the station carries on on the same connection. A battery of
 * hostile frames: malformed.test.ts; 2.0.1's message limits: v201/malformed.test.ts.
 */

/** The station still works, on the same connection. */
async function stillWorks(d: AnyDriver): Promise<void> {
  if (d.version === '1.6') {
    const got = await d.csms.getConfiguration(ID, ['NumberOfConnectors']);
    assert.deepEqual(got.configurationKey, [{ key: 'NumberOfConnectors', readonly: true, value: '1' }]);
  } else {
    const got = await d.csms.getVariables(ID, [{ component: { name: 'ChargingStation' }, variable: { name: 'Model' } }]);
    assert.equal(got.getVariableResult[0]!.attributeValue, 'simulator');
  }
  const station = d.csms.station(ID)!;
  assert.ok(station.connected);
  assert.deepEqual(
    station.connections.map((c) => c.type),
    ['connected'],
    'the socket stayed open',
  );
}

/** Schema-valid CALLs of actions the version has and the station does not support. */
const UNSUPPORTED: Record<OcppVersion, Array<[action: string, payload: object]>> = {
  // Security whitepaper L01.FR.20: the unsigned 1.6 UpdateFirmware is NotSupported (firmware.allowUnsigned is off by default).
  '1.6': [['UpdateFirmware', { location: 'ftp://example.com/firmware.bin', retrieveDate: '2030-01-01T00:00:00Z' }]],
  // L03 PublishFirmware is a Local Controller's.
  '2.0.1': [['PublishFirmware', { location: 'ftp://example.com/firmware.bin', checksum: '0123456789abcdef0123456789abcdef', requestId: 1 }]],
};

/** Schema-invalid CALLs: [message id, frame, the action, the code]. */
const SCHEMA_INVALID: Record<OcppVersion, Array<[messageId: string, frame: string, action: string, code: string]>> = {
  '1.6': [
    ['missing-1', '[2,"missing-1","RemoteStopTransaction",{}]', 'RemoteStopTransaction', 'OccurenceConstraintViolation'],
    ['missing-2', '[2,"missing-2","ChangeConfiguration",{"key":"HeartbeatInterval"}]', 'ChangeConfiguration', 'OccurenceConstraintViolation'],
    ['type-1', '[2,"type-1","RemoteStopTransaction",{"transactionId":"42"}]', 'RemoteStopTransaction', 'TypeConstraintViolation'],
    ['type-2', '[2,"type-2","ChangeConfiguration",{"key":"HeartbeatInterval","value":5}]', 'ChangeConfiguration', 'TypeConstraintViolation'],
    ['enum-1', '[2,"enum-1","TriggerMessage",{"requestedMessage":"SignChargePointCertificate"}]', 'TriggerMessage', 'PropertyConstraintViolation'],
    ['enum-2', '[2,"enum-2","Reset",{"type":"Immediate"}]', 'Reset', 'PropertyConstraintViolation'],
    ['long-1', `[2,"long-1","RemoteStartTransaction",{"idTag":"${'X'.repeat(21)}"}]`, 'RemoteStartTransaction', 'PropertyConstraintViolation'],
    ['extra-1', '[2,"extra-1","ClearCache",{"everything":true}]', 'ClearCache', 'FormationViolation'],
  ],
  '2.0.1': [
    ['missing-1', '[2,"missing-1","GetVariables",{}]', 'GetVariables', 'OccurrenceConstraintViolation'],
    ['missing-2', '[2,"missing-2","RequestStartTransaction",{"remoteStartId":1}]', 'RequestStartTransaction', 'OccurrenceConstraintViolation'],
    ['type-1', '[2,"type-1","RequestStopTransaction",{"transactionId":42}]', 'RequestStopTransaction', 'TypeConstraintViolation'],
    [
      'type-2',
      '[2,"type-2","SetVariables",{"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"},"attributeValue":5}]}]',
      'SetVariables',
      'TypeConstraintViolation',
    ],
  ],
};

/** Frames that are not RPC messages: [frame, the id answered, the code]. 1.6 has no RpcFrameworkError. */
const NOT_RPC: Record<OcppVersion, Array<[frame: string, answerId: string, code: string]>> = {
  '1.6': [
    ['this is not JSON {', '-1', 'FormationViolation'],
    ['[2,"short-1","GetConfiguration"]', 'short-1', 'FormationViolation'],
    ['[2,"not-action-1",42,{}]', 'not-action-1', 'FormationViolation'],
  ],
  '2.0.1': [
    ['this is not JSON {', '-1', 'RpcFrameworkError'],
    ['{"not":"an array"}', '-1', 'RpcFrameworkError'],
    // A CALL with too few elements: its id is readable, so it is echoed.
    ['[2,"short-1","GetVariables"]', 'short-1', 'RpcFrameworkError'],
  ],
};

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: RPC errors`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    it('an action the version does not have: NotImplemented; one it has that the station does not support (1.6 UpdateFirmware by default, 2.0.1 PublishFirmware): NotSupported; the station carries on', async () => {
      const d = await startStation(version);
      assertCallError(await rawCall(d.csms, '[2,"unknown-1","MakeCoffee",{"sugar":2}]', 'unknown-1'), 'NotImplemented');
      const unsupported = perVersion(version, UNSUPPORTED);
      for (const [action, payload] of unsupported) {
        await assert.rejects(d.csms.call(ID, action, payload), (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'NotSupported');
      }
      await stillWorks(d);
      assert.deepEqual(
        d.csms.station(ID)!.callErrors.map((e) => [e.direction, e.action, e.error?.code]),
        [['fromStation', 'MakeCoffee', 'NotImplemented'], ...unsupported.map(([action]) => ['fromStation', action, 'NotSupported'])],
      );
    });

    it('schema-invalid calls: a missing field Occur(r)enceConstraintViolation, a wrong type TypeConstraintViolation; 1.6 also a value outside the enumeration or too long PropertyConstraintViolation and an unknown field FormationViolation; nothing is done', async () => {
      const d = await startStation(version);
      const invalid = perVersion(version, SCHEMA_INVALID);
      for (const [id, frame, , code] of invalid) assertCallError(await rawCall(d.csms, frame, id), code);
      const heartbeatS = d.version === '1.6' ? d.agent.configuration.getInt('HeartbeatInterval') : d.agent.deviceModel.getInt('OCPPCommCtrlr', 'HeartbeatInterval');
      assert.equal(heartbeatS, 300, 'the invalid configuration change changed nothing');
      assert.equal(d.agent.station.snapshot()[0]!.authorizedIdToken, undefined, 'the invalid remote start started nothing');
      await stillWorks(d);
      assert.deepEqual(
        d.csms.station(ID)!.callErrors.map((e) => [e.messageId, e.action, e.error?.code]),
        invalid.map(([id, , action, code]) => [id, action, code]),
      );
    });

    it('1.6 §4.2.3 / 2.0.1 Part 4 §4.2.3 a frame that is not a valid RPC message: FormationViolation (1.6) or RpcFrameworkError (2.0.1), with message id "-1" where none can be read; 1.6 §4.1.3 a CALLRESULT nobody asked for and an unknown message type are ignored; the agent carries on on the same connection', async () => {
      const d = await startStation(version);
      const frames = perVersion(version, NOT_RPC);
      for (const [frame, id, code] of frames) assertCallError(await rawCall(d.csms, frame, id), code);
      if (d.version === '1.6') {
        const before = d.csms.station(ID)!.messages.filter((m) => m.direction === 'fromStation').length;
        await d.csms.sendRaw(ID, '[3,"nobody-asked",{}]');
        await d.csms.sendRaw(ID, '[7,"unknown-type",{}]');
        await stillWorks(d);
        const answers = d.csms.station(ID)!.messages.filter((m) => m.direction === 'fromStation').slice(before);
        assert.deepEqual(
          answers.map((m) => [m.kind, m.action]),
          [['callResult', 'GetConfiguration']],
          'nothing answered to the stray frames',
        );
      } else await stillWorks(d);
      // Only the errors asked for, all from the station.
      assert.deepEqual(
        d.csms.station(ID)!.callErrors.map((e) => [e.direction, e.messageId, e.error?.code]),
        frames.map(([, id, code]) => ['fromStation', id, code]),
      );
    });
  });
}
