import assert from 'node:assert/strict';
import type { MeterValuesRequest } from 'ocpp-messages/v1.6/index.js';
import type { DevCsms, MessageRecord } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  assertNoCallErrors,
  callRecords,
  calls,
  ID,
  measurandsOf,
  meterValues16,
  plugIn,
  relayClosed,
  sampled,
  setKey,
  sleep,
  startCharging16,
  startRig16,
  startTransactions,
  statuses16,
  unplug,
  until,
  waitForStatus,
  waitForStop,
} from './rig.js';
import type { ConfigDoc } from '../../helpers/cli.js';

/**
 * OCPP 1.6 only remote control: 5.11 RemoteStartTransaction without a connector and across EVSEs
 * and connectors, 5.16 UnlockConnector, 5.17 TriggerMessage. The remote start and stop, and 5.6
 * DataTransfer, are shared with 2.0.1: ../scenarios/remote.test.ts, ../scenarios/data-transfer.test.ts.
 */

/** The CSMS' CALL of an action and the station's answer, in order: [call, answer]. */
function callAndAnswer(csms: DevCsms, action: string): [MessageRecord, MessageRecord] {
  const messages = csms.station(ID)!.messages;
  const call = messages.filter((m) => m.direction === 'toStation' && m.kind === 'call' && m.action === action).at(-1)!;
  const answer = messages.find((m) => m.direction === 'fromStation' && m.kind !== 'call' && m.messageId === call.messageId)!;
  return [call, answer];
}

describe('OCPP 1.6 integration: remote control (5.11, 5.16, 5.17)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('5.11 RemoteStartTransaction without connectorId and no vehicle yet: Accepted, Preparing; the transaction starts when the vehicle plugs in; 9.1.9 ConnectionTimeOut ends an authorization no vehicle came for', async () => {
    const { csms, agent } = await startRig16();
    assert.deepEqual(await csms.remoteStartTransaction(ID, { idTag: 'REMOTE-2' }), { status: 'Accepted' });
    await waitForStatus(csms, 1, 'Preparing');
    await plugIn(agent);
    const start = (await csms.waitFor<{ idTag: string; connectorId: number }>(ID, 'StartTransaction')).payload;
    assert.deepEqual([start.idTag, start.connectorId], ['REMOTE-2', 1]);
    await unplug(agent);
    await waitForStop(csms);
    await waitForStatus(csms, 1, 'Available');

    await setKey(csms, 'ConnectionTimeOut', '1');
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 1, idTag: 'REMOTE-3' }), { status: 'Accepted' });
    await waitForStatus(csms, 1, 'Preparing');
    await waitForStatus(csms, 1, 'Available', 3000);
    assert.equal(startTransactions(csms).length, 1, 'no transaction for the timed-out authorization');
    assertNoCallErrors(csms);
  });

  it('5.11 an EVSE with two connectors: RemoteStartTransaction for connector 2 Rejected while a vehicle at connector 1 makes it Unavailable; Accepted when free, it does not start at connector 1, only when the vehicle is at connector 2', async () => {
    const { csms, agent } = await startRig16({
      config: (doc) => doc['evses'][0]['connectors'].push({ id: 2, type: 'cType2', relay: { line: 16 }, plugDetect: { line: 25, activeLow: true, debounceMs: 50 } }),
    });
    await plugIn(agent, 1);
    // One vehicle at a time per EVSE: with one at connector 1, connector 2 is Unavailable.
    await waitForStatus(csms, 2, 'Unavailable');
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 2, idTag: 'REMOTE-C' }), { status: 'Rejected' });
    await unplug(agent, 1);
    await waitForStatus(csms, 2, 'Available');
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 2, idTag: 'REMOTE-C' }), { status: 'Accepted' });
    await plugIn(agent, 1);
    await sleep(400);
    assert.equal(startTransactions(csms).length, 0, 'not on connector 1');
    assert.equal(relayClosed(agent), false);
    await unplug(agent, 1);
    agent.hardware.simulation.setPlugged(1, 2, true);
    const start = (await csms.waitFor<{ idTag: string; connectorId: number }>(ID, 'StartTransaction', undefined, 3000)).payload;
    assert.deepEqual([start.idTag, start.connectorId], ['REMOTE-C', 2]);
    await waitForStatus(csms, 2, 'Charging');
    assertNoCallErrors(csms);
  });

  it('5.16 UnlockConnector of an idle socket with a lock: Unlocked; during a transaction it is stopped first (StopTransaction reason UnlockCommand), then the connector unlocked; errata 3.87 an unknown connector NotSupported', async () => {
    const rig = await startRig16({ config: (doc) => (doc['evses'][0]['connectors'][0]['lock'] = { line: 12 }) });
    const { csms, agent } = rig;
    const lock = agent.hardware.evses[0]!.connectors[0]!.lock!;
    assert.deepEqual((await csms.unlockConnector(ID, { connectorId: 1 })).response, { status: 'Unlocked' });
    const { transactionId } = await startCharging16(rig);
    assert.equal(lock.active, true, 'locked while charging');
    assert.deepEqual((await csms.unlockConnector(ID, { connectorId: 1 })).response, { status: 'Unlocked' });
    assert.equal(lock.active, false, 'released');
    assert.equal(relayClosed(agent), false);
    const stop = await waitForStop(csms);
    assert.equal(stop.transactionId, transactionId);
    assert.equal(stop.reason, 'UnlockCommand');
    assert.deepEqual((await csms.unlockConnector(ID, { connectorId: 7 })).response, { status: 'NotSupported' });
    assertNoCallErrors(csms);
  });

  for (const [what, change] of [
    ['a tethered cable', (doc: ConfigDoc) => (doc['evses'][0]['connectors'][0]['tethered'] = true)],
    ['a socket without a lock', () => undefined],
  ] as const) {
    it(`5.16/7.46 UnlockConnector of ${what}: NotSupported (no connector lock); a running transaction is still finished first (UnlockCommand)`, async () => {
      const rig = await startRig16({ config: change });
      const { csms } = rig;
      assert.deepEqual((await csms.unlockConnector(ID, { connectorId: 1 })).response, { status: 'NotSupported' });
      await startCharging16(rig);
      assert.deepEqual((await csms.unlockConnector(ID, { connectorId: 1 })).response, { status: 'NotSupported' });
      const stop = await waitForStop(csms);
      assert.equal(stop.reason, 'UnlockCommand');
      assertNoCallErrors(csms);
    });
  }

  it('5.17 TriggerMessage BootNotification, Heartbeat, StatusNotification (one connector, connector 0, all), Diagnostics/FirmwareStatusNotification (Idle): Accepted, each message sent after the answer; a connector that does not exist Rejected', async () => {
    const { csms } = await startRig16();
    const trigger = async (message: string, connectorId?: number): Promise<unknown> =>
      (await csms.triggerMessage(ID, { message, ...(connectorId !== undefined ? { connectorId } : {}) })).response;

    assert.deepEqual(await trigger('BootNotification'), { status: 'Accepted' });
    await until(() => calls(csms, 'BootNotification').length === 2, 2000, 'a second BootNotification');
    const boot = callRecords(csms, 'BootNotification')[1]!;
    assert.ok(boot.seq > callAndAnswer(csms, 'TriggerMessage')[1].seq, 'after the answer');
    // Accepted again: the statuses follow, as after any accepted boot (4.2).
    await until(() => callRecords(csms, 'StatusNotification').filter((m) => m.seq > boot.seq).length === 2, 2000, 'the statuses after the boot');

    assert.deepEqual(await trigger('Heartbeat'), { status: 'Accepted' });
    const heartbeat = await csms.waitFor(ID, 'Heartbeat', undefined, 2000);
    assert.ok(heartbeat.seq > callAndAnswer(csms, 'TriggerMessage')[1].seq);

    const count = (): number => statuses16(csms).length;
    let before = count();
    assert.deepEqual(await trigger('StatusNotification', 1), { status: 'Accepted' });
    await until(() => count() === before + 1, 2000, 'one StatusNotification');
    await sleep(100);
    assert.deepEqual(
      statuses16(csms).slice(before).map((s) => [s.connectorId, s.status]),
      [[1, 'Available']],
    );
    before = count();
    assert.deepEqual(await trigger('StatusNotification', 0), { status: 'Accepted' });
    await until(() => count() === before + 1, 2000, 'one StatusNotification');
    assert.equal(statuses16(csms).at(-1)!.connectorId, 0);
    before = count();
    assert.deepEqual(await trigger('StatusNotification'), { status: 'Accepted' });
    await until(() => count() === before + 2, 2000, 'a StatusNotification for connectors 0 and 1');
    assert.deepEqual(
      statuses16(csms)
        .slice(before)
        .map((s) => s.connectorId)
        .sort(),
      [0, 1],
    );
    await sleep(100);
    before = count();
    assert.deepEqual(await trigger('DiagnosticsStatusNotification'), { status: 'Accepted' });
    assert.deepEqual((await csms.waitFor(ID, 'DiagnosticsStatusNotification', undefined, 2000)).payload, { status: 'Idle' });
    assert.deepEqual(await trigger('FirmwareStatusNotification'), { status: 'Accepted' });
    assert.deepEqual((await csms.waitFor(ID, 'FirmwareStatusNotification', undefined, 2000)).payload, { status: 'Idle' });
    before = count();
    assert.deepEqual(await trigger('StatusNotification', 3), { status: 'Rejected' });
    assert.deepEqual(await trigger('MeterValues', 3), { status: 'Rejected' });
    await sleep(200);
    assert.equal(count(), before, 'nothing sent for a rejected trigger');
    assertNoCallErrors(csms);
  });

  it('5.17 TriggerMessage MeterValues: the MeterValuesSampledData now, context Trigger; during a transaction with its transactionId', async () => {
    const rig = await startRig16();
    const { csms } = rig;
    await setKey(csms, 'MeterValuesSampledData', 'Energy.Active.Import.Register,Current.Import');
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'MeterValues', connectorId: 1 })).response, { status: 'Accepted' });
    const idle = (await csms.waitFor<MeterValuesRequest>(ID, 'MeterValues', undefined, 2000)).payload;
    assert.equal(idle.connectorId, 1);
    assert.equal(idle.transactionId, undefined);
    assert.deepEqual(measurandsOf(idle.meterValue), ['Current.Import', 'Energy.Active.Import.Register']);
    assert.ok(idle.meterValue.every((v) => v.sampledValue.every((s) => s.context === 'Trigger')));
    assert.equal(sampled(idle.meterValue, 'Trigger').length, 1);
    const { transactionId } = await startCharging16(rig);
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'MeterValues' })).response, { status: 'Accepted' });
    await until(() => meterValues16(csms).length === 2, 2000, 'the second MeterValues');
    assert.equal(meterValues16(csms)[1]!.transactionId, transactionId);
    assertNoCallErrors(csms);
  });

});
