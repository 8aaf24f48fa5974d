import assert from 'node:assert/strict';
import type { GetVariablesRequest } from 'ocpp-messages/v2.0/GetVariablesRequest.js';
import type { NotifyReportRequest } from 'ocpp-messages/v2.0/NotifyReportRequest.js';
import { CallErrorResponse } from '../../../src/ocpp/rpc/rpc-errors.js';
import {
  afterEachTest,
  assertNoCallErrors,
  callRecords,
  calls,
  ID,
  startAgent,
  startRig,
  stopAgent,
  sleep,
  until,
  waitForAccepted,
} from './rig.js';

/**
 * B05-B07: the CSMS reads, writes and reports the agent's device model over the wire. A new
 * HeartbeatInterval taking effect at once is shared with 1.6: ../scenarios/boot.test.ts.
 */

describe('OCPP 2.0.1 integration: device model (B05-B07)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('B06 GetVariables: known variables of station, EVSE and connector; UnknownComponent; UnknownVariable; WriteOnly Rejected; Target NotSupportedAttributeType', async () => {
    const { csms } = await startRig();
    const { getVariableResult: r } = await csms.getVariables(ID, [
      { component: { name: 'ChargingStation' }, variable: { name: 'VendorName' } },
      { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'ConnectorType' } },
      { component: { name: 'txctrlr' }, variable: { name: 'txstartpoint' } },
      { component: { name: 'NoSuchCtrlr' }, variable: { name: 'Enabled' } },
      { component: { name: 'EVSE', evse: { id: 7 } }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NoSuchVariable' } },
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeType: 'Target' },
    ]);
    assert.deepEqual(
      r.map((x) => [x.component.name, x.variable.name, x.attributeStatus, x.attributeValue]),
      [
        ['ChargingStation', 'VendorName', 'Accepted', 'evse-agent'],
        ['EVSE', 'AvailabilityState', 'Accepted', 'Available'],
        ['Connector', 'ConnectorType', 'Accepted', 'sType2'],
        // B06.FR.02: the names as the request gave them.
        ['txctrlr', 'txstartpoint', 'Accepted', 'PowerPathClosed'],
        ['NoSuchCtrlr', 'Enabled', 'UnknownComponent', undefined], // B06.FR.06
        ['EVSE', 'AvailabilityState', 'UnknownComponent', undefined],
        ['OCPPCommCtrlr', 'NoSuchVariable', 'UnknownVariable', undefined], // B06.FR.07
        ['SecurityCtrlr', 'BasicAuthPassword', 'Rejected', undefined], // B06.FR.09
        ['OCPPCommCtrlr', 'HeartbeatInterval', 'NotSupportedAttributeType', undefined], // B06.FR.08
      ],
    );
    assert.deepEqual(r[2]!.component.evse, { id: 1, connectorId: 1 });
    assertNoCallErrors(csms);
  });

  it('B05 SetVariables: ReadOnly Rejected, a bad value Rejected, an unknown variable UnknownVariable; B05.FR.10 an accepted value persists: a new agent on the same storage reports it', async () => {
    const { csms, agent, file } = await startRig();
    const { setVariableResult: r } = await csms.setVariables(ID, [
      { component: { name: 'ChargingStation' }, variable: { name: 'Model' }, attributeValue: 'other' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: 'soon' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NoSuchVariable' }, attributeValue: '1' },
      { component: { name: 'TxCtrlr' }, variable: { name: 'EVConnectionTimeOut' }, attributeValue: '77' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' }, attributeValue: '123' },
    ]);
    assert.deepEqual(
      r.map((x) => [x.variable.name, x.attributeStatus, x.attributeStatusInfo?.reasonCode]),
      [
        ['Model', 'Rejected', 'ReadOnly'],
        ['HeartbeatInterval', 'Rejected', r[1]!.attributeStatusInfo?.reasonCode],
        ['NoSuchVariable', 'UnknownVariable', undefined],
        ['EVConnectionTimeOut', 'Accepted', undefined],
        ['OfflineThreshold', 'Accepted', undefined],
      ],
    );
    assert.ok(r[1]!.attributeStatusInfo?.reasonCode, 'a reason for the bad value');
    // In effect at once: the charging core reads it.
    assert.equal(agent.adapter.chargingSettings().evConnectionTimeoutS, 77);
    const model = await csms.getVariables(ID, [{ component: { name: 'ChargingStation' }, variable: { name: 'Model' } }]);
    assert.equal(model.getVariableResult[0].attributeValue, 'simulator', 'ReadOnly value unchanged');

    // A restart: the same config and storage, a new agent.
    await stopAgent(agent);
    const again = await startAgent(file);
    await until(() => calls(csms, 'BootNotification').length === 2, 5000, 'the second boot');
    await waitForAccepted(csms, again.agent);
    const got = await csms.getVariables(ID, [
      { component: { name: 'TxCtrlr' }, variable: { name: 'EVConnectionTimeOut' } },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' } },
    ]);
    assert.deepEqual(
      got.getVariableResult.map((x) => x.attributeValue),
      ['77', '123'],
    );
    assertNoCallErrors(csms);
  });

  it('B07 GetBaseReport FullInventory: Accepted, then NotifyReport parts with increasing seqNo, tbc false on the last only, all schema-valid', async () => {
    const { csms } = await startRig();
    const response = await csms.getBaseReport(ID, 'FullInventory', 42);
    assert.equal(response.status, 'Accepted'); // B07.FR.01
    const last = await csms.waitFor<NotifyReportRequest>(ID, 'NotifyReport', (p) => p.requestId === 42 && !p.tbc);
    const records = callRecords<NotifyReportRequest>(csms, 'NotifyReport');
    const parts = records.map((m) => m.payload);
    assert.ok(parts.length >= 2, `${parts.length} parts: the 70-odd variables take two messages of 50`);
    assert.deepEqual(
      parts.map((p) => p.seqNo),
      parts.map((_, i) => i),
    ); // B07.FR.10
    assert.deepEqual(
      parts.map((p) => p.tbc),
      parts.map((_, i) => i < parts.length - 1),
    );
    assert.ok(parts.every((p) => p.requestId === 42)); // B07.FR.04
    assert.ok(parts.every((p) => (p.reportData?.length ?? 0) <= 50), 'ItemsPerMessage[GetReport] = 50');
    const answer = csms.station(ID)!.messages.find((m) => m.kind === 'callResult' && m.action === 'GetBaseReport')!;
    assert.ok(records[0]!.seq > answer.seq, 'the response first, then the report');
    const items = parts.flatMap((p) => p.reportData ?? []);
    const find = (component: string, variable: string) => items.find((i) => i.component.name === component && i.variable.name === variable);
    assert.equal(find('ChargingStation', 'SerialNumber')?.variableAttribute[0].value, 'SIM-SERIAL-0001');
    assert.equal(find('OCPPCommCtrlr', 'HeartbeatInterval')?.variableAttribute[0].mutability, 'ReadWrite');
    const password = find('SecurityCtrlr', 'BasicAuthPassword');
    assert.ok(password && password.variableAttribute[0].value === undefined, 'B07.FR.03: no value for a WriteOnly variable');
    assert.ok(items.some((i) => i.component.name === 'Connector' && i.component.evse?.connectorId === 1));
    // Another report base, once the first report is done (B07.FR.13: Rejected while one is being sent).
    await until(() => csms.station(ID)!.messages.some((m) => m.kind === 'callResult' && m.messageId === last.messageId), 2000, 'the last part answered');
    await sleep(50);
    const config = await csms.getBaseReport(ID, 'ConfigurationInventory', 43);
    assert.equal(config.status, 'Accepted');
    await csms.waitFor<NotifyReportRequest>(ID, 'NotifyReport', (p) => p.requestId === 43 && !p.tbc);
    const configItems = calls<NotifyReportRequest>(csms, 'NotifyReport').filter((p) => p.requestId === 43).flatMap((p) => p.reportData ?? []);
    assert.ok(configItems.length > 0 && configItems.every((i) => i.variableAttribute[0].mutability !== 'ReadOnly'), 'B07.FR.07');
    assertNoCallErrors(csms);
  });
  it('B06.FR.16 a GetVariables of more items than ItemsPerMessage[GetVariables] (50): CALLERROR OccurrenceConstraintViolation', async () => {
    const { csms } = await startRig();
    const item = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } };
    const items = (n: number): GetVariablesRequest['getVariableData'] => [item, ...Array.from({ length: n - 1 }, () => item)];
    await assert.rejects(csms.getVariables(ID, items(51)), (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'OccurrenceConstraintViolation');
    const fifty = await csms.getVariables(ID, items(50));
    assert.equal(fifty.getVariableResult.length, 50);
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.direction, e.action, e.error?.code]),
      [['fromStation', 'GetVariables', 'OccurrenceConstraintViolation']],
    );
  });

  it('B08 GetReport: Accepted and a NotifyReport limited to the component variables asked (B08.FR.05); EmptyResultSet when nothing matches (B08.FR.15)', async () => {
    const { csms } = await startRig();
    const accepted = await csms.call(ID, 'GetReport', {
      requestId: 5,
      componentVariable: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }, { component: { name: 'EVSE', evse: { id: 1 } } }],
    });
    assert.deepEqual(accepted, { status: 'Accepted' });
    const report = await csms.waitFor<NotifyReportRequest>(ID, 'NotifyReport', (p) => p.requestId === 5 && !p.tbc);
    const items = report.payload.reportData ?? [];
    assert.ok(items.some((i) => i.component.name === 'OCPPCommCtrlr' && i.variable.name === 'HeartbeatInterval'));
    assert.ok(items.some((i) => i.component.name === 'EVSE' && i.variable.name === 'AvailabilityState'));
    assert.ok(items.every((i) => (i.component.name === 'OCPPCommCtrlr' && i.variable.name === 'HeartbeatInterval') || (i.component.name === 'EVSE' && i.component.evse?.id === 1)));
    await until(() => csms.station(ID)!.messages.some((m) => m.kind === 'callResult' && m.messageId === report.messageId), 2000, 'the report answered');
    await sleep(50);
    const empty = await csms.call(ID, 'GetReport', { requestId: 6, componentVariable: [{ component: { name: 'NoSuchCtrlr' } }] });
    assert.deepEqual(empty, { status: 'EmptyResultSet' });
    assertNoCallErrors(csms);
  });
});
