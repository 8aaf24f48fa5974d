import assert from 'node:assert/strict';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import type { MeterValueType } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  CARD,
  ID,
  sleep,
  startAgent,
  startCharging,
  startRig,
  stopAgent,
  txEvents,
  unplug,
  waitForTx,
} from './rig.js';

/**
 * What the TransactionEvents of a session say, as the CSMS receives them: the charging state at
 * every change, the Ended event included (E01.FR.18, E02.FR.13), and the samples for the Ended
 * message. The answer to a CSMS command before any message it causes is shared with 1.6:
 * ../scenarios/message-order.test.ts.
 */

/** The meterValue elements of an event whose values all have this context. */
const valuesOf = (t: TransactionEventRequest, context: string): MeterValueType[] => (t.meterValue ?? []).filter((mv) => mv.sampledValue.every((s) => s.context === context));

/** Sets device model variables through the CSMS, each Accepted. */
async function setAll(csms: DevCsms, values: Array<[component: string, variable: string, value: string]>): Promise<void> {
  const data = values.map(([component, variable, attributeValue]) => ({ component: { name: component }, variable: { name: variable }, attributeValue }));
  const answer = await csms.setVariables(ID, [data[0]!, ...data.slice(1)]);
  assert.deepEqual(answer.setVariableResult.map((r) => r.attributeStatus), values.map(() => 'Accepted'));
}

/** The chargingState of each event that carries one, in order. */
const chargingStates = (events: readonly TransactionEventRequest[]): string[] => events.flatMap((t) => (t.transactionInfo.chargingState ? [t.transactionInfo.chargingState] : []));

describe('OCPP 2.0.1 integration: transaction messages', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  describe('E02.FR.13 chargingState on every change, Ended included', () => {
    it('Idle in Ended after the vehicle was unplugged', async () => {
      const rig = await startRig();
      const txId = await startCharging(rig);
      await unplug(rig.agent);
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      assert.equal(ended.transactionInfo.stoppedReason, 'EVDisconnected');
      assert.equal(ended.transactionInfo.chargingState, 'Idle');
      const all = txEvents(rig.csms, txId);
      assertContiguous(all);
      assert.deepEqual(chargingStates(all), ['Charging', 'Idle']);
      assertNoCallErrors(rig.csms);
    });

    it('EVConnected in Ended after RequestStopTransaction with the cable still in', async () => {
      const rig = await startRig();
      const txId = await startCharging(rig);
      assert.equal((await rig.csms.requestStopTransaction(ID, txId)).status, 'Accepted');
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      assert.equal(ended.transactionInfo.stoppedReason, 'Remote');
      assert.equal(ended.transactionInfo.chargingState, 'EVConnected');
      assert.deepEqual(chargingStates(txEvents(rig.csms, txId)), ['Charging', 'EVConnected']);
      assertNoCallErrors(rig.csms);
    });

    it('EVConnected in Ended after the card stopped it locally with the cable still in', async () => {
      const rig = await startRig();
      await startCharging(rig);
      assert.equal((await rig.agent.station.presentIdToken(1, CARD)).outcome, 'stopped');
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      assert.equal(ended.triggerReason, 'StopAuthorized');
      assert.equal(ended.transactionInfo.chargingState, 'EVConnected');
      assertNoCallErrors(rig.csms);
    });

    it('EVConnected in Ended after a Reset Immediate with the cable still in', async () => {
      const rig = await startRig();
      await startCharging(rig);
      assert.equal((await rig.csms.resetStation(ID, { type: 'Immediate' })).response.status, 'Accepted');
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      assert.equal(ended.transactionInfo.stoppedReason, 'ImmediateReset');
      assert.equal(ended.transactionInfo.chargingState, 'EVConnected');
    });
  });

  describe('E06.FR.11 / J: samples for the Ended message', () => {
    it('AlignedDataCtrlr.TxEndedInterval: Ended carries AlignedDataCtrlr.TxEndedMeasurands taken on each clock boundary (Sample.Clock, timestamps on the boundaries), then Transaction.End', async () => {
      const rig = await startRig();
      await setAll(rig.csms, [
        ['AlignedDataCtrlr', 'TxEndedMeasurands', 'Energy.Active.Import.Register,Power.Active.Import'],
        ['AlignedDataCtrlr', 'TxEndedInterval', '1'],
      ]);
      const txId = await startCharging(rig);
      await sleep(2600);
      await unplug(rig.agent);
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
      const clock = valuesOf(ended, 'Sample.Clock');
      assert.ok(clock.length >= 2, `at least 2 clock-aligned samples, got ${clock.length}`);
      for (const mv of clock) {
        assert.equal(Date.parse(mv.timestamp) % 1000, 0, `${mv.timestamp} is on a 1 s boundary`);
        assert.deepEqual([...new Set(mv.sampledValue.map((s) => s.measurand))].sort(), ['Energy.Active.Import.Register', 'Power.Active.Import']);
      }
      const times = clock.map((mv) => Date.parse(mv.timestamp));
      assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in time order');
      assert.equal(new Set(times).size, times.length, 'each boundary once');
      const started = txEvents(rig.csms, txId)[0]!;
      assert.ok(times[0]! >= Date.parse(started.timestamp) - 1000 && times.at(-1)! <= Date.parse(ended.timestamp), 'during the transaction');
      assert.equal(valuesOf(ended, 'Transaction.End').length, 1, 'the end value last');
      assert.equal(ended.meterValue!.at(-1)!.sampledValue[0]!.context, 'Transaction.End');
      assert.equal(txEvents(rig.csms, txId).filter((t) => t.triggerReason === 'MeterValueClock').length, 0, 'kept for the end, not sent during the transaction');
      assertNoCallErrors(rig.csms);
    });

    it('the samples survive a crash: SampledDataCtrlr and AlignedDataCtrlr TxEndedInterval samples taken before the agent stopped are in the Ended message built after its restart (PowerLoss)', async () => {
      const rig = await startRig();
      await setAll(rig.csms, [
        ['SampledDataCtrlr', 'TxEndedInterval', '1'],
        ['AlignedDataCtrlr', 'TxEndedInterval', '1'],
      ]);
      const txId = await startCharging(rig);
      await sleep(2600);
      const stoppedAt = Date.now();
      await stopAgent(rig.agent); // as a crash or a power cut: the transaction is left running
      const { agent } = await startAgent(rig.file);
      const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended' && t.transactionInfo.transactionId === txId);
      assert.equal(ended.transactionInfo.stoppedReason, 'PowerLoss');
      for (const context of ['Sample.Periodic', 'Sample.Clock']) {
        const before = valuesOf(ended, context).filter((mv) => Date.parse(mv.timestamp) < stoppedAt);
        assert.ok(before.length >= 2, `${context}: at least 2 samples from before the restart, got ${before.length}`);
      }
      assert.ok(agent.station.transactions().length === 0);
      assertNoCallErrors(rig.csms);
    });
  });
});
