import assert from 'node:assert/strict';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import { answers } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  energyRegister,
  sleep,
  startAgent,
  startCharging,
  startRig,
  stopAgent,
  txEvents,
  until,
  waitForAccepted,
  type Rig,
} from './rig.js';

/**
 * A clean stop in OCPP 2.0.1 when the end cannot be delivered in time: what could not be
 * delivered stays queued and goes at the next start, still Reboot, never PowerLoss. The clean stop
 * with a CSMS that answers is shared with 1.6: ../scenarios/clean-stop.test.ts.
 */

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

describe('clean stop in OCPP 2.0.1 when the end cannot be delivered in time: Reboot, not PowerLoss', function () {
  this.timeout(30000);
  afterEach(afterEachTest);

  describe('OCPP 2.0.1', () => {
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

});
