import assert from 'node:assert/strict';
import {
  afterEachTest,
  assertNoCallErrors,
  calls,
  relayClosed,
  sleep,
  startCharging16,
  startRig16,
  statusSequence,
  unplug,
  until,
  waitForStatus,
  waitForStop,
  type ConfigChanges,
} from './rig.js';

/**
 * Hardware faults in OCPP 1.6 (4.9, 7.6 ChargePointErrorCode, 7.7 status): the relay opens, the
 * connector is Faulted with the error code of the failing device, a running transaction stops
 * with the matching reason, and the connector comes back when the fault clears (a welded
 * contactor: after the local action). 1.6 has no NotifyEvent: nothing else is sent.
 */

const fastSafety: ConfigChanges = (doc) => (doc['safety'] = { contactorFeedbackTimeoutMs: 200, overcurrentMarginPercent: 10, overcurrentAfterS: 1 });

describe('OCPP 1.6J integration: hardware faults', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('7.6 energy going backwards: PowerMeterFailure after the first such reading, the transaction stopped (onMeterFailure "stop", reason Other); Available again when the meter reads right', async () => {
    const rig = await startRig16({
      config: (doc) => {
        doc['meter'] = { ...doc['meter'], failAfterPolls: 3, retries: 0 };
        doc['charging'] = { ...doc['charging'], onMeterFailure: 'stop' };
      },
    });
    const { csms, agent } = rig;
    const { transactionId } = await startCharging16(rig);
    await until(() => (agent.hardware.evses[0]!.meter.latest?.energyImportWh ?? 0) > 2, 3000, 'energy on the register');
    agent.hardware.simulation.setMeterFault(1, 'energy-backwards');
    const faulted = await waitForStatus(csms, 1, 'Faulted', 3000);
    assert.equal(faulted.errorCode, 'PowerMeterFailure');
    assert.equal(relayClosed(agent), false);
    const stop = await waitForStop(csms);
    assert.equal(stop.transactionId, transactionId);
    assert.equal(stop.reason, 'Other');
    agent.hardware.simulation.setMeterFault(1, 'none');
    await waitForStatus(csms, 1, 'Finishing', 3000);
    await unplug(agent);
    await waitForStatus(csms, 1, 'Available');
    assertNoCallErrors(csms);
  });

  it('7.6 welded contactor: PowerSwitchFailure ("Contactor welded") once the relay is released; stays after unplugging; the local action clears it once the contact opened', async () => {
    const rig = await startRig16({ config: fastSafety });
    const { csms, agent } = rig;
    const { localId } = await startCharging16(rig);
    agent.hardware.simulation.setContactorFault(1, 1, 'welded');
    agent.station.requestStop(localId);
    await waitForStop(csms);
    const faulted = await waitForStatus(csms, 1, 'Faulted', 3000);
    assert.equal(faulted.errorCode, 'PowerSwitchFailure');
    assert.equal(faulted.info, 'Contactor welded');
    await unplug(agent);
    agent.hardware.simulation.setContactorFault(1, 1, 'none');
    await sleep(400);
    assert.equal(statusSequence(csms, 1).at(-1), 'Faulted');
    assert.deepEqual(agent.station.clearLatchedFaults()[0]!.cleared, ['contactor-welded']);
    await waitForStatus(csms, 1, 'Available');
    assertNoCallErrors(csms);
  });

  it('7.6 contactor that fails to close: PowerSwitchFailure, the transaction stopped (Other); cleared when the vehicle leaves', async () => {
    const rig = await startRig16({ config: fastSafety });
    const { csms, agent } = rig;
    agent.hardware.simulation.setContactorFault(1, 1, 'fails-to-close');
    const { transactionId } = await startCharging16(rig);
    const faulted = await waitForStatus(csms, 1, 'Faulted', 3000);
    assert.equal(faulted.errorCode, 'PowerSwitchFailure');
    assert.equal(faulted.info, 'Contactor failed to close');
    const stop = await waitForStop(csms);
    assert.equal(stop.transactionId, transactionId);
    assert.equal(stop.reason, 'Other');
    agent.hardware.simulation.setContactorFault(1, 1, 'none');
    await unplug(agent);
    await waitForStatus(csms, 1, 'Available');
    assertNoCallErrors(csms);
  });

  it('7.6 overcurrent above the margin for overcurrentAfterS: OverCurrentFailure, the transaction stopped (Other, 1.6 has no overcurrent reason); cleared when the vehicle leaves', async () => {
    const rig = await startRig16({ config: fastSafety });
    const { csms, agent } = rig;
    agent.hardware.simulation.setEvCurrent(1, [40, 40, 40]);
    const { transactionId } = await startCharging16(rig);
    const faulted = await waitForStatus(csms, 1, 'Faulted', 4000);
    assert.equal(faulted.errorCode, 'OverCurrentFailure');
    assert.equal(relayClosed(agent), false);
    const stop = await waitForStop(csms);
    assert.equal(stop.transactionId, transactionId);
    assert.equal(stop.reason, 'Other');
    agent.hardware.simulation.setEvCurrent(1, [16, 16, 16]);
    await unplug(agent);
    await waitForStatus(csms, 1, 'Available');
    assert.equal(calls(csms, 'NotifyEvent').length, 0, '1.6 has no NotifyEvent');
    assertNoCallErrors(csms);
  });
});
