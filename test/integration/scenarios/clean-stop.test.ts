import assert from 'node:assert/strict';
import type { Agent } from '../../../src/app/agent.js';
import { startStation, VERSIONS } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, sleep, until } from '../harness.js';
import { csmsTransactionIds } from '../v16/rig.js';
import { assertContiguous, txEvents, waitForTx } from '../v201/rig.js';

/**
 * A clean stop (SIGTERM, `systemctl restart`) is not a power loss, in both versions: the relay
 * opens at once, the running transaction ends with reason Reboot using the meter's reading after
 * the relay opened, delivered before agent.stop() resolves, and the next start sends no PowerLoss
 * (1.6 no second StopTransaction). What could not be delivered in time (2.0.1 cases) is in
 * v201/clean-stop.test.ts.
 */

/** The simulated meter's register now; readable after the agent stopped (the world outlives it). */
const register = (agent: Agent): number => agent.hardware.simulation.meterDevice(1)!.physics.values().energyImportWh;

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: a clean stop ends transactions with Reboot, not PowerLoss`, function () {
    this.timeout(30000);
    afterEach(afterEachTest);

    it('2.0.1 E06 / 1.6 4.10: the end (Reboot; 2.0.1 AbnormalCondition) is at the CSMS before agent.stop() resolves, its meter stop read after the relay opened; the next start sends no other end (no PowerLoss)', async () => {
      const d = await startStation(version);
      const tx = await d.startCharging();
      await until(() => register(d.agent) > tx.meterStartWh + 2, 3000, 'energy charged');
      const relayWrites: boolean[] = [];
      d.agent.hardware.evses[0]!.connectors[0]!.relay.active$.subscribe((on) => relayWrites.push(on));
      const stopped = d.agent;
      await d.stop('clean');
      const ended = d.ended();
      assert.equal(ended.length, 1, 'delivered before stop() resolved');
      assert.equal(ended[0]!.reason, 'Reboot');
      assert.equal(ended[0]!.csmsId, tx.csmsId);
      assert.equal(stopped.adapter.queue.length, 0, 'nothing left in the queue');
      // active$ gives the present value first: closed while charging; opened, and never closed again.
      assert.equal(relayWrites[0], true);
      assert.equal(relayWrites.lastIndexOf(true), 0, `relay writes ${JSON.stringify(relayWrites)}`);
      assert.equal(relayWrites.at(-1), false);
      // The final reading was taken after the relay opened: it holds all the energy there is (1.6 in whole Wh).
      if (d.version === '1.6') assert.equal(ended[0]!.meterStopWh, Math.round(register(stopped)));
      else {
        assert.ok(Math.abs(ended[0]!.meterStopWh - register(stopped)) < 0.01, `meter stop ${ended[0]!.meterStopWh} Wh vs register ${register(stopped)} Wh`);
        assert.equal((await waitForTx(d.csms, (t) => t.eventType === 'Ended')).triggerReason, 'AbnormalCondition');
        assertContiguous(txEvents(d.csms, String(tx.csmsId)));
      }

      await d.startAgain();
      await sleep(500);
      assert.equal(d.ended().length, 1, 'ended once');
      if (d.version === '1.6') assert.deepEqual(csmsTransactionIds(d.csms), [tx.csmsId]);
      else assert.ok(!txEvents(d.csms).some((e) => e.transactionInfo.stoppedReason === 'PowerLoss'), 'no PowerLoss');
      assert.equal(d.agent.station.transactions().length, 0);
      assertNoCallErrors(d.csms);
    });
  });
}
