import assert from 'node:assert/strict';
import { perVersion, startStation, VERSIONS, type OcppVersion } from '../drivers/start-station.js';
import { afterEachTest, assertCallError, ID, logLines, rawCall, sleep } from '../harness.js';

/**
 * What a hostile or broken CSMS may send, both versions, as raw frames past the DevCsms' own
 * checks: each answered with its exact CALLERROR code (1.6: OCPP-J 1.6 §4.2.3 with the errata's
 * spellings; 2.0.1: Part 4 §4.2.3, §4.4), and the station carries on with nothing applied and
 * nothing failing inside. The frames and codes are each version's (tables below): 1.6 has no
 * RpcFrameworkError nor MessageTypeNotSupported (an unknown message type is ignored, §4.1.3), no
 * customData and no free-form object, so deep nesting is refused at the first unknown member.
 * 2.0.1's deep customData and message limits: v201/malformed.test.ts.
 */

const deepObject = (levels: number): string => `${'{"n":'.repeat(levels)}1${'}'.repeat(levels)}`;
const keys = (n: number): string => Array.from({ length: n }, (_, i) => `"Key${i}"`).join(',');
const MODEL = '{"component":{"name":"ChargingStation"},"variable":{"name":"Model"}}';

/** [frame, the id answered, the code]. */
const BATTERY: Record<OcppVersion, Array<[frame: string, answerId: string, code: string]>> = {
  '1.6': [
    ['this is not JSON {', '-1', 'FormationViolation'],
    ['["2","type-text","Heartbeat",{}]', 'type-text', 'FormationViolation'],
    ['[2,"five-1","GetConfiguration",{},{}]', 'five-1', 'FormationViolation'],
    [`[2,"${'x'.repeat(37)}","GetConfiguration",{}]`, '-1', 'FormationViolation'], // ids are string[36]
    ['[2,"unknown-1","MakeCoffee",{"sugar":2}]', 'unknown-1', 'NotImplemented'],
    ['[2,"missing-1","ChangeConfiguration",{"key":"HeartbeatInterval"}]', 'missing-1', 'OccurenceConstraintViolation'],
    ['[2,"type-1","RemoteStopTransaction",{"transactionId":"42"}]', 'type-1', 'TypeConstraintViolation'],
    ['[2,"enum-1","Reset",{"type":"Immediate"}]', 'enum-1', 'PropertyConstraintViolation'],
    // 1.6 Reservation profile, malformed: no reservationId, a connectorId of the wrong type.
    ['[2,"reserve-1","ReserveNow",{"connectorId":1,"expiryDate":"2030-01-01T00:00:00Z","idTag":"CARD-0001"}]', 'reserve-1', 'OccurenceConstraintViolation'],
    ['[2,"reserve-2","ReserveNow",{"connectorId":"one","expiryDate":"2030-01-01T00:00:00Z","idTag":"CARD-0001","reservationId":7}]', 'reserve-2', 'TypeConstraintViolation'],
    ['[2,"cancel-1","CancelReservation",{}]', 'cancel-1', 'OccurenceConstraintViolation'],
    // Deep nesting where 1.6 has no such member, and as DataTransfer data (a string in 1.6).
    [`[2,"deep-1","GetConfiguration",{"customData":${deepObject(100_000)}}]`, 'deep-1', 'FormationViolation'],
    [`[2,"deep-2","DataTransfer",{"vendorId":"com.example","data":${deepObject(100_000)}}]`, 'deep-2', 'TypeConstraintViolation'],
    // Oversize: more keys than GetConfigurationMaxKeys (64), and a 1 MB value.
    [`[2,"keys-65","GetConfiguration",{"key":[${keys(65)}]}]`, 'keys-65', 'OccurenceConstraintViolation'],
    [`[2,"big-1","ChangeConfiguration",{"key":"HeartbeatInterval","value":"${'9'.repeat(1_000_000)}"}]`, 'big-1', 'PropertyConstraintViolation'],
  ],
  '2.0.1': [
    ['this is not JSON {', '-1', 'RpcFrameworkError'],
    ['[5,"type-5","Heartbeat",{}]', 'type-5', 'MessageTypeNotSupported'], // §4.4
    ['["2","type-text","Heartbeat",{}]', 'type-text', 'RpcFrameworkError'],
    ['[2,"five-1","GetVariables",{},{}]', 'five-1', 'RpcFrameworkError'], // §4.2.1: a CALL has 4 elements
    [`[2,"${'x'.repeat(37)}","GetVariables",{"getVariableData":[${MODEL}]}]`, '-1', 'RpcFrameworkError'], // ids are string[36]
    ['[2,"unknown-1","MakeCoffee",{"sugar":2}]', 'unknown-1', 'NotImplemented'],
    ['[2,"missing-1","GetVariables",{}]', 'missing-1', 'OccurrenceConstraintViolation'],
    ['[2,"type-1","RequestStopTransaction",{"transactionId":42}]', 'type-1', 'TypeConstraintViolation'],
    ['[2,"extra-1","ClearCache",{"everything":true}]', 'extra-1', 'FormatViolation'],
    ['[2,"enum-1","Reset",{"type":"Soft"}]', 'enum-1', 'PropertyConstraintViolation'],
    ['[2,"cd-no-vendor","GetVariables",{"customData":{"n":1},"getVariableData":[' + MODEL + ']}]', 'cd-no-vendor', 'OccurrenceConstraintViolation'], // customData needs its vendorId
  ],
};

/** A CALL answered normally afterwards: [frame, its id]. 1.6 at GetConfigurationMaxKeys exactly. */
const STILL_ANSWERED: Record<OcppVersion, [frame: string, messageId: string]> = {
  '1.6': [`[2,"keys-64","GetConfiguration",{"key":[${keys(64)}]}]`, 'keys-64'],
  '2.0.1': [`[2,"still-1","GetVariables",{"getVariableData":[${MODEL}]}]`, 'still-1'],
};

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: malformed and hostile calls, each with its exact CALLERROR`, function () {
    this.timeout(30000);
    afterEach(afterEachTest);

    it('a battery: bad JSON, wrong message type, missing field, wrong type, too-long id, unknown action, unknown field, bad enum value (1.6 also deep nesting and oversize); the station carries on, applies nothing refused, fails nothing inside', async () => {
      const d = await startStation(version);
      const battery = perVersion(version, BATTERY);
      for (const [frame, answerId, code] of battery) assertCallError(await rawCall(d.csms, frame, answerId), code);
      // 1.6 §4.1.3: a message type not in the table is ignored, not answered.
      if (d.version === '1.6') await d.csms.sendRaw(ID, '[5,"type-5","Heartbeat",{}]');
      const [frame, messageId] = perVersion(version, STILL_ANSWERED);
      assert.equal((await rawCall(d.csms, frame, messageId)).kind, 'callResult', 'answered on the same connection (1.6: at the limit exactly)');
      await sleep(50);
      assert.deepEqual(
        d.csms.station(ID)!.callErrors.map((e) => [e.direction, e.messageId, e.error?.code]),
        battery.map(([, id, code]) => ['fromStation', id, code]),
        'exactly the CALLERRORs expected (1.6: none for the unknown message type)',
      );
      if (d.version === '1.6') {
        assert.equal(d.agent.configuration.getInt('HeartbeatInterval'), 300, 'nothing refused was applied');
        assert.ok(d.agent.station.snapshot().every((e) => e.connectors.every((c) => c.status === 'Available')), 'nothing reserved');
      }
      assert.deepEqual(
        logLines.filter((l) => /InternalError|RangeError|call stack|failed: /.test(l)),
        [],
        'nothing failed inside',
      );
    });
  });
}
