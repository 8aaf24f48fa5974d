import assert from 'node:assert/strict';
import type { MeterValuesRequest } from 'ocpp-messages/v2.0/MeterValuesRequest.js';
import type { StatusNotificationRequest } from 'ocpp-messages/v2.0/StatusNotificationRequest.js';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { DevCsms, MessageRecord } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  calls,
  CARD,
  ID,
  plugIn,
  relayClosed,
  sleep,
  startCharging,
  startRig,
  txEvents,
  until,
  waitForTx,
  withSecondEvse,
} from './rig.js';

/**
 * OCPP 2.0.1 only remote control (F01-F06): RequestStartTransaction for a running transaction and
 * with TxStartPoint Authorized, the EV connection timeout, F05 UnlockConnector, F06 TriggerMessage.
 * The remote start and stop shared with 1.6 are in ../scenarios/remote.test.ts.
 */

const REMOTE = { idToken: 'REMOTE-0001', type: 'Central' as const };

/** The station's answer to the CSMS' latest call of `action`. */
function answerRecord(csms: DevCsms, action: string): MessageRecord {
  const answers = csms.station(ID)!.messages.filter((m) => m.direction === 'fromStation' && m.kind !== 'call' && m.action === action);
  assert.ok(answers.length > 0, `an answer to ${action}`);
  return answers.at(-1)!;
}

describe('OCPP 2.0.1 integration: remote control (F01-F06)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('F01.FR.13/25 RequestStartTransaction for a transaction already running unauthorized (TxStartPoint EVConnected): its transactionId in the answer, then Updated with RemoteStart, the remoteStartId and the idToken', async () => {
    const { csms, agent } = await startRig({
      config: (doc) => {
        doc['charging'] = { ...doc['charging'], txStartPoints: ['EVConnected'], txStopPoints: ['EVConnected'] };
      },
    });
    await plugIn(agent);
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    const txId = started.transactionInfo.transactionId;
    const response = await csms.requestStartTransaction(ID, { evseId: 1, idToken: REMOTE, remoteStartId: 31 });
    assert.deepEqual(response, { status: 'Accepted', transactionId: txId });
    const updated = await waitForTx(csms, (t) => t.triggerReason === 'RemoteStart');
    assert.equal(updated.eventType, 'Updated');
    assert.equal(updated.transactionInfo.transactionId, txId);
    assert.equal(updated.transactionInfo.remoteStartId, 31);
    assert.deepEqual(updated.idToken, REMOTE);
    assert.equal(updated.transactionInfo.chargingState, 'Charging');
    assert.equal(relayClosed(agent), true);
    assertContiguous(txEvents(csms, txId));
    assertNoCallErrors(csms);
  });

  it('F02 RequestStartTransaction without a cable: Accepted; EVConnectionTimeOut (set by SetVariables) ends the authorization with no transaction', async () => {
    const { csms, agent } = await startRig();
    const set = await csms.setVariables(ID, [{ component: { name: 'TxCtrlr' }, variable: { name: 'EVConnectionTimeOut' }, attributeValue: '1' }]);
    assert.equal(set.setVariableResult[0].attributeStatus, 'Accepted');
    assert.equal((await csms.requestStartTransaction(ID, { evseId: 1, idToken: REMOTE })).status, 'Accepted');
    assert.deepEqual(agent.station.snapshot()[0]!.authorizedIdToken, REMOTE);
    await until(() => agent.station.snapshot()[0]!.authorizedIdToken === undefined, 2500, 'the authorization to time out');
    // Too late: the vehicle plugs in and nothing starts.
    await plugIn(agent);
    await sleep(300);
    assert.equal(relayClosed(agent), false);
    assert.equal(txEvents(csms).length, 0, 'TxStartPoint PowerPathClosed: no transaction was started');
    assertNoCallErrors(csms);
  });

  it('F02.FR.07 with TxStartPoint Authorized: Started at once (RemoteStart, EVSE without connector), then Ended with EVConnectTimeout / Timeout', async () => {
    const { csms } = await startRig({
      config: (doc) => {
        doc['charging'] = { ...doc['charging'], txStartPoints: ['Authorized'], txStopPoints: ['EVConnected', 'Authorized'], evConnectionTimeoutS: 1 };
      },
    });
    assert.equal((await csms.requestStartTransaction(ID, { evseId: 1, idToken: REMOTE, remoteStartId: 5 })).status, 'Accepted');
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    assert.equal(started.triggerReason, 'RemoteStart');
    assert.equal(started.transactionInfo.remoteStartId, 5);
    assert.deepEqual(started.evse, { id: 1 }, 'no connector known before the cable');
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended', 3000);
    assert.equal(ended.triggerReason, 'EVConnectTimeout');
    assert.equal(ended.transactionInfo.stoppedReason, 'Timeout');
    assertContiguous(txEvents(csms, started.transactionInfo.transactionId));
    assertNoCallErrors(csms);
  });

  it('F05 UnlockConnector: Unlocked when idle (the lock released), OngoingAuthorizedTransaction during a session (still locked), UnknownConnector', async () => {
    const rig = await startRig({ config: (doc) => (doc['evses'][0]['connectors'][0]['lock'] = { line: 12 }) });
    const { csms, agent } = rig;
    const lock = agent.hardware.evses[0]!.connectors[0]!.lock!;
    assert.deepEqual((await csms.unlockConnector(ID, { evseId: 1, connectorId: 1 })).response, { status: 'Unlocked' }); // F05.FR.04/06
    assert.equal(lock.active, false);
    assert.deepEqual((await csms.unlockConnector(ID, { evseId: 1, connectorId: 3 })).response, { status: 'UnknownConnector' }); // F05.FR.03
    assert.deepEqual((await csms.unlockConnector(ID, { evseId: 4, connectorId: 1 })).response, { status: 'UnknownConnector' });
    await startCharging(rig);
    assert.equal(lock.active, true, 'locked while charging');
    assert.deepEqual((await csms.unlockConnector(ID, { evseId: 1, connectorId: 1 })).response, { status: 'OngoingAuthorizedTransaction' }); // F05.FR.02
    assert.equal(lock.active, true, 'not unlocked');
    assert.equal(relayClosed(agent), true, 'nor stopped');
    assert.equal(txEvents(csms).filter((t) => t.eventType === 'Ended').length, 0);
    assertNoCallErrors(csms);
  });

  it('F06 TriggerMessage: StatusNotification, Heartbeat, MeterValues (Trigger, aligned measurands) each sent after the response (F06.FR.04); BootNotification Rejected once accepted (F06.FR.17); SignV2GCertificate NotImplemented (F06.FR.08); TransactionEvent Rejected without a transaction', async () => {
    const { csms } = await startRig({
      config: (doc) => {
        doc['meterValues'] = { ...doc['meterValues'], alignedMeasurands: ['Energy.Active.Import.Register', 'Voltage', 'Frequency'] };
      },
    });
    await sleep(1100); // the status timestamp below is then clearly the trigger's, not the boot's
    const triggerAndWait = async <P>(message: string, action: string, extra: { evseId?: number; connectorId?: number } = {}): Promise<MessageRecord<P>> => {
      const next = csms.waitForNext<P>(ID, action, undefined, 3000);
      const { response } = await csms.triggerMessage(ID, { message, ...extra });
      assert.deepEqual(response, { status: 'Accepted' }, message);
      const record = await next;
      assert.ok(answerRecord(csms, 'TriggerMessage').seq < record.seq, `F06.FR.04: the response before the ${action}`);
      return record;
    };
    const status = await triggerAndWait<StatusNotificationRequest>('StatusNotification', 'StatusNotification', { evseId: 1, connectorId: 1 });
    assert.equal(status.payload.connectorStatus, 'Available');
    assert.deepEqual([status.payload.evseId, status.payload.connectorId], [1, 1]);
    assert.ok(Math.abs(Date.parse(status.payload.timestamp) - Date.now()) < 500, 'F06.FR.09: current information');
    await triggerAndWait('Heartbeat', 'Heartbeat');
    const mv = await triggerAndWait<MeterValuesRequest>('MeterValues', 'MeterValues', { evseId: 1 });
    assert.equal(mv.payload.evseId, 1);
    const sampled = mv.payload.meterValue.flatMap((v) => v.sampledValue);
    assert.ok(sampled.every((s) => s.context === 'Trigger'));
    assert.deepEqual([...new Set(sampled.map((s) => s.measurand))].sort(), ['Energy.Active.Import.Register', 'Frequency', 'Voltage']); // F06.FR.06
    // F06.FR.15/16: nothing uploading, no firmware work: Idle.
    const log = await triggerAndWait<{ status: string }>('LogStatusNotification', 'LogStatusNotification');
    assert.equal(log.payload.status, 'Idle');
    const firmware = await triggerAndWait<{ status: string }>('FirmwareStatusNotification', 'FirmwareStatusNotification');
    assert.equal(firmware.payload.status, 'Idle');
    // F06.FR.10: what is Accepted is sent, so what cannot be sent is Rejected.
    const before = calls(csms, 'StatusNotification').length;
    assert.equal(((await csms.triggerMessage(ID, { message: 'StatusNotification', evseId: 1, connectorId: 5 })).response as { status: string }).status, 'Rejected');
    assert.equal(((await csms.triggerMessage(ID, { message: 'MeterValues', evseId: 3 })).response as { status: string }).status, 'Rejected');
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'BootNotification' })).response, { status: 'Rejected' });
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'SignV2GCertificate' })).response, { status: 'NotImplemented' });
    assert.equal(((await csms.triggerMessage(ID, { message: 'TransactionEvent', evseId: 1 })).response as { status: string }).status, 'Rejected');
    await sleep(200);
    assert.equal(calls(csms, 'BootNotification').length, 1);
    assert.equal(calls(csms, 'StatusNotification').length, before);
    assertNoCallErrors(csms);
  });

  it('F06.FR.07 TriggerMessage TransactionEvent during a transaction: Updated, triggerReason Trigger, the charging state and the TxUpdatedMeasurands, in sequence', async () => {
    const rig = await startRig();
    const { csms } = rig;
    const txId = await startCharging(rig);
    await sleep(200);
    const next = csms.waitForNext<TransactionEventRequest>(ID, 'TransactionEvent', (t) => t.triggerReason === 'Trigger', 3000);
    const { response } = await csms.triggerMessage(ID, { message: 'TransactionEvent', evseId: 1 });
    assert.deepEqual(response, { status: 'Accepted' });
    const triggered = await next;
    assert.ok(answerRecord(csms, 'TriggerMessage').seq < triggered.seq, 'F06.FR.04');
    assert.equal(triggered.payload.eventType, 'Updated');
    assert.equal(triggered.payload.transactionInfo.transactionId, txId);
    assert.equal(triggered.payload.transactionInfo.chargingState, 'Charging');
    const measurands = new Set(triggered.payload.meterValue!.flatMap((v) => v.sampledValue.map((s) => s.measurand)));
    assert.deepEqual([...measurands].sort(), ['Current.Import', 'Energy.Active.Import.Register', 'Power.Active.Import']);
    assert.ok(triggered.payload.meterValue!.every((v) => v.sampledValue.every((s) => s.context === 'Trigger')));
    await rig.agent.station.presentIdToken(1, CARD);
    await waitForTx(csms, (t) => t.eventType === 'Ended');
    assertContiguous(txEvents(csms, txId));
    assertNoCallErrors(csms);
  });
  it('F06.FR.11 TriggerMessage MeterValues without evse: every EVSE', async () => {
    const { csms } = await startRig({ config: withSecondEvse });
    const { response } = await csms.triggerMessage(ID, { message: 'MeterValues' });
    assert.deepEqual(response, { status: 'Accepted' });
    await until(() => calls<MeterValuesRequest>(csms, 'MeterValues').length === 2, 2000, 'MeterValues of both EVSEs');
    assert.deepEqual(
      calls<MeterValuesRequest>(csms, 'MeterValues')
        .map((m) => m.evseId)
        .sort(),
      [1, 2],
    );
    assertNoCallErrors(csms);
  });
});
