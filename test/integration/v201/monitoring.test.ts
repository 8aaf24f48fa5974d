import assert from 'node:assert/strict';
import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { NotifyMonitoringReportRequest } from 'ocpp-messages/v2.0/NotifyMonitoringReportRequest.js';
import type { SetVariableMonitoringResponse } from 'ocpp-messages/v2.0/SetVariableMonitoringResponse.js';
import { afterEachTest, calls, ID, sleep, startCharging, startRig, unplug, until, waitForTx, type Rig } from './rig.js';

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
    // N02: the monitor as the CSMS set it, in a NotifyMonitoringReport with the request's id.
    assert.deepEqual(await rig.csms.call(ID, 'GetMonitoringReport', { requestId: 31, monitoringCriteria: ['ThresholdMonitoring'] }), { status: 'Accepted' });
    await until(() => calls<NotifyMonitoringReportRequest>(rig.csms, 'NotifyMonitoringReport').length === 1, 4000, 'NotifyMonitoringReport');
    const [report] = calls<NotifyMonitoringReportRequest>(rig.csms, 'NotifyMonitoringReport');
    assert.equal(report!.requestId, 31);
    assert.deepEqual(report!.monitor, [{ ...POWER, variableMonitoring: [{ id, transaction: false, value: 10000, type: 'UpperThreshold', severity: 5 }] }]);
    assert.deepEqual(await rig.csms.call(ID, 'GetMonitoringReport', { requestId: 32, monitoringCriteria: ['DeltaMonitoring'] }), { status: 'EmptyResultSet' });
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
});
