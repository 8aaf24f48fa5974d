import assert from 'node:assert/strict';
import type { ConfigChanges } from '../integration/harness.js';
import { afterEachTest, assertNoCallErrors, ID, relayClosed, startCharging16, startRig16, stopTransactions, until, waitForStop } from '../integration/v16/rig.js';
import { startCharging, startRig } from '../integration/v201/rig.js';

/**
 * A socket lock with a feedback contact (evses[].connectors[].lockFeedback), against the
 * development CSMS in both OCPP versions: an unlock the lock confirms is Unlocked, one it does not
 * (the simulated lock jammed holding the cable) is UnlockFailed (2.0.1 F05.FR.05, 1.6 5.16).
 */

/** Connector 1 of EVSE 1 gets a lock actuator and its feedback contact (closed to ground while holding). */
const withLockFeedback: ConfigChanges = (doc) => {
  const connector = doc['evses'][0]['connectors'][0];
  connector['lock'] = { line: 12 };
  connector['lockFeedback'] = { line: 16, activeLow: true, debounceMs: 10 };
};

describe('connector lock with feedback: UnlockConnector answers UnlockFailed when the lock does not let go', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('2.0.1: Unlocked when the feedback confirms; UnlockFailed when it still reports locked after the lock\'s time; Unlocked again once freed', async () => {
    const rig = await startRig({ config: withLockFeedback });
    const { csms, agent } = rig;
    const connector = agent.hardware.evses[0]!.connectors[0]!;
    assert.deepEqual((await csms.unlockConnector(ID, { evseId: 1, connectorId: 1 })).response, { status: 'Unlocked' }); // F05.FR.04
    assert.equal(connector.lockFeedback!.active, false, 'the feedback reports the cable free');

    agent.hardware.simulation.setCableLockFault(1, 1, 'stuck-locked');
    await until(() => connector.lockFeedback!.active, 2000, 'the feedback reports the jammed lock holding');
    const asked = Date.now();
    assert.deepEqual((await csms.unlockConnector(ID, { evseId: 1, connectorId: 1 })).response, { status: 'UnlockFailed' }); // F05.FR.05
    assert.ok(Date.now() - asked >= 900, 'the station waited for the lock before giving up');
    assert.equal(connector.lock!.active, false, 'the actuator was told to release');

    agent.hardware.simulation.setCableLockFault(1, 1, 'none');
    assert.deepEqual((await csms.unlockConnector(ID, { evseId: 1, connectorId: 1 })).response, { status: 'Unlocked' });
    assertNoCallErrors(csms);
  });

  it('2.0.1: during a session the lock is not touched (OngoingAuthorizedTransaction), jammed or not', async () => {
    const rig = await startRig({ config: withLockFeedback });
    const { csms, agent } = rig;
    await startCharging(rig);
    agent.hardware.simulation.setCableLockFault(1, 1, 'stuck-locked');
    assert.deepEqual((await csms.unlockConnector(ID, { evseId: 1, connectorId: 1 })).response, { status: 'OngoingAuthorizedTransaction' }); // F05.FR.02
    assert.equal(agent.hardware.evses[0]!.connectors[0]!.lock!.active, true, 'still locked');
    assert.equal(relayClosed(agent), true, 'still charging');
    assertNoCallErrors(csms);
  });

  it('1.6: idle and jammed, UnlockFailed; during a transaction with the lock jammed, the transaction is stopped first (UnlockCommand), then UnlockFailed', async () => {
    const rig = await startRig16({ config: withLockFeedback });
    const { csms, agent } = rig;
    assert.deepEqual((await csms.unlockConnector(ID, { connectorId: 1 })).response, { status: 'Unlocked' });

    const feedback = agent.hardware.evses[0]!.connectors[0]!.lockFeedback!;
    agent.hardware.simulation.setCableLockFault(1, 1, 'stuck-locked');
    await until(() => feedback.active, 2000, 'the feedback reports the jammed lock holding');
    assert.deepEqual((await csms.unlockConnector(ID, { connectorId: 1 })).response, { status: 'UnlockFailed' });
    agent.hardware.simulation.setCableLockFault(1, 1, 'none');
    await until(() => !feedback.active, 2000, 'the freed lock reports the cable free');

    await startCharging16(rig);
    assert.equal(agent.hardware.evses[0]!.connectors[0]!.lock!.active, true, 'locked while charging');
    agent.hardware.simulation.setCableLockFault(1, 1, 'stuck-locked');
    assert.deepEqual((await csms.unlockConnector(ID, { connectorId: 1 })).response, { status: 'UnlockFailed' });
    const stop = await waitForStop(csms);
    assert.equal(stop.reason, 'UnlockCommand');
    assert.equal(stopTransactions(csms).length, 1);
    assert.equal(relayClosed(agent), false, 'the energy is off, even though the cable is held');
    assertNoCallErrors(csms);
  });
});
