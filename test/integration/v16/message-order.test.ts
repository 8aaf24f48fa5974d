import assert from 'node:assert/strict';
import { RpcError } from '../../../src/ocpp/rpc/rpc-errors.js';
import { answerAndEffect } from '../v201/rig.js';
import {
  afterEachTest,
  assertNoCallErrors,
  callRecords,
  ID,
  setKey,
  startAgent,
  startCharging16,
  startCsms,
  startRig16,
  statuses16,
  statusSequence,
  stopAgent,
  stopCsms,
  unplug,
  until,
  waitForAccepted16,
  waitForStatus,
  waitForStop,
} from './rig.js';

/**
 * The order in which a 1.6 Central System hears things: a transaction stopped before its connector
 * is free again, and UnlockConnector answered before the stop it causes. The answer-first cases
 * shared with 2.0.1 are in ../scenarios/message-order.test.ts.
 */

/** Asserts the station answered `command` before the first `caused` CALL that followed it. */
function assertAnsweredFirst(csms: Parameters<typeof answerAndEffect>[0], command: string, caused: string): void {
  const { answer, effect } = answerAndEffect(csms, command, caused);
  assert.ok(answer < effect, `CALLRESULT to ${command} (#${answer}) before ${caused} (#${effect})`);
}

describe('OCPP 1.6 integration: the order of messages', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('4.9 unplugged during charging (StopTransactionOnEVSideDisconnect): Finishing (EV side disconnected), StopTransaction, and only then Available', async () => {
    const rig = await startRig16();
    const { csms, agent } = rig;
    const { transactionId } = await startCharging16(rig);
    await waitForStatus(csms, 1, 'Charging');
    await unplug(agent);
    const stop = await waitForStop(csms);
    assert.equal(stop.transactionId, transactionId);
    assert.equal(stop.reason, 'EVDisconnected');
    await waitForStatus(csms, 1, 'Available');
    assert.deepEqual(statusSequence(csms, 1), ['Available', 'Preparing', 'Charging', 'Finishing', 'Available']);
    const finishing = statuses16(csms, 1).find((s) => s.status === 'Finishing')!;
    assert.equal(finishing.errorCode, 'NoError');
    assert.equal(finishing.info, 'EV side disconnected');
    const frames = csms.station(ID)!.messages;
    const stopAt = frames.indexOf(callRecords(csms, 'StopTransaction')[0]!);
    const stopAnsweredAt = frames.findIndex((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'StopTransaction');
    const availableAt = frames.findLastIndex((m) => m.direction === 'fromStation' && m.kind === 'call' && m.action === 'StatusNotification' && (m.payload as { connectorId: number; status: string }).connectorId === 1 && (m.payload as { status: string }).status === 'Available');
    assert.ok(stopAt < stopAnsweredAt && stopAnsweredAt < availableAt, `StopTransaction (#${stopAt}) answered (#${stopAnsweredAt}) before Available (#${availableAt})`);
    assertNoCallErrors(csms);
  });

  it('4.9 a StopTransaction from before a restart that the Central System fails to process at first keeps the connector Finishing until it is answered; only then Available', async () => {
    const rig = await startRig16();
    await setKey(rig.csms, 'TransactionMessageRetryInterval', '1');
    await startCharging16(rig);
    await waitForStatus(rig.csms, 1, 'Charging');
    const port = rig.csms.port;
    await stopCsms(rig.csms);
    await until(() => !rig.agent.client.isConnected, 3000, 'the connection lost');
    await unplug(rig.agent);
    await until(() => rig.agent.adapter.queue.pending.some((m) => m.action === 'StopTransaction'), 3000, 'StopTransaction queued');
    await stopAgent(rig.agent); // a power cut before the Central System had it
    const csms = await startCsms({ port });
    let stops = 0;
    csms.answer('StopTransaction', () => {
      // The first attempt fails (E13-like retry in 1.6 4.8): the boot's statuses go out meanwhile.
      if (stops++ === 0) throw new RpcError('InternalError', 'not now');
      return {};
    });
    const { agent } = await startAgent(rig.file);
    await waitForAccepted16(csms, agent);
    await waitForStatus(csms, 1, 'Available', 5000);
    assert.equal(stops, 2, 'answered at the second attempt');
    assert.deepEqual(statusSequence(csms, 1), ['Finishing', 'Available'], 'Finishing at boot: its transaction was not stopped yet');
    const frames = csms.station(ID)!.messages;
    const stopAnsweredAt = frames.findIndex((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'StopTransaction');
    const availableAt = frames.findIndex((m) => m.direction === 'fromStation' && m.action === 'StatusNotification' && (m.payload as { connectorId: number; status: string }).connectorId === 1 && (m.payload as { status: string }).status === 'Available');
    assert.ok(stopAnsweredAt >= 0 && stopAnsweredAt < availableAt, `StopTransaction answered (#${stopAnsweredAt}) before Available (#${availableAt})`);
  });

  describe('answer first, then act: the CALLRESULT precedes every CALL the command causes', () => {
    it('UnlockConnector during a transaction (its handler waits for the stop): the answer, then StopTransaction', async () => {
      const rig = await startRig16({ config: (doc) => (doc['evses'][0]['connectors'][0]['lock'] = { line: 12 }) });
      await startCharging16(rig);
      await waitForStatus(rig.csms, 1, 'Charging');
      assert.deepEqual((await rig.csms.unlockConnector(ID, { connectorId: 1 })).response, { status: 'Unlocked' });
      const stop = await waitForStop(rig.csms);
      assert.equal(stop.reason, 'UnlockCommand');
      assertAnsweredFirst(rig.csms, 'UnlockConnector', 'StopTransaction');
      assertNoCallErrors(rig.csms);
    });
  });
});
