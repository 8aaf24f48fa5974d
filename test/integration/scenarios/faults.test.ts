import assert from 'node:assert/strict';
import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import type { V201Driver } from '../drivers/v201-driver.js';
import { afterEachTest, assertNoCallErrors, calls, sleep, until, type ConfigChanges } from '../harness.js';
import { assertContiguous, txEvents, waitForTx } from '../v201/rig.js';

/**
 * Hardware faults, both versions (1.6 4.9 / 7.6 ChargePointErrorCode; 2.0.1 G01, E06 and
 * NotifyEvent from a HardWiredMonitor): the relay opens, the connector is Faulted, a running
 * transaction ends, and the connector comes back when the fault clears (a welded contactor: only
 * after the local action). What names the failing device is the version's: 1.6 the
 * StatusNotification's errorCode and info, 2.0.1 a NotifyEvent. 2.0.1-only cases (a silent meter
 * suspending, RCD, the e-stop's event, events told after an outage) are in v201/faults.test.ts.
 */

const fastSafety: ConfigChanges = (doc) => (doc['safety'] = { contactorFeedbackTimeoutMs: 200, overcurrentMarginPercent: 10, overcurrentAfterS: 1 });

/** The 2.0.1 fault events the station sent, oldest first. */
function faultEvents(d: V201Driver): EventDataType[] {
  return calls<NotifyEventRequest>(d.csms, 'NotifyEvent').flatMap((r) => r.eventData);
}

async function waitForFaultEvent(d: V201Driver, component: string, active: boolean, timeoutMs = 4000): Promise<EventDataType> {
  let found: EventDataType | undefined;
  await until(() => (found = faultEvents(d).find((e) => e.component.name === component && e.actualValue === String(active))) !== undefined, timeoutMs, `NotifyEvent ${component} ${active}`);
  return found!;
}

/** 1.6: the Faulted StatusNotification's errorCode and info. */
function assertFaulted16(d: AnyDriver, errorCode: string, info?: string): void {
  if (d.version !== '1.6') return;
  const faulted = d.lastStatusNotification(1)!;
  assert.equal(faulted.status, 'Faulted');
  assert.equal(faulted.errorCode, errorCode);
  if (info !== undefined) assert.equal(faulted.info, info);
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: hardware faults`, function () {
    this.timeout(20000);
    afterEach(afterEachTest);

    it('1.6 7.6 / 2.0.1 E06 energy going backwards fails the meter on the first such reading (1.6 PowerMeterFailure); with onMeterFailure "stop" the transaction ends (1.6 Other, 2.0.1 AbnormalCondition) and does not come back', async () => {
      const d = await startStation(version, {
        config: (doc) => {
          // The default poll timeout: a poll slowed by a loaded machine must not count as a failure here.
          doc['meter'] = { ...doc['meter'], failAfterPolls: 3, retries: 0 };
          doc['charging'] = { ...doc['charging'], onMeterFailure: 'stop' };
        },
      });
      const { agent } = d;
      const tx = await d.startCharging();
      // Some energy on the register first, so that reading 1000 Wh lower (never below 0) is lower.
      await until(() => (agent.hardware.evses[0]!.meter.latest?.energyImportWh ?? 0) > 2, 3000, 'energy on the register');
      const meter = agent.hardware.evses[0]!.meter;
      const failedPollsBefore = meter.health.counters.failedPolls;
      // The failed-poll count at the moment the meter is declared failed (it goes on counting after).
      let failedPollsAtFailure: number | undefined;
      const watching = meter.health$.subscribe((h) => {
        if (h.state === 'failed' && failedPollsAtFailure === undefined) failedPollsAtFailure = h.counters.failedPolls;
      });
      agent.hardware.simulation.setMeterFault(1, 'energy-backwards');
      await d.waitForStatus('Faulted', 1, 4000);
      watching.unsubscribe();
      assertFaulted16(d, 'PowerMeterFailure');
      if (d.version === '2.0.1') assert.match((await waitForFaultEvent(d, 'FiscalMetering', true)).techInfo ?? '', /backwards/);
      assert.equal(failedPollsAtFailure! - failedPollsBefore, 1, 'failed on the first backwards reading');
      assert.equal(d.relayClosed(), false);
      const ended = await d.waitForEnded((e) => e.csmsId === tx.csmsId);
      if (d.version === '1.6') assert.equal(ended.reason, 'Other');
      else assert.equal((await waitForTx(d.csms, (t) => t.eventType === 'Ended')).triggerReason, 'AbnormalCondition');
      agent.hardware.simulation.setMeterFault(1, 'none');
      if (d.version === '2.0.1') await waitForFaultEvent(d, 'FiscalMetering', false);
      await d.waitForStatus('Occupied', 1, 3000);
      if (d.version === '1.6') assert.equal(d.wireStatuses(1).at(-1), 'Finishing');
      await sleep(300);
      assert.equal(d.relayClosed(), false, 'the stopped transaction does not come back');
      if (d.version === '2.0.1') assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      await d.unplug();
      await d.waitForStatus('Available');
      assertNoCallErrors(d.csms);
    });

    it('welded contactor: found when the relay is released after a session (1.6 PowerSwitchFailure "Contactor welded", 2.0.1 PowerContactor Welded); Faulted, it stays after unplugging and clears only by the local action once the contact has opened', async () => {
      const d = await startStation(version, { config: fastSafety });
      const { agent } = d;
      const tx = await d.startCharging();
      await until(() => d.relayClosed(), 2000, 'relay closed');
      agent.hardware.simulation.setContactorFault(1, 1, 'welded');
      await sleep(100);
      if (d.version === '2.0.1') assert.equal(faultEvents(d).length, 0, 'closed and commanded closed: nothing to see yet');
      agent.station.requestStop(tx.localId);
      await d.waitForEnded((e) => e.csmsId === tx.csmsId);
      assert.equal(d.relayClosed(), false, 'the coil is released');
      await d.waitForStatus('Faulted', 1, 3000);
      assertFaulted16(d, 'PowerSwitchFailure', 'Contactor welded');
      if (d.version === '2.0.1') {
        const raised = await waitForFaultEvent(d, 'PowerContactor', true);
        assert.equal(raised.variable.name, 'Problem');
        assert.equal(raised.techCode, 'Welded');
      }
      await d.unplug();
      await sleep(300);
      assert.equal(d.lastStatus(), 'Faulted', 'unplugging does not clear a welded contact');
      if (d.version === '2.0.1') {
        const contactor = await d.csms.getVariables('EVSE-SIM-001', [{ component: { name: 'PowerContactor', evse: { id: 1 } }, variable: { name: 'Problem' } }]);
        assert.equal(contactor.getVariableResult[0]!.attributeValue, 'true');
      }
      assert.deepEqual(agent.station.clearLatchedFaults(1)[0]!.cleared, [], 'refused while the feedback still says closed');
      agent.hardware.simulation.setContactorFault(1, 1, 'none');
      await sleep(300);
      assert.equal(d.lastStatus(), 'Faulted', 'nor does the contact opening by itself');
      assert.deepEqual(agent.station.clearLatchedFaults(1)[0]!.cleared, ['contactor-welded']);
      if (d.version === '2.0.1') assert.equal((await waitForFaultEvent(d, 'PowerContactor', false)).cleared, true);
      await d.waitForStatus('Available');
      assertNoCallErrors(d.csms);
    });

    it('contactor that fails to close: Faulted (1.6 PowerSwitchFailure "Contactor failed to close", 2.0.1 PowerContactor FailedToClose), the transaction ended (1.6 Other, 2.0.1 AbnormalCondition); cleared when the vehicle leaves', async () => {
      const d = await startStation(version, { config: fastSafety });
      const { agent } = d;
      agent.hardware.simulation.setContactorFault(1, 1, 'fails-to-close');
      const tx = await d.startCharging();
      await d.waitForStatus('Faulted', 1, 3000);
      assertFaulted16(d, 'PowerSwitchFailure', 'Contactor failed to close');
      if (d.version === '2.0.1') assert.equal((await waitForFaultEvent(d, 'PowerContactor', true)).techCode, 'FailedToClose');
      assert.equal(d.relayClosed(), false, 'the coil is released again');
      const ended = await d.waitForEnded((e) => e.csmsId === tx.csmsId);
      if (d.version === '1.6') assert.equal(ended.reason, 'Other');
      else assert.equal((await waitForTx(d.csms, (t) => t.eventType === 'Ended')).triggerReason, 'AbnormalCondition');
      agent.hardware.simulation.setContactorFault(1, 1, 'none');
      await d.unplug();
      if (d.version === '2.0.1') await waitForFaultEvent(d, 'PowerContactor', false);
      await d.waitForStatus('Available');
      if (d.version === '2.0.1') assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      assertNoCallErrors(d.csms);
    });

    it('overcurrent: within the margin nothing happens; above it for overcurrentAfterS the transaction ends (1.6 Other: it has no overcurrent reason; 2.0.1 OvercurrentFault), Faulted (1.6 OverCurrentFailure, 2.0.1 NotifyEvent OverCurrentProtection); cleared when the vehicle leaves', async () => {
      // maxCurrentA 32 + 10 % = 35.2 A.
      const d = await startStation(version, { config: fastSafety });
      const { agent } = d;
      agent.hardware.simulation.setEvCurrent(1, [35, 35, 35]);
      const tx = await d.startCharging();
      await until(() => d.relayClosed(), 2000, 'relay closed');
      await sleep(1200);
      assert.equal(d.relayClosed(), true, '35 A is within the margin');
      assert.equal(calls(d.csms, 'NotifyEvent').length, 0);
      agent.hardware.simulation.setEvCurrent(1, [36, 36, 36]);
      const raisedAt = Date.now();
      const ended = await d.waitForEnded((e) => e.csmsId === tx.csmsId);
      const tookMs = Date.now() - raisedAt;
      assert.ok(tookMs >= 900, `tripped after ${tookMs} ms, not before overcurrentAfterS`);
      assert.equal(ended.reason, d.version === '1.6' ? 'Other' : 'OvercurrentFault');
      assert.equal(d.relayClosed(), false);
      await d.waitForStatus('Faulted', 1, 4000);
      assertFaulted16(d, 'OverCurrentFailure');
      if (d.version === '2.0.1') {
        const raised = await waitForFaultEvent(d, 'OverCurrentProtection', true);
        assert.equal(raised.variable.name, 'Active');
        assert.match(raised.techInfo ?? '', /36\.0 A .* above 35\.2 A/);
      }
      agent.hardware.simulation.setEvCurrent(1, [16, 16, 16]);
      await d.unplug();
      if (d.version === '2.0.1') await waitForFaultEvent(d, 'OverCurrentProtection', false);
      await d.waitForStatus('Available');
      if (d.version === '2.0.1') assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      else assert.equal(calls(d.csms, 'NotifyEvent').length, 0, '1.6 has no NotifyEvent');
      assertNoCallErrors(d.csms);
    });

    it('plugging in while a fault is active does not close the relay', async () => {
      const d = await startStation(version);
      d.agent.hardware.simulation.setInput('rcd', true);
      await d.waitForStatus('Faulted', 1, 4000);
      await d.plugIn();
      const result = await d.present('CARD-0001');
      await sleep(300);
      assert.equal(d.relayClosed(), false, `no energy while faulted (${JSON.stringify(result)})`);
      assert.equal(d.started().length, 0);
      assertNoCallErrors(d.csms);
    });
  });
}
