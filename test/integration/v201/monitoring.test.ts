import assert from 'node:assert/strict';
import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { NotifyMonitoringReportRequest } from 'ocpp-messages/v2.0/NotifyMonitoringReportRequest.js';
import type { SetVariableMonitoringResponse } from 'ocpp-messages/v2.0/SetVariableMonitoringResponse.js';
import type { SetVariablesResponse } from 'ocpp-messages/v2.0/SetVariablesResponse.js';
import { afterEachTest, calls, ID, logLines, sleep, startAgent, startCharging, startCsms, startRig, stopAgent, stopCsms, unplug, until, waitForAccepted, waitForTx, type Rig } from './rig.js';

/**
 * OCPP 2.0.1 variable monitors (N02, N04-N07) on the simulated station: an UpperThreshold on EVSE 1's
 * Power (the simulated meter draws 16 A x 3 x 230 V, about 11 kW, while charging) raises a
 * CustomMonitor NotifyEvent and clears it when charging stops; SetMonitoringLevel holds back the
 * events of monitors with a greater severity number.
 */

const POWER = { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } };

function monitorEvents(rig: Rig, monitorId: number): EventDataType[] {
  return calls<NotifyEventRequest>(rig.csms, 'NotifyEvent')
    .flatMap((r) => r.eventData)
    .filter((e) => e.variableMonitoringId === monitorId);
}

async function setPowerMonitor(rig: Rig, severity: number): Promise<number> {
  const answer = (await rig.csms.call(ID, 'SetVariableMonitoring', { setMonitoringData: [{ ...POWER, type: 'UpperThreshold', value: 10000, severity }] })) as SetVariableMonitoringResponse;
  const [result] = answer.setMonitoringResult;
  assert.equal(result.status, 'Accepted');
  assert.ok(result.id !== undefined);
  return result.id;
}

describe('OCPP 2.0.1 integration: variable monitoring (N04-N07)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('an UpperThreshold on EVSE 1 Power raises a CustomMonitor NotifyEvent during the session and clears when it stops; GetMonitoringReport reports it; ClearVariableMonitoring removes it', async function () {
    const rig = await startRig();
    const id = await setPowerMonitor(rig, 5);
    const transactionId = await startCharging(rig);
    await until(() => monitorEvents(rig, id).length >= 1, 8000, 'the monitor raises');
    const [raised] = monitorEvents(rig, id);
    assert.equal(raised!.eventNotificationType, 'CustomMonitor');
    assert.equal(raised!.trigger, 'Alerting');
    assert.equal(raised!.cleared, undefined);
    assert.ok(Number(raised!.actualValue) > 10000, `actualValue ${raised!.actualValue}`);
    assert.deepEqual(raised!.component, POWER.component);
    assert.equal(raised!.transactionId, transactionId);
    await unplug(rig.agent);
    await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
    await until(() => monitorEvents(rig, id).length >= 2, 8000, 'the monitor clears');
    const cleared = monitorEvents(rig, id)[1]!;
    assert.equal(cleared.cleared, true);
    assert.ok(Number(cleared.actualValue) <= 10000);
    assert.equal(monitorEvents(rig, id).length, 2);
    // N02: the monitor as the CSMS set it, in a NotifyMonitoringReport with the request's id (N02.FR.05: criteria and variable).
    const onPower = { component: POWER.component, variable: POWER.variable };
    assert.deepEqual(await rig.csms.call(ID, 'GetMonitoringReport', { requestId: 31, monitoringCriteria: ['ThresholdMonitoring'], componentVariable: [onPower] }), { status: 'Accepted' });
    await until(() => calls<NotifyMonitoringReportRequest>(rig.csms, 'NotifyMonitoringReport').length === 1, 4000, 'NotifyMonitoringReport');
    const [report] = calls<NotifyMonitoringReportRequest>(rig.csms, 'NotifyMonitoringReport');
    assert.equal(report!.requestId, 31);
    assert.deepEqual(report!.monitor, [{ ...POWER, variableMonitoring: [{ id, transaction: false, value: 10000, type: 'UpperThreshold', severity: 5 }] }]);
    assert.deepEqual(await rig.csms.call(ID, 'GetMonitoringReport', { requestId: 32, monitoringCriteria: ['DeltaMonitoring'], componentVariable: [onPower] }), { status: 'EmptyResultSet' });
    const answer = await rig.csms.call(ID, 'ClearVariableMonitoring', { id: [id, id + 100] });
    assert.deepEqual(answer, { clearMonitoringResult: [{ id, status: 'Accepted' }, { id: id + 100, status: 'NotFound' }] });
  });

  it('SetMonitoringLevel 4: a severity 5 monitor over its threshold sends nothing; out of range Rejected; ActiveMonitoringLevel reads the level', async function () {
    const rig = await startRig();
    const id = await setPowerMonitor(rig, 5);
    assert.deepEqual(await rig.csms.call(ID, 'SetMonitoringLevel', { severity: 4 }), { status: 'Accepted' });
    assert.equal(((await rig.csms.call(ID, 'SetMonitoringLevel', { severity: 10 })) as { status: string }).status, 'Rejected');
    const level = await rig.csms.getVariables(ID, [{ component: { name: 'MonitoringCtrlr' }, variable: { name: 'ActiveMonitoringLevel' } }]);
    assert.equal(level.getVariableResult[0].attributeValue, '4');
    await startCharging(rig);
    // The value the monitor reads, as GetVariables gives it.
    let powerW = 0;
    const readPower = async (): Promise<void> => {
      powerW = Number((await rig.csms.getVariables(ID, [POWER])).getVariableResult[0].attributeValue);
    };
    for (let i = 0; i < 40 && powerW <= 10000; i++) {
      await readPower();
      if (powerW <= 10000) await sleep(200);
    }
    assert.ok(powerW > 10000, `EVSE 1 Power ${powerW} W`);
    await sleep(2500); // more than two of the monitor's looks
    assert.deepEqual(monitorEvents(rig, id), []);
  });

  it('N07.FR.04 offline: events at or under OfflineQueuingSeverity wait on disk through a restart and arrive in order; graver numbers are dropped', async function () {
    this.timeout(30000);
    const rig = await startRig();
    const set = (await rig.csms.call(ID, 'SetVariables', {
      setVariableData: [{ component: { name: 'MonitoringCtrlr' }, variable: { name: 'OfflineQueuingSeverity' }, attributeValue: '3' }],
    })) as SetVariablesResponse;
    assert.equal(set.setVariableResult[0]!.attributeStatus, 'Accepted');
    const uptime = { component: { name: 'Controller' }, variable: { name: 'Uptime' } };
    const answer = (await rig.csms.call(ID, 'SetVariableMonitoring', {
      setMonitoringData: [
        { ...uptime, type: 'Periodic', value: 1, severity: 2 },
        { ...uptime, type: 'Periodic', value: 1, severity: 6 },
      ],
    })) as SetVariableMonitoringResponse;
    const [kept, dropped] = answer.setMonitoringResult.map((r) => r.id!);
    const port = rig.csms.port;
    await stopCsms(rig.csms);
    await until(() => !rig.agent.client.isConnected, 3000, 'offline');
    const offlineFrom = Date.now();
    rig.agent.hardware.simulation.setInput('rcd', true); // a hard-wired monitor, severity 0
    await sleep(3500);
    // A power cut while offline: what waits is on disk.
    await stopAgent(rig.agent);
    const offlineUntil = Date.now();
    const csms = await startCsms({ port });
    const { agent } = await startAgent(rig.file);
    await waitForAccepted(csms, agent);
    await until(() => agent.eventJournals.monitor?.pending.length === 0, 8000, 'nothing waits');
    const events = calls<NotifyEventRequest>(csms, 'NotifyEvent').flatMap((r) => r.eventData);
    const madeOffline = (e: EventDataType): boolean => Date.parse(e.timestamp) >= offlineFrom - 50 && Date.parse(e.timestamp) <= offlineUntil;
    const keptOffline = events.filter((e) => e.variableMonitoringId === kept && madeOffline(e));
    assert.ok(keptOffline.length >= 2, `severity 2 periodic events made offline: ${keptOffline.length}`);
    assert.equal(events.filter((e) => e.variableMonitoringId === dropped && madeOffline(e)).length, 0, 'severity 6 events made offline are dropped');
    assert.ok(logLines.some((l) => /NotifyEvent of severity 6 dropped while offline \(OfflineQueuingSeverity 3\)/.test(l)), 'the severity 6 monitor did fire offline');
    const rcd = events.find((e) => e.component.name === 'RCD');
    assert.equal(rcd?.eventNotificationType, 'HardWiredMonitor');
    const ids = events.filter(madeOffline).map((e) => e.eventId);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in the order they were made');
  });

  it('N03: the manufacturer defaults and the hard-wired monitors are reported; FactoryDefault drops custom ones, HardWiredOnly the defaults; ActiveMonitoringBase says which', async () => {
    const rig = await startRig();
    const id = await setPowerMonitor(rig, 5);
    const report = async (requestId: number): Promise<Array<{ variable: string; id: number }>> => {
      assert.deepEqual(await rig.csms.call(ID, 'GetMonitoringReport', { requestId }), { status: 'Accepted' });
      await until(() => calls<NotifyMonitoringReportRequest>(rig.csms, 'NotifyMonitoringReport').some((r) => r.requestId === requestId && !r.tbc), 4000, 'the report');
      return calls<NotifyMonitoringReportRequest>(rig.csms, 'NotifyMonitoringReport')
        .filter((r) => r.requestId === requestId)
        .flatMap((r) => r.monitor ?? [])
        .flatMap((m) => m.variableMonitoring.map((v) => ({ variable: `${m.component.name}.${m.variable.name}`, id: v.id })));
    };
    const base = async (): Promise<string | undefined> => (await rig.csms.getVariables(ID, [{ component: { name: 'MonitoringCtrlr' }, variable: { name: 'ActiveMonitoringBase' } }])).getVariableResult[0].attributeValue;
    const all = await report(41);
    assert.ok(all.some((m) => m.id === id && m.variable === 'EVSE.Power'));
    assert.ok(all.some((m) => m.variable === 'Controller.StorageFree' && m.id > 1_000_000 && m.id < 2_000_000), 'a default on free storage');
    assert.ok(all.some((m) => m.variable === 'RCD.Tripped' && m.id > 2_000_000), 'the RCD hard-wired monitor');
    assert.equal(await base(), 'All');
    assert.deepEqual(await rig.csms.call(ID, 'ClearVariableMonitoring', { id: [all.find((m) => m.variable === 'RCD.Tripped')!.id] }), {
      clearMonitoringResult: [{ id: all.find((m) => m.variable === 'RCD.Tripped')!.id, status: 'Rejected' }],
    });
    assert.deepEqual(await rig.csms.call(ID, 'SetMonitoringBase', { monitoringBase: 'FactoryDefault' }), { status: 'Accepted' });
    const factory = await report(42);
    assert.ok(!factory.some((m) => m.id === id), 'the custom monitor is gone');
    assert.ok(factory.some((m) => m.variable === 'Controller.StorageFree'));
    assert.equal(await base(), 'FactoryDefault');
    assert.deepEqual(await rig.csms.call(ID, 'SetMonitoringBase', { monitoringBase: 'HardWiredOnly' }), { status: 'Accepted' });
    const hardwired = await report(43);
    assert.ok(hardwired.length > 0 && hardwired.every((m) => m.id > 2_000_000), JSON.stringify(hardwired));
    assert.equal(await base(), 'HardWiredOnly');
  });
});
