import assert from 'node:assert/strict';
import type { NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, calls, sleep, until, type ConfigChanges } from '../harness.js';

/**
 * A socket's cable lock with its feedback contact, both versions: the contactor closes only once
 * the lock reports holding the cable; a lock that does not catch it, or does not let go at the end
 * of the session, is a fault the CSMS hears of (1.6 ConnectorLockFailure, 2.0.1 NotifyEvent
 * ConnectorPlugRetentionLock.Problem). UnlockConnector's own answers are in test/app/unlock-failed.test.ts.
 */

const withLockFeedback: ConfigChanges = (doc) => {
  const connector = doc['evses'][0]['connectors'][0];
  connector['lock'] = { line: 12 };
  connector['lockFeedback'] = { line: 16, activeLow: true, debounceMs: 10 };
};

async function assertLockFaultHeard(d: AnyDriver): Promise<void> {
  await d.waitForStatus('Faulted');
  if (d.version === '1.6') {
    assert.equal(d.lastStatusNotification(1)?.errorCode, 'ConnectorLockFailure');
    return;
  }
  const heard = () => calls<NotifyEventRequest>(d.csms, 'NotifyEvent').flatMap((r) => r.eventData);
  await until(() => heard().some((e) => e.component.name === 'ConnectorPlugRetentionLock' && e.actualValue === 'true'), 3000, 'NotifyEvent ConnectorPlugRetentionLock.Problem true');
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: cable lock`, function () {
    this.timeout(20000);
    afterEach(afterEachTest);

    it('the contactor closes only after the feedback says locked; a lock that does not catch the cable is a fault and no energy flows', async () => {
      const d = await startStation(version, { config: withLockFeedback });
      const sim = d.agent.hardware.simulation;
      const connector = d.agent.hardware.evses[0]!.connectors[0]!;
      sim.setCableLockFault(1, 1, 'stuck-released');
      await d.plugIn();
      await d.present('CARD1');
      await until(() => connector.lock!.active, 2000, 'the lock driven to hold');
      await sleep(300);
      assert.equal(d.relayClosed(), false, 'no energy while the lock does not report holding');
      await assertLockFaultHeard(d);
      assert.equal(d.relayClosed(), false);

      // Freed, it catches the cable: the fault clears and energy flows.
      sim.setCableLockFault(1, 1, 'none');
      await until(() => d.relayClosed(), 3000, 'the contactor closes once the lock holds');
      await d.waitForStatus('Occupied');
    });

    it('at the end of the session a lock that does not let go is a fault; it clears once the lock lets go', async () => {
      const d = await startStation(version, { config: withLockFeedback });
      const sim = d.agent.hardware.simulation;
      const tx = await d.startCharging();
      sim.setCableLockFault(1, 1, 'stuck-locked');
      await d.present(tx.token!);
      await d.waitForEnded((t) => t.csmsId === tx.csmsId);
      await assertLockFaultHeard(d);
      sim.setCableLockFault(1, 1, 'none');
      await d.waitForStatus('Occupied');
    });
  });
}
