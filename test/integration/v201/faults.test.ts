import assert from 'node:assert/strict';
import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { NotifyMonitoringReportRequest, VariableMonitoringType } from 'ocpp-messages/v2.0/NotifyMonitoringReportRequest.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  calls,
  ID,
  relayClosed,
  sleep,
  startCharging,
  startCsms,
  startRig,
  stopCsms,
  statuses,
  txEvents,
  until,
  energyRegister,
  waitForTx,
  type ConfigChanges,
  type Rig,
} from './rig.js';

/**
 * OCPP 2.0.1 only hardware faults: a silent meter suspending the transaction, an RCD trip, the
 * emergency stop's NotifyEvent, and fault events told after an outage. The faults both versions
 * share (meter going backwards, contactor welded or failing to close, overcurrent, plugging in
 * while faulted) are in ../scenarios/faults.test.ts.
 */

/** The fault events the station sent, oldest first. */
function faultEvents(rig: Rig): EventDataType[] {
  return calls<NotifyEventRequest>(rig.csms, 'NotifyEvent').flatMap((r) => r.eventData);
}

async function waitForFaultEvent(rig: Rig, component: string, active: boolean, timeoutMs = 4000): Promise<EventDataType> {
  let found: EventDataType | undefined;
  await until(() => (found = faultEvents(rig).find((e) => e.component.name === component && e.actualValue === String(active))) !== undefined, timeoutMs, `NotifyEvent ${component} ${active}`);
  return found!;
}

async function waitForStatus(rig: Rig, status: string, timeoutMs = 4000): Promise<void> {
  await until(() => statuses(rig.csms).at(-1)?.connectorStatus === status, timeoutMs, `StatusNotification ${status}`);
}

/** FiscalMetering.Problem and EVSE.Problem of EVSE 1, as GetVariables gives them. */
async function problemVariables(rig: Rig): Promise<Array<string | undefined>> {
  const answer = await rig.csms.getVariables(ID, [
    { component: { name: 'FiscalMetering', evse: { id: 1 } }, variable: { name: 'Problem' } },
    { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Problem' } },
  ]);
  return answer.getVariableResult.map((r) => r.attributeValue);
}

/** The hard-wired monitor GetMonitoringReport lists on a variable (N02.FR.08). */
async function hardWiredMonitorOn(rig: Rig, component: { name: string; evse?: { id: number } }, variable: string): Promise<VariableMonitoringType> {
  const requestId = 900 + calls(rig.csms, 'NotifyMonitoringReport').length;
  assert.deepEqual(await rig.csms.call(ID, 'GetMonitoringReport', { requestId, componentVariable: [{ component, variable: { name: variable } }] }), { status: 'Accepted' });
  let report: NotifyMonitoringReportRequest | undefined;
  await until(() => (report = calls<NotifyMonitoringReportRequest>(rig.csms, 'NotifyMonitoringReport').find((r) => r.requestId === requestId)) !== undefined, 4000, 'NotifyMonitoringReport');
  const [monitor] = report!.monitor ?? [];
  assert.equal(monitor?.variableMonitoring.length, 1);
  return monitor!.variableMonitoring[0]!;
}

const fastMeter: ConfigChanges = (doc) => (doc['meter'] = { ...doc['meter'], failAfterPolls: 3, retries: 0, timeoutMs: 100 });

describe('OCPP 2.0.1 integration: hardware faults (G01, E06, NotifyEvent)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('meter: N polls without an answer suspend the transaction (relay open, Faulted, NotifyEvent FiscalMetering Problem); answering again, charging resumes and no energy is lost', async () => {
    const rig = await startRig({ config: fastMeter });
    const { csms, agent } = rig;
    const txId = await startCharging(rig);
    await until(() => relayClosed(agent), 2000, 'relay closed');
    await sleep(300);
    agent.hardware.simulation.setMeterFault(1, 'silent');
    const raised = await waitForFaultEvent(rig, 'FiscalMetering', true);
    assert.equal(relayClosed(agent), false, 'the relay opens');
    assert.deepEqual(raised.component, { name: 'FiscalMetering', evse: { id: 1 } });
    assert.equal(raised.variable.name, 'Problem');
    // From the firmware's hard-wired monitor on the variable, which GetMonitoringReport lists (N07.FR.06, N02).
    assert.equal(raised.eventNotificationType, 'HardWiredMonitor');
    const listed = await hardWiredMonitorOn(rig, { name: 'FiscalMetering', evse: { id: 1 } }, 'Problem');
    assert.equal(raised.variableMonitoringId, listed.id);
    assert.deepEqual([listed.type, listed.value, listed.severity], ['UpperThreshold', 0, 1]);
    assert.equal(raised.trigger, 'Alerting');
    assert.equal(raised.transactionId, txId);
    assert.match(raised.techInfo ?? '', /time/i);
    await waitForStatus(rig, 'Faulted');
    assert.equal(agent.station.transactions().length, 1, 'suspended (onMeterFailure "suspend"), not stopped');
    assert.deepEqual(await problemVariables(rig), ['true', 'true'], 'FiscalMetering.Problem and EVSE.Problem hold it too');
    agent.hardware.simulation.setMeterFault(1, 'none');
    const cleared = await waitForFaultEvent(rig, 'FiscalMetering', false);
    assert.equal(cleared.cleared, true);
    await waitForStatus(rig, 'Occupied');
    assert.deepEqual(await problemVariables(rig), ['false', 'false']);
    await until(() => relayClosed(agent), 3000, 'charging again');
    await sleep(300);
    agent.station.requestStop(txId);
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assertContiguous(txEvents(csms, txId));
    // Energy: the end register is the meter's, whatever happened in between (nothing counted twice or lost).
    const started = txEvents(csms, txId)[0]!;
    const meterNow = agent.hardware.evses[0]!.meter.latest!.energyImportWh;
    assert.ok(energyRegister(ended, 'Transaction.End') > energyRegister(started, 'Transaction.Begin'));
    assert.ok(Math.abs(energyRegister(ended, 'Transaction.End') - meterNow) < 50, 'the end register is the meter reading');
    assertNoCallErrors(csms);
  });

  it('E06 RCD trip: relay open at once, transaction ended with GroundFault, NotifyEvent RCD Tripped; released: cleared, Occupied', async () => {
    const rig = await startRig();
    const { csms, agent } = rig;
    const txId = await startCharging(rig);
    await until(() => relayClosed(agent), 2000, 'relay closed');
    agent.hardware.simulation.setInput('rcd', true);
    await until(() => !relayClosed(agent), 500, 'relay open');
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.transactionInfo.stoppedReason, 'GroundFault');
    const raised = await waitForFaultEvent(rig, 'RCD', true);
    assert.equal(raised.variable.name, 'Tripped');
    assert.deepEqual(raised.component.evse, { id: 1 });
    await waitForStatus(rig, 'Faulted');
    agent.hardware.simulation.setInput('rcd', false);
    assert.equal((await waitForFaultEvent(rig, 'RCD', false)).cleared, true);
    await waitForStatus(rig, 'Occupied');
    assertContiguous(txEvents(csms, txId));
    assertNoCallErrors(csms);
  });

  it('E06.FR.16 emergency stop: NotifyEvent EmergencyStopSensor Active for the whole station, and its release', async () => {
    const rig = await startRig();
    const { agent } = rig;
    agent.hardware.simulation.setInput('emergencyStop', true);
    const raised = await waitForFaultEvent(rig, 'EmergencyStopSensor', true);
    assert.equal(raised.variable.name, 'Active');
    assert.equal(raised.component.evse, undefined, 'a station-wide input');
    await waitForStatus(rig, 'Faulted');
    agent.hardware.simulation.setInput('emergencyStop', false);
    await waitForFaultEvent(rig, 'EmergencyStopSensor', false);
    await waitForStatus(rig, 'Available');
    assertNoCallErrors(rig.csms);
  });

  it('N07.FR.04 a fault raised and cleared while the CSMS cannot be reached is told, in order, once it can', async () => {
    const rig = await startRig();
    const { agent } = rig;
    const port = rig.csms.port;
    await stopCsms(rig.csms);
    await until(() => !agent.client.isConnected, 3000, 'offline');
    agent.hardware.simulation.setInput('rcd', true);
    await sleep(150);
    agent.hardware.simulation.setInput('rcd', false);
    await sleep(150);
    const csms = await startCsms({ port });
    await csms.waitForConnection(ID, 5000);
    await until(() => calls<NotifyEventRequest>(csms, 'NotifyEvent', ID).length >= 2, 5000, 'two NotifyEvents');
    const events = calls<NotifyEventRequest>(csms, 'NotifyEvent', ID).flatMap((r) => r.eventData);
    assert.deepEqual(
      events.map((e) => `${e.component.name} ${e.actualValue}`),
      ['RCD true', 'RCD false'],
    );
    assert.ok(events[0]!.eventId < events[1]!.eventId);
    assertNoCallErrors(csms);
  });

});
