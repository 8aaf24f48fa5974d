import assert from 'node:assert/strict';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import { answers } from '../../tools/dev-csms/dev-csms.js';
import type { Agent } from '../../src/app/agent.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  energyRegister,
  sleep,
  startAgent,
  startCharging,
  startRig,
  stopAgent,
  txEvents,
  until,
  waitForAccepted,
  waitForTx,
  type Rig,
} from './v201/rig.js';
import { csmsTransactionIds, startCharging16, startRig16, stopTransactions, waitForAccepted16 } from './v16/rig.js';

/**
 * A clean stop (SIGTERM, `systemctl restart`) is not a power loss: the relay opens at once, the
 * running transaction ends with reason Reboot using the meter's reading after the relay opened,
 * and, when the CSMS is connected, that end is delivered before agent.stop() resolves. The next
 * start sends no PowerLoss. What could not be delivered in time stays queued and goes at the next
 * start, still Reboot.
 */

/** The simulated meter's register now; readable after the agent stopped (the world outlives it). */
const register = (agent: Agent): number => agent.hardware.simulation.meterDevice(1)!.physics.values().energyImportWh;

/**
 * Starts the agent again on the rig's config and waits until its queue is delivered; asserts the
 * transaction ended, only with Reboot and never PowerLoss. Delivery is at least once: a resend after
 * the restart is the same message (same seqNo), never a second end. Returns the Ended events.
 */
async function endsAfterRestart(rig: Rig, txId: string): Promise<TransactionEventRequest[]> {
  const { agent } = await startAgent(rig.file);
  await waitForAccepted(rig.csms, agent);
  await until(() => agent.adapter.queue.length === 0, 8000, 'the queue delivered');
  const ends = txEvents(rig.csms, txId).filter((e) => e.eventType === 'Ended');
  assert.ok(ends.length >= 1);
  assert.equal(new Set(ends.map((e) => e.seqNo)).size, 1);
  assert.ok(ends.every((e) => e.transactionInfo.stoppedReason === 'Reboot'));
  assert.ok(!txEvents(rig.csms).some((e) => e.transactionInfo.stoppedReason === 'PowerLoss'), 'no PowerLoss');
  return ends;
}

describe('clean stop: transactions end with Reboot, not PowerLoss', function () {
  this.timeout(30000);
  afterEach(afterEachTest);

  describe('OCPP 2.0.1', () => {
    it('E06: the Ended event (stoppedReason Reboot, AbnormalCondition) is at the CSMS before agent.stop() resolves; the next start sends no PowerLoss', async () => {
      const rig = await startRig();
      const txId = await startCharging(rig);
      await sleep(300);
      const relayWrites: boolean[] = [];
      rig.agent.hardware.evses[0]!.connectors[0]!.relay.active$.subscribe((on) => relayWrites.push(on));
      await stopAgent(rig.agent, 'clean');
      const ended = txEvents(rig.csms, txId).filter((e) => e.eventType === 'Ended');
      assert.equal(ended.length, 1, 'delivered before stop() resolved');
      assert.equal(ended[0]!.transactionInfo.stoppedReason, 'Reboot');
      assert.equal(ended[0]!.triggerReason, 'AbnormalCondition');
      assert.equal(rig.agent.adapter.queue.length, 0, 'nothing left in the queue');
      // active$ gives the present value first: closed while charging; opened, and never closed again.
      assert.equal(relayWrites[0], true);
      assert.equal(relayWrites.lastIndexOf(true), 0, `relay writes ${JSON.stringify(relayWrites)}`);
      assert.equal(relayWrites.at(-1), false);
      // The final reading was taken after the relay opened: it holds all the energy there is.
      const stop = energyRegister(ended[0]!, 'Transaction.End');
      assert.ok(Math.abs(stop - register(rig.agent)) < 0.01, `meter stop ${stop} Wh vs register ${register(rig.agent)} Wh`);
      assertContiguous(txEvents(rig.csms, txId));

      const { agent } = await startAgent(rig.file);
      await waitForAccepted(rig.csms, agent);
      await sleep(500);
      assert.equal(txEvents(rig.csms, txId).filter((e) => e.eventType === 'Ended').length, 1, 'ended once');
      assert.ok(!txEvents(rig.csms).some((e) => e.transactionInfo.stoppedReason === 'PowerLoss'), 'no PowerLoss');
      assert.equal(agent.station.transactions().length, 0);
      assertNoCallErrors(rig.csms);
    });

    it('a CSMS that does not answer in ocpp.shutdownDeliveryTimeoutS: stop() still resolves in time; the Ended (Reboot) stays queued and is delivered at the next start', async () => {
      const rig = await startRig({ config: (d) => (d['ocpp'] = { ...d['ocpp'], shutdownDeliveryTimeoutS: 0.5 }) });
      const txId = await startCharging(rig);
      rig.csms.answer('TransactionEvent', answers.never());
      const t0 = Date.now();
      await stopAgent(rig.agent, 'clean');
      assert.ok(Date.now() - t0 < 2500, `stop() took ${Date.now() - t0} ms`);
      rig.csms.reset();

      await endsAfterRestart(rig, txId);
    });
    it('a meter that stops answering at the stop: the end waits for its timeouts, uses the last good reading, and is still Reboot, never PowerLoss (shutdownDeliveryTimeoutS shorter than the timeouts)', async () => {
      const rig = await startRig({
        config: (d) => {
          d['ocpp'] = { ...d['ocpp'], shutdownDeliveryTimeoutS: 0.2 };
          d['meter'] = { ...d['meter'], timeoutMs: 400, retries: 1, failAfterPolls: 50 };
        },
      });
      const txId = await startCharging(rig);
      await sleep(300);
      rig.agent.hardware.simulation.setMeterFault(1, 'silent');
      await stopAgent(rig.agent, 'clean');
      const ends = await endsAfterRestart(rig, txId);
      assert.ok(energyRegister(ends[0]!, 'Transaction.End') > 0, 'the last good reading');
    });
  });

  describe('OCPP 1.6', () => {
    it('StopTransaction reason Reboot, meterStop from the meter after the relay opened, delivered before agent.stop() resolves; the next start sends no other', async () => {
      const rig = await startRig16();
      const { transactionId } = await startCharging16(rig);
      await sleep(300);
      await stopAgent(rig.agent, 'clean');
      const stops = stopTransactions(rig.csms);
      assert.equal(stops.length, 1, 'delivered before stop() resolved');
      assert.equal(stops[0]!.reason, 'Reboot');
      assert.equal(stops[0]!.transactionId, transactionId);
      assert.equal(stops[0]!.meterStop, Math.round(register(rig.agent)));
      assert.equal(rig.agent.adapter.queue.length, 0);

      const { agent } = await startAgent(rig.file);
      await waitForAccepted16(rig.csms, agent);
      await sleep(500);
      assert.equal(stopTransactions(rig.csms).length, 1, 'no second StopTransaction (no PowerLoss)');
      assert.deepEqual(csmsTransactionIds(rig.csms), [transactionId]);
      assertNoCallErrors(rig.csms);
    });
  });
});
