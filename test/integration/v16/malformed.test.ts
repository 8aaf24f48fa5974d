import assert from 'node:assert/strict';
import { afterEachTest, assertCallError, ID, logLines, rawCall, startRig16, sleep } from './rig.js';

/**
 * What a hostile or broken Central System may send an OCPP 1.6 charge point, as raw frames past
 * the DevCsms' own checks, each answered with its exact 1.6 CALLERROR code (OCPP-J 1.6 §4.2.3, the
 * errata's spellings), or ignored where §4.1.3 says so. 1.6 has no customData and no free-form
 * object (DataTransfer data is a string; errata §3.2 closes every object), so deep nesting is
 * refused at the first unknown member, never walked.
 */

const deepObject = (levels: number): string => `${'{"n":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('OCPP 1.6 integration: malformed and hostile calls, each with its exact CALLERROR (OCPP-J 1.6 §4.2.3)', function () {
  this.timeout(30000);
  afterEach(afterEachTest);

  it('a battery: bad JSON, wrong message type, missing field, wrong type, too-long id, unknown action, deep nesting, oversize; the charge point carries on', async () => {
    const { csms, agent } = await startRig16();
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `"Key${i}"`).join(',');
    const battery: Array<[frame: string, answerId: string, code: string]> = [
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
      // Oversize: more keys than GetConfigurationMaxKeys (50), and a 1 MB value.
      [`[2,"keys-51","GetConfiguration",{"key":[${keys(51)}]}]`, 'keys-51', 'OccurenceConstraintViolation'],
      [`[2,"big-1","ChangeConfiguration",{"key":"HeartbeatInterval","value":"${'9'.repeat(1_000_000)}"}]`, 'big-1', 'PropertyConstraintViolation'],
    ];
    for (const [frame, answerId, code] of battery) assertCallError(await rawCall(csms, frame, answerId), code);
    // §4.1.3: a message type not in the table is ignored, not answered.
    await csms.sendRaw(ID, '[5,"type-5","Heartbeat",{}]');
    const fifty = await rawCall(csms, `[2,"keys-50","GetConfiguration",{"key":[${keys(50)}]}]`, 'keys-50');
    assert.equal(fifty.kind, 'callResult', 'at the limit exactly: answered');
    await sleep(50);
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.direction, e.messageId, e.error?.code]),
      battery.map(([, id, code]) => ['fromStation', id, code]),
      'exactly the CALLERRORs expected, none for the unknown message type',
    );
    assert.equal(agent.configuration.getInt('HeartbeatInterval'), 300, 'nothing refused was applied');
    assert.ok(agent.station.snapshot().every((e) => e.connectors.every((c) => c.status === 'Available')), 'nothing reserved');
    assert.deepEqual(
      logLines.filter((l) => /InternalError|RangeError|call stack/.test(l)),
      [],
      'nothing failed inside',
    );
  });
});
