import assert from 'node:assert/strict';
import type { NotifyReportRequest } from 'ocpp-messages/v2.0/index.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { afterEachTest, assertCallError, ID, logLines, rawCall, startRig } from './rig.js';

/**
 * What a hostile or broken CSMS may send an OCPP 2.0.1 station beyond the battery shared with 1.6
 * (../scenarios/malformed.test.ts): schema-valid requests whose customData nests 10,000 levels deep
 * answered like any other, and the message limits (Part 4 §4.3), the station's DeviceDataCtrlr
 * defaults: ItemsPerMessage 50, BytesPerMessage 65536.
 */

/** customData nested `levels` deep, as JSON text: {"vendorId":"com.example","n":{"n":...{"n":1}...}}. */
function deepCustomData(levels: number): string {
  return `{"vendorId":"com.example","n":${'{"n":'.repeat(levels - 1)}1${'}'.repeat(levels - 1)}}`;
}

/** How deep a parsed JSON value nests, walked without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const MODEL = '{"component":{"name":"ChargingStation"},"variable":{"name":"Model"}}';
const EV_TIMEOUT = (value: string) => `{"component":{"name":"TxCtrlr"},"variable":{"name":"EVConnectionTimeOut"},"attributeValue":"${value}"}`;
const items = (item: string, n: number) => Array.from({ length: n }, () => item).join(',');

/** The codes of the station's CALLERRORs, by message id, in order. */
function stationCallErrors(csms: DevCsms): Array<[string | undefined, string | undefined]> {
  return csms.station(ID)!.callErrors.filter((e) => e.direction === 'fromStation').map((e) => [e.messageId, e.error?.code]);
}

/** Nothing of the agent failed: no InternalError, no stack overflow logged. */
function assertNothingFailed(): void {
  const failures = logLines.filter((l) => /InternalError|RangeError|call stack|failed: /.test(l));
  assert.deepEqual(failures, [], 'no failure logged');
}

describe('OCPP 2.0.1 integration: malformed and hostile calls, each with its exact CALLERROR (Part 4 §4.2.3, B06.FR.16/17, B08.FR.17/18)', function () {
  this.timeout(30000);
  afterEach(afterEachTest);

  it('customData nested 10,000 levels deep in GetVariables, SetVariables and GetReport: answered normally; DataTransfer data 100,000 deep: echoed by its handler', async () => {
    const { csms, agent } = await startRig();
    const deep = deepCustomData(10_000);
    const get = await rawCall(csms, `[2,"deep-get","GetVariables",{"customData":${deep},"getVariableData":[${MODEL}]}]`, 'deep-get');
    assert.equal(get.kind, 'callResult', JSON.stringify(get.payload));
    assert.equal((get.payload as { getVariableResult: Array<{ attributeValue: string }> }).getVariableResult[0]!.attributeValue, 'simulator');

    const setItem = `{"component":{"name":"TxCtrlr"},"variable":{"name":"EVConnectionTimeOut","customData":${deep}},"attributeValue":"90"}`;
    const set = await rawCall(csms, `[2,"deep-set","SetVariables",{"setVariableData":[${setItem}]}]`, 'deep-set');
    assert.equal(set.kind, 'callResult', JSON.stringify(set.payload));
    assert.equal((set.payload as { setVariableResult: Array<{ attributeStatus: string }> }).setVariableResult[0]!.attributeStatus, 'Accepted');
    assert.equal(agent.deviceModel.getInt('TxCtrlr', 'EVConnectionTimeOut'), 90);

    const report = await rawCall(
      csms,
      `[2,"deep-report","GetReport",{"customData":${deep},"requestId":77,"componentVariable":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}]`,
      'deep-report',
    );
    assert.deepEqual([report.kind, report.payload], ['callResult', { status: 'Accepted' }]);
    const notify = await csms.waitFor<NotifyReportRequest>(ID, 'NotifyReport', (p) => p.requestId === 77);
    assert.equal(notify.payload.reportData?.[0]?.variable.name, 'HeartbeatInterval');

    // A vendor handler answering with what it was given: the answer nests as deep as the request.
    agent.v201.dataTransferHandlers.set('com.example.echo', async (_messageId, data) => ({ status: 'Accepted', data }));
    const echo = await rawCall(csms, `[2,"deep-echo","DataTransfer",{"vendorId":"com.example.echo","data":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`, 'deep-echo');
    assert.equal(echo.kind, 'callResult');
    assert.equal((echo.payload as { status: string }).status, 'Accepted');
    assert.equal(depthOf((echo.payload as { data: unknown }).data), 100_000);

    assert.deepEqual(stationCallErrors(csms), [], 'no CALLERROR');
    assertNothingFailed();
  });

  it('B06.FR.16/17, B08.FR.17/18: over BytesPerMessage (counted as received, deep or flat) FormatViolation; over ItemsPerMessage OccurrenceConstraintViolation; SetVariables likewise, nothing set', async () => {
    const { csms, agent } = await startRig();
    const deeper = deepCustomData(100_000); // about 600 kB
    const wide = `{"vendorId":"com.example","blob":"${'x'.repeat(70_000)}"}`;
    const battery: Array<[frame: string, answerId: string, code: string]> = [
      [`[2,"bytes-get","GetVariables",{"customData":${deeper},"getVariableData":[${MODEL}]}]`, 'bytes-get', 'FormatViolation'],
      [`[2,"bytes-get-flat","GetVariables",{"customData":${wide},"getVariableData":[${MODEL}]}]`, 'bytes-get-flat', 'FormatViolation'],
      [`[2,"bytes-set","SetVariables",{"customData":${deeper},"setVariableData":[${EV_TIMEOUT('91')}]}]`, 'bytes-set', 'FormatViolation'],
      [`[2,"bytes-report","GetReport",{"customData":${deeper},"requestId":1}]`, 'bytes-report', 'FormatViolation'],
      [`[2,"items-get","GetVariables",{"getVariableData":[${items(MODEL, 51)}]}]`, 'items-get', 'OccurrenceConstraintViolation'],
      [`[2,"items-set","SetVariables",{"setVariableData":[${items(EV_TIMEOUT('92'), 51)}]}]`, 'items-set', 'OccurrenceConstraintViolation'],
      [
        `[2,"items-report","GetReport",{"requestId":2,"componentVariable":[${items('{"component":{"name":"OCPPCommCtrlr"}}', 51)}]}]`,
        'items-report',
        'OccurrenceConstraintViolation',
      ],
    ];
    for (const [frame, answerId, code] of battery) assertCallError(await rawCall(csms, frame, answerId), code);
    assert.deepEqual(
      stationCallErrors(csms),
      battery.map(([, id, code]) => [id, code]),
    );
    assert.equal(agent.deviceModel.getInt('TxCtrlr', 'EVConnectionTimeOut'), 120, 'the refused SetVariables set nothing');
    // At the limits exactly: answered.
    const fifty = await rawCall(csms, `[2,"items-50","GetVariables",{"getVariableData":[${items(MODEL, 50)}]}]`, 'items-50');
    assert.equal(fifty.kind, 'callResult');
    assertNothingFailed();
  });
});
