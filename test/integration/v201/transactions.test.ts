import assert from 'node:assert/strict';
import type { AuthorizeRequest } from 'ocpp-messages/v2.0/AuthorizeRequest.js';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import { RpcError } from '../../../src/ocpp/rpc/rpc-errors.js';
import type { StationEvent } from '../../../src/station/events.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  calls,
  CARD,
  energyRegister,
  ID,
  plugIn,
  relayClosed,
  sleep,
  startCharging,
  startRig,
  statuses,
  txEvents,
  unplug,
  until,
  waitForTx,
} from './rig.js';

/**
 * OCPP 2.0.1 only (the shared ones: ../scenarios/transactions.test.ts): C01 and E01-E07: sessions from plug to unplug on the simulated meter and GPIO, as the CSMS sees
 * them: the TransactionEvent sequence, its fields, and the energy it reports.
 */

type Ended = Extract<StationEvent, { type: 'TransactionEnded' }>;
const endedIn = (events: StationEvent[]): Ended | undefined => events.find((e): e is Ended => e.type === 'TransactionEnded');

const measurandsOf = (t: TransactionEventRequest): string[] => [...new Set((t.meterValue ?? []).flatMap((mv) => mv.sampledValue.map((s) => s.measurand ?? 'Energy.Active.Import.Register')))].sort();
const contextsOf = (t: TransactionEventRequest): string[] => [...new Set((t.meterValue ?? []).flatMap((mv) => mv.sampledValue.map((s) => s.context ?? 'Sample.Periodic')))];

describe('OCPP 2.0.1 integration: authorization and transactions (C01, E01-E07)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('C01/E02 cable first: Authorize (ISO14443), Started (Authorized, Transaction.Begin, evse+connector, idToken), J02 periodic values, E02.FR.13 charging state changes, E06.FR.02 unplug ends it (EVDisconnected); the energy adds up', async () => {
    const updated = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import'];
    const rig = await startRig({
      config: (doc) => {
        doc['meterValues'] = {
          ...doc['meterValues'],
          txStartedMeasurands: ['Energy.Active.Import.Register', 'Voltage'],
          txUpdatedMeasurands: updated,
          txUpdatedIntervalS: 1,
          txEndedMeasurands: ['Energy.Active.Import.Register', 'Current.Import'],
        };
      },
    });
    const { csms, agent, events } = rig;
    await plugIn(agent);
    await csms.waitFor<{ connectorStatus: string }>(ID, 'StatusNotification', (p) => p.connectorStatus === 'Occupied'); // E02.FR.05
    assert.equal(txEvents(csms).length, 0, 'TxStartPoint PowerPathClosed: no transaction before authorization');
    assert.equal(relayClosed(agent), false);
    assert.deepEqual(await agent.station.presentIdToken(1, CARD), { outcome: 'authorized', evseId: 1 });
    // C01.FR.01: the token goes to the CSMS with its type.
    assert.deepEqual(calls<AuthorizeRequest>(csms, 'Authorize'), [{ idToken: CARD }]);
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    assert.equal(relayClosed(agent), true);
    assert.equal(started.triggerReason, 'Authorized'); // E02.FR.01
    assert.equal(started.seqNo, 0);
    assert.deepEqual(started.idToken, CARD);
    assert.deepEqual(started.evse, { id: 1, connectorId: 1 }); // E01.FR.16
    assert.equal(started.transactionInfo.chargingState, 'Charging');
    assert.deepEqual(contextsOf(started), ['Transaction.Begin']); // E02.FR.09
    assert.deepEqual(measurandsOf(started), ['Energy.Active.Import.Register', 'Voltage']);
    assert.equal(started.offline, undefined);
    const txId = started.transactionInfo.transactionId;

    // J02: MeterValuePeriodic every TxUpdatedInterval with the TxUpdatedMeasurands.
    await waitForTx(csms, (t) => t.triggerReason === 'MeterValuePeriodic', 2000);
    await csms.waitForNext<TransactionEventRequest>(ID, 'TransactionEvent', (t) => t.triggerReason === 'MeterValuePeriodic', 2000);
    const periodic = csms.station(ID)!.messages.filter((m) => m.kind === 'call' && (m.payload as TransactionEventRequest).triggerReason === 'MeterValuePeriodic');
    const gap = periodic[1]!.at.getTime() - periodic[0]!.at.getTime();
    assert.ok(gap >= 800 && gap <= 1300, `periodic values ${gap} ms apart`);
    for (const m of periodic) {
      const t = m.payload as TransactionEventRequest;
      assert.equal(t.eventType, 'Updated');
      assert.deepEqual(measurandsOf(t), [...updated].sort());
      assert.deepEqual(contextsOf(t), ['Sample.Periodic']);
      assert.equal(t.idToken, undefined);
    }

    // E02.FR.13: the EV pauses (no current for evIdleAfterS) and resumes.
    agent.hardware.simulation.setEvCharging(1, false);
    const suspended = await waitForTx(csms, (t) => t.transactionInfo.chargingState === 'SuspendedEV', 3000);
    assert.equal(suspended.triggerReason, 'ChargingStateChanged');
    agent.hardware.simulation.setEvCharging(1, true);
    const resumed = await waitForTx(csms, (t) => t.seqNo > suspended.seqNo && t.transactionInfo.chargingState === 'Charging', 3000);
    assert.equal(resumed.triggerReason, 'ChargingStateChanged');

    await unplug(agent);
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.triggerReason, 'EVCommunicationLost');
    assert.equal(ended.transactionInfo.stoppedReason, 'EVDisconnected');
    // E06.FR.11 with TxEndedInterval 0: the TxEndedMeasurands taken at the start and at the end.
    assert.deepEqual(contextsOf(ended), ['Transaction.Begin', 'Transaction.End']);
    assert.deepEqual(measurandsOf(ended), ['Current.Import', 'Energy.Active.Import.Register']);
    const [begin, end] = ended.meterValue!.map((mv) => Number(mv.sampledValue.find((v) => v.measurand === 'Energy.Active.Import.Register')!.value));
    assert.ok(begin! < end!, `the start register ${begin} before the end ${end}`);
    const all = txEvents(csms, txId);
    assertContiguous(all);
    assert.equal(all.filter((t) => t.idToken).length, 1, 'the idToken once, at authorization');
    assert.equal(all.filter((t) => t.eventType === 'Ended').length, 1);
    // E06.FR.11: the End register minus the Begin register is the energy of the transaction.
    await until(() => endedIn(events) !== undefined, 2000, 'the core to end the transaction');
    const core = endedIn(events)!.transaction;
    const delivered = energyRegister(ended, 'Transaction.End') - energyRegister(started, 'Transaction.Begin');
    assert.ok(delivered > 0, `energy delivered: ${delivered} Wh`);
    assert.ok(Math.abs(delivered - core.energyWh) < 0.002, `${delivered} Wh reported, ${core.energyWh} Wh delivered`);
    assert.ok(Math.abs(energyRegister(ended, 'Transaction.End') - core.meterStopWh!) < 0.001);
    assert.equal(csms.station(ID)!.state().transactions[txId]?.running, false);
    // G01: every status change reported.
    assert.deepEqual(
      statuses(csms).map((s) => s.connectorStatus),
      ['Available', 'Occupied', 'Available'],
    );
    assertNoCallErrors(csms);
  });

  it('J02 SampledDataCtrlr set during a transaction applies to it: TxUpdatedInterval starts MeterValuePeriodic; E06.FR.11 TxEndedInterval samples go into the Ended message before Transaction.End', async () => {
    const rig = await startRig();
    const { csms, agent } = rig;
    const txId = await startCharging(rig);
    await sleep(300);
    assert.equal(txEvents(csms, txId).length, 1, 'no periodic values: TxUpdatedInterval 0');
    const set = await csms.setVariables(ID, [
      { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '1' },
      { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxEndedInterval' }, attributeValue: '1' },
    ]);
    assert.deepEqual(
      set.setVariableResult.map((r) => r.attributeStatus),
      ['Accepted', 'Accepted'],
    );
    const periodic = await waitForTx(csms, (t) => t.triggerReason === 'MeterValuePeriodic', 2000);
    assert.deepEqual(measurandsOf(periodic), ['Current.Import', 'Energy.Active.Import.Register', 'Power.Active.Import'], "config/simulator.json's txUpdatedMeasurands");
    await sleep(150);
    await unplug(agent);
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    const contexts = ended.meterValue!.map((mv) => mv.sampledValue[0]!.context);
    assert.ok(contexts.length >= 2, `${contexts.length} meter values in Ended`);
    assert.ok(contexts.length >= 3, `${contexts.length} meter values in Ended`);
    assert.deepEqual(contexts, ['Transaction.Begin', ...contexts.slice(1, -1).map(() => 'Sample.Periodic'), 'Transaction.End']);
    const times = ended.meterValue!.map((mv) => Date.parse(mv.timestamp));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    const registers = ended.meterValue!.map((mv) => mv.sampledValue.find((v) => v.measurand === 'Energy.Active.Import.Register')!.value);
    assert.deepEqual(registers, [...registers].sort((a, b) => a - b), 'the register never goes back');
    assertContiguous(txEvents(csms, txId));
    assertNoCallErrors(csms);
  });

  it('E03 id token first: authorized before the cable, Started at plug-in (CablePluggedIn); E07 the same token stops it (StopAuthorized, Local, with the idToken)', async () => {
    const { csms, agent, events } = await startRig();
    assert.deepEqual(await agent.station.presentIdToken(1, CARD), { outcome: 'authorized', evseId: 1 });
    await sleep(200);
    assert.equal(txEvents(csms).length, 0, 'PowerPathClosed: nothing starts without a cable');
    await plugIn(agent);
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    assert.equal(started.triggerReason, 'CablePluggedIn');
    assert.deepEqual(started.idToken, CARD);
    assert.deepEqual(started.evse, { id: 1, connectorId: 1 });
    assert.equal(relayClosed(agent), true);
    await sleep(300);
    // Another card cannot stop it.
    assert.deepEqual(await agent.station.presentIdToken(1, { idToken: 'OTHER', type: 'ISO14443' }), { outcome: 'rejected', status: 'Busy' });
    const stop = await agent.station.presentIdToken(1, CARD);
    assert.equal(stop.outcome, 'stopped');
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.triggerReason, 'StopAuthorized'); // E07.FR.02
    assert.equal(ended.transactionInfo.stoppedReason, 'Local'); // E07.FR.05
    assert.deepEqual(ended.idToken, CARD, 'E07.FR.02: the stopping idToken');
    assert.equal(relayClosed(agent), false);
    const all = txEvents(csms, started.transactionInfo.transactionId);
    assertContiguous(all);
    await until(() => endedIn(events) !== undefined, 2000, 'the core to end the transaction');
    const delivered = energyRegister(ended, 'Transaction.End') - energyRegister(started, 'Transaction.Begin');
    assert.ok(delivered > 0 && Math.abs(delivered - endedIn(events)!.transaction.energyWh) < 0.002);
    // The vehicle is still plugged in: Occupied, no new transaction; unplugging sends nothing more.
    assert.equal(agent.station.statusOf(1, 1), 'Occupied');
    await unplug(agent);
    await csms.waitFor<{ connectorStatus: string }>(ID, 'StatusNotification', (p, r) => p.connectorStatus === 'Available' && r.seq > 0 && statuses(csms).length > 2);
    assert.equal(txEvents(csms).length, all.length);
    assertNoCallErrors(csms);
  });

  it('E01.FR.03/E03 TxStartPoint Authorized: Started at the card (evse without connector, Idle), E01.FR.16 the connector in the Updated message at plug-in (CablePluggedIn, Charging)', async () => {
    const { csms, agent } = await startRig({
      config: (doc) => {
        doc['charging'] = { ...doc['charging'], txStartPoints: ['Authorized'] };
      },
    });
    await agent.station.presentIdToken(1, CARD);
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    assert.equal(started.triggerReason, 'Authorized');
    assert.deepEqual(started.evse, { id: 1 });
    assert.deepEqual(started.idToken, CARD);
    assert.equal(started.transactionInfo.chargingState, 'Idle');
    assert.deepEqual(contextsOf(started), ['Transaction.Begin']);
    await plugIn(agent);
    const plugged = await waitForTx(csms, (t) => t.triggerReason === 'CablePluggedIn');
    assert.equal(plugged.eventType, 'Updated');
    assert.deepEqual(plugged.evse, { id: 1, connectorId: 1 });
    assert.equal(plugged.transactionInfo.chargingState, 'Charging');
    assert.equal(plugged.idToken, undefined, 'the idToken was sent already');
    await unplug(agent);
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.transactionInfo.stoppedReason, 'EVDisconnected');
    assertContiguous(txEvents(csms, started.transactionInfo.transactionId));
    assertNoCallErrors(csms);
  });

  it('E01.FR.02/E01.FR.16 TxStartPoint EVConnected: Started at plug-in without idToken; the token follows in an Updated (Authorized) message', async () => {
    const { csms, agent } = await startRig({
      config: (doc) => {
        doc['charging'] = { ...doc['charging'], txStartPoints: ['EVConnected'], txStopPoints: ['EVConnected'] };
      },
    });
    await plugIn(agent);
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    assert.equal(started.triggerReason, 'CablePluggedIn');
    assert.equal(started.idToken, undefined);
    assert.equal(started.transactionInfo.chargingState, 'EVConnected');
    assert.deepEqual(started.evse, { id: 1, connectorId: 1 });
    await agent.station.presentIdToken(1, CARD);
    const authorized = await waitForTx(csms, (t) => t.triggerReason === 'Authorized');
    assert.equal(authorized.eventType, 'Updated');
    assert.deepEqual(authorized.idToken, CARD); // E02.FR.20
    assert.equal(authorized.transactionInfo.chargingState, 'Charging');
    await unplug(agent);
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.transactionInfo.stoppedReason, 'EVDisconnected');
    const all = txEvents(csms, started.transactionInfo.transactionId);
    assertContiguous(all);
    assert.equal(all.filter((t) => t.idToken).length, 1);
    assertNoCallErrors(csms);
  });

  it('E05.FR.09 Invalid with TxStopPoint EVConnected only: energy stops, the transaction goes on (Updated, Deauthorized, not charging)', async () => {
    const { csms, agent } = await startRig({
      config: (doc) => {
        doc['charging'] = { ...doc['charging'], txStopPoints: ['EVConnected'] };
      },
      program: (csms) => csms.answer('TransactionEvent', (payload) => ((payload as TransactionEventRequest).idToken ? { idTokenInfo: { status: 'Invalid' } } : {})),
    });
    await plugIn(agent);
    await agent.station.presentIdToken(1, CARD);
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    const deauthorized = await waitForTx(csms, (t) => t.triggerReason === 'Deauthorized');
    assert.equal(deauthorized.eventType, 'Updated');
    assert.ok(['EVConnected', 'SuspendedEVSE'].includes(deauthorized.transactionInfo.chargingState ?? ''), `chargingState ${deauthorized.transactionInfo.chargingState}`);
    assert.equal(relayClosed(agent), false);
    assert.equal(agent.station.transactions().length, 1, 'the transaction goes on until the EV leaves');
    await unplug(agent);
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.transactionInfo.stoppedReason, 'DeAuthorized');
    assertContiguous(txEvents(csms, started.transactionInfo.transactionId));
    assertNoCallErrors(csms);
  });
  it('free charging: Started at plug-in under the configured token; the last StatusNotification is Occupied, and the LEDs and GET /api/status say Charging', async () => {
    const { csms, agent } = await startRig({ config: (d) => (d['charging'] = { ...d['charging'], authorization: 'free', freeIdToken: { idToken: 'HOME', type: 'Local' } }) });
    await plugIn(agent);
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    assert.equal(started.idToken?.idToken, 'HOME');
    await until(() => statuses(csms).at(-1)?.connectorStatus === 'Occupied', 3000, 'Occupied reported');
    await sleep(300);
    assert.deepEqual(statuses(csms).map((s) => s.connectorStatus).slice(-1), ['Occupied']);
    assert.equal(agent.status().evses[0]!.leds?.state, 'Charging');
    assertNoCallErrors(csms);
  });

  it('E13.FR.02/03 a TransactionEvent the CSMS fails to process is sent again after MessageAttemptInterval, the next ones wait behind it; E14 GetTransactionStatus tells what is queued', async () => {
    let failures = 1;
    const { csms, agent } = await startRig({
      program: (csms) =>
        csms.answer('TransactionEvent', (payload) => {
          if (failures-- > 0) throw new RpcError('InternalError', 'not now');
          return (payload as TransactionEventRequest).idToken ? { idTokenInfo: { status: 'Accepted' } } : {};
        }),
    });
    const set = await csms.setVariables(ID, [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageAttemptInterval', instance: 'TransactionEvent' }, attributeValue: '1' }]);
    assert.equal(set.setVariableResult[0].attributeStatus, 'Accepted');
    await plugIn(agent);
    await agent.station.presentIdToken(1, CARD);
    const first = await csms.waitFor<TransactionEventRequest>(ID, 'TransactionEvent');
    const txId = first.payload.transactionInfo.transactionId;
    await until(() => csms.station(ID)!.callErrors.length === 1, 2000, 'the CALLERROR');
    // E14.FR.02/04: running, with a message waiting.
    assert.deepEqual(await csms.call(ID, 'GetTransactionStatus', { transactionId: txId }), { ongoingIndicator: true, messagesInQueue: true });
    await unplug(agent);
    await until(() => agent.adapter.queue.length === 2, 2000, 'the Ended message queued behind');
    const retried = await csms.waitForNext<TransactionEventRequest>(ID, 'TransactionEvent', undefined, 3000);
    const gap = retried.at.getTime() - first.at.getTime();
    assert.ok(gap >= 950 && gap < 1800, `sent again after ${gap} ms`);
    assert.deepEqual(retried.payload, first.payload, 'the same message again');
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.seqNo, 1);
    assert.deepEqual(
      txEvents(csms, txId).map((t) => [t.eventType, t.seqNo]),
      [
        ['Started', 0],
        ['Started', 0],
        ['Ended', 1],
      ],
    );
    // E14.FR.03/05/01/06
    await until(() => agent.adapter.queue.length === 0, 2000, 'an empty queue');
    assert.deepEqual(await csms.call(ID, 'GetTransactionStatus', { transactionId: txId }), { ongoingIndicator: false, messagesInQueue: false });
    assert.deepEqual(await csms.call(ID, 'GetTransactionStatus', { transactionId: 'never-seen' }), { ongoingIndicator: false, messagesInQueue: false });
    assert.deepEqual(await csms.call(ID, 'GetTransactionStatus', {}), { messagesInQueue: false });
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.direction, e.action, e.error?.code]),
      [['toStation', 'TransactionEvent', 'InternalError']],
    );
  });

  it('E13.FR.04 after MessageAttempts failures the message is discarded and the next one goes', async () => {
    const { csms, agent } = await startRig({
      program: (csms) =>
        csms.answer('TransactionEvent', (payload) => {
          if ((payload as TransactionEventRequest).eventType === 'Started') throw new RpcError('InternalError', 'never');
          return {};
        }),
    });
    await csms.setVariables(ID, [
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageAttemptInterval', instance: 'TransactionEvent' }, attributeValue: '1' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageAttempts', instance: 'TransactionEvent' }, attributeValue: '2' },
    ]);
    await plugIn(agent);
    await agent.station.presentIdToken(1, CARD);
    await sleep(100);
    await unplug(agent);
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended', 4000);
    assert.deepEqual(
      txEvents(csms, ended.transactionInfo.transactionId).map((t) => [t.eventType, t.seqNo]),
      [
        ['Started', 0],
        ['Started', 0],
        ['Ended', 1],
      ],
    );
    await until(() => agent.adapter.queue.length === 0, 2000, 'an empty queue');
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.direction, e.action, e.error?.code]),
      [
        ['toStation', 'TransactionEvent', 'InternalError'],
        ['toStation', 'TransactionEvent', 'InternalError'],
      ],
    );
  });
});
