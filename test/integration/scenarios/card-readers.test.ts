import assert from 'node:assert/strict';
import type { StatusNotificationRequest } from 'ocpp-messages/v1.6/index.js';
import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import { SimulatedWorld } from '../../../src/hal/simulated-world.js';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, calls, ID, sleep, until, type ConfigChanges } from '../harness.js';

/**
 * A card reader that fails is reported to the CSMS (issue 12), both versions: 1.6 a
 * StatusNotification of connector 0 with errorCode ReaderFailure (7.6) and the reader's name as
 * info, NoError when it reads again; 2.0.1 a NotifyEvent on TokenReader.Problem of the reader's
 * EVSE, true and then false (cleared), and the device model's live value. A failing reader faults
 * nothing: the connector stays Available and a remote start still charges.
 */

const withReader: ConfigChanges = (doc) => {
  doc['readers'] = { front: { driver: 'simulated', evseId: 1 } };
};

/** 1.6: the StatusNotifications of connector 0 (the Charge Point), oldest first. */
const chargePointReports = (d: AnyDriver): StatusNotificationRequest[] =>
  calls<StatusNotificationRequest>(d.csms, 'StatusNotification').filter((s) => s.connectorId === 0);

/** 2.0.1: the TokenReader events the station sent, oldest first. */
const tokenReaderEvents = (d: AnyDriver): EventDataType[] =>
  calls<NotifyEventRequest>(d.csms, 'NotifyEvent')
    .flatMap((r) => r.eventData)
    .filter((e) => e.component.name === 'TokenReader');

/** Waits until the CSMS heard that the reader fails (active) or reads again. */
async function waitForReaderReport(d: AnyDriver, active: boolean): Promise<void> {
  if (d.version === '1.6') {
    const errorCode = active ? 'ReaderFailure' : 'NoError';
    await until(() => chargePointReports(d).at(-1)?.errorCode === errorCode, 4000, `StatusNotification connector 0 ${errorCode}`);
    return;
  }
  await until(() => tokenReaderEvents(d).at(-1)?.actualValue === String(active), 4000, `NotifyEvent TokenReader.Problem ${active}`);
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: card readers`, function () {
    this.timeout(20000);
    afterEach(afterEachTest);

    it('a reader that vanishes is reported to the CSMS, and cleared when it reads again; charging goes on by remote start meanwhile', async () => {
      const d = await startStation(version, { config: withReader });
      const sim = d.agent.hardware.simulation;
      await until(() => d.agent.status().readers[0]?.health === 'ok', 3000, 'the reader reads');
      await sleep(200);
      // A reader that reads from the start tells the CSMS nothing.
      if (d.version === '1.6') assert.ok(chargePointReports(d).every((s) => s.errorCode === 'NoError'));
      else assert.deepEqual(tokenReaderEvents(d), []);

      sim.setReaderGone('front', true);
      await waitForReaderReport(d, true);
      if (d.version === '1.6') {
        const failed = chargePointReports(d).at(-1)!;
        assert.equal(failed.status, 'Available', 'the Charge Point is not faulted by its reader');
        assert.equal(failed.info, 'reader front (simulated)');
      } else {
        const [raised] = tokenReaderEvents(d);
        assert.equal(tokenReaderEvents(d).length, 1);
        assert.deepEqual(raised!.component, { name: 'TokenReader', evse: { id: 1 } });
        assert.equal(raised!.variable.name, 'Problem');
        assert.equal(raised!.eventNotificationType, 'HardWiredMonitor');
        assert.equal(typeof raised!.variableMonitoringId, 'number');
        assert.equal(raised!.trigger, 'Alerting');
        assert.equal(raised!.cleared, undefined);
        assert.match(raised!.techInfo ?? '', /^reader front \(simulated\): .*gone/);
        const live = await d.csms.getVariables(ID, [{ component: { name: 'TokenReader', evse: { id: 1 } }, variable: { name: 'Problem' } }]);
        assert.equal(live.getVariableResult[0]!.attributeValue, 'true');
      }
      // No fault: the connector stays Available, and a remote start charges without the reader.
      assert.equal(d.lastStatus(1), 'Available');
      assert.equal(d.agent.station.snapshot()[0]!.connectors[0]!.faults.length, 0);
      assert.equal(await d.remoteStart({ token: 'REMOTE-1', evseId: 1 }), 'Accepted');
      await d.plugIn();
      await until(() => d.relayClosed(), 4000, 'the contactor closes for the remote start');
      await d.waitForStarted();

      sim.setReaderGone('front', false);
      await waitForReaderReport(d, false);
      if (d.version === '1.6') {
        assert.deepEqual(
          chargePointReports(d).map((s) => s.errorCode).filter((c, i, all) => i === 0 || c !== all[i - 1]),
          ['NoError', 'ReaderFailure', 'NoError'],
        );
      } else {
        const cleared = tokenReaderEvents(d).at(-1)!;
        assert.equal(tokenReaderEvents(d).length, 2, 'one event raised, one cleared');
        assert.equal(cleared.cleared, true);
        assert.deepEqual(cleared.component, { name: 'TokenReader', evse: { id: 1 } });
        assert.ok(cleared.transactionId, 'the transaction running on the reader\'s EVSE');
        const live = await d.csms.getVariables(ID, [{ component: { name: 'TokenReader', evse: { id: 1 } }, variable: { name: 'Problem' } }]);
        assert.equal(live.getVariableResult[0]!.attributeValue, 'false');
      }
      assert.equal(d.relayClosed(), true, 'the session charges on through it all');
    });

    it('a reader gone at the start is reported once the station is accepted', async () => {
      // The world outlives the agent: the reader is unplugged before the agent opens it.
      const world = new SimulatedWorld();
      world.cardReader('front').setGone(true);
      const d = await startStation(version, { config: withReader, world });
      await waitForReaderReport(d, true);
      if (d.version === '2.0.1') assert.equal(tokenReaderEvents(d).length, 1);
      assert.equal(d.lastStatus(1), 'Available');
    });
  });
}
